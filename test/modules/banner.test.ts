// The banner module (modules/banner), run offline with the devkit as the server would run it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { readFileSync } from 'node:fs';
import { createConsola } from 'consola';
import { formatDeviceDiff, runService } from '../../src/devkit/index.ts';
import { MODELS_DIR } from '../models/models-folder.ts';

const BANNER = fileURLToPath(new URL('../../modules/banner', import.meta.url));
const OC = 'http://openconfig.net/yang/system';
/** A device's configured module-set: it carries openconfig-system (the module writes only there). */
const OC_SET = `<module-set><module><name>openconfig-system</name><namespace>${OC}</namespace></module></module-set>`;
const bannerPath = (dev: string): string => `/devices/device[name="${dev}"]/config/system/config/login-banner`;

/** One banner instance (devices listed, paths it created) and dev1 (hostname, maybe a banner), dev2 (empty). */
function config(opts: { text: string; devices?: string[]; created?: string[]; dev1Banner?: string; more?: string }): string {
  const devs = (opts.devices ?? []).map((d) => `<device>${d}</device>`).join('');
  const created = opts.created ? `<created>${opts.created.map((p) => `<path>${p}</path>`).join('')}</created>` : '';
  const banner = opts.dev1Banner !== undefined ? `<login-banner>${opts.dev1Banner}</login-banner>` : '';
  return (
    `<services xmlns="http://clicon.org/controller"><banner xmlns="urn:example:banner"><name>motd</name><text>${opts.text}</text>${devs}${created}</banner></services>` +
    `<devices xmlns="http://clicon.org/controller">` +
    `<device><name>dev1</name>${OC_SET}<config><system xmlns="${OC}"><config><hostname>r1</hostname>${banner}</config></system></config></device>` +
    `<device><name>dev2</name>${OC_SET}<config/></device>${opts.more ?? ''}</devices>`
  );
}

test('banner: a new instance sets the banner on the listed device only, creator-tagged', async () => {
  const r = await runService(BANNER, config({ text: 'Hello', devices: ['dev1'] }), { instance: 'banner motd' });
  assert.deepEqual([...r.diff.keys()], ['dev1']);
  assert.equal(r.diff.get('dev1'), [`      <config xmlns="${OC}">`, '+         <login-banner>Hello</login-banner>', '      </config>', ''].join('\n'));
  assert.equal(r.edits.length, 1);
  assert.match(r.edits[0]!, /<login-banner cl:creator="banner\[name='motd'\]"[^>]*>Hello<\/login-banner>/);
});

test('banner: no device listed means every device; a device without system config gets it whole', async () => {
  const r = await runService(BANNER, config({ text: 'Hi' }), { instance: "banner[name='motd']" });
  assert.deepEqual([...r.diff.keys()], ['dev1', 'dev2']);
  assert.equal(
    r.diff.get('dev2'),
    [`+   <system xmlns="${OC}">`, '+      <config>', '+         <login-banner>Hi</login-banner>', '+      </config>', '+   </system>', ''].join('\n'),
  );
});

test('banner: a mixed network: only devices carrying openconfig-system get it; the others are named once, with why', async () => {
  const lines: string[] = [];
  const log = createConsola({ level: 3, reporters: [{ log: (o) => lines.push(o.args.join(' ')) }] });
  const other = `<device><name>r3</name><module-set><module><name>clixon-example</name><namespace>urn:example:clixon</namespace></module></module-set><config/></device><device><name>r4</name><config/></device>`;
  const r = await runService(BANNER, config({ text: 'Hi', more: other }), { instance: "banner[name='motd']", log, tid: '41' });
  assert.deepEqual([...r.diff.keys()], ['dev1', 'dev2']);
  assert.deepEqual(lines.filter((l) => l.startsWith('skipped')), ['skipped r3 (no openconfig-system in its module-set), r4 (module-set not known)']);
  // The models may come from elsewhere than the config: a test's own.
  const only = await runService(BANNER, config({ text: 'Hi' }), { instance: "banner[name='motd']", models: MODELS_DIR });
  assert.deepEqual([...only.diff.keys()], ['dev2']);
});

test('banner: changed text replaces the banner the instance created', async () => {
  const r = await runService(BANNER, config({ text: 'New', devices: ['dev1'], created: [bannerPath('dev1')], dev1Banner: 'Old' }), { instance: 'banner motd' });
  assert.equal(
    r.diff.get('dev1'),
    [`      <config xmlns="${OC}">`, '-       <login-banner>Old</login-banner>', '+       <login-banner>New</login-banner>', '      </config>', ''].join('\n'),
  );
});

test('banner: deleting the instance removes its banner and leaves the rest', async () => {
  const r = await runService(BANNER, config({ text: 'Old', devices: ['dev1'], created: [bannerPath('dev1')], dev1Banner: 'Old' }), { instance: 'banner motd', delete: true });
  assert.equal(r.diff.get('dev1'), [`      <config xmlns="${OC}">`, '-         <login-banner>Old</login-banner>', '      </config>', ''].join('\n'));
  assert.equal(r.diff.has('dev2'), false);
  assert.deepEqual(r.edits, []);
});

test('banner: re-applying an unchanged instance changes nothing on the devices', async () => {
  const r = await runService(BANNER, config({ text: 'Same', devices: ['dev1'], created: [bannerPath('dev1')], dev1Banner: 'Same' }), { instance: 'banner motd' });
  assert.equal(r.diff.size, 0);
});

test('banner: the example config (test/modules/banner.xml) as try shows it', async () => {
  const cfg = readFileSync(fileURLToPath(new URL('./banner.xml', import.meta.url)), 'utf8');
  const r = await runService(BANNER, cfg, { instance: 'banner motd' });
  assert.equal(formatDeviceDiff(r.diff), ['dev1:', `      <config xmlns="${OC}">`, '+         <login-banner>Authorised use only</login-banner>', '      </config>', 'OK', ''].join('\n'));
});

test('banner: a second instance on a device is refused, naming both (they would fight over the banner, and deleting either removes it)', async () => {
  const both = config({ text: 'Hi', devices: ['dev1'] }).replace('</banner></services>', '</banner><banner xmlns="urn:example:banner"><name>ops</name><text>Ops</text></banner></services>');
  await assert.rejects(runService(BANNER, both, { instance: 'banner ops' }), /banner ops and motd both set the login banner of dev1: one banner per device/);
});
