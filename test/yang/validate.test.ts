/**
 * Validation of what a module changed, through runService as `try` and tests use it: each
 * kind of mistake is found with its path, the module's own file:line and the YANG line;
 * a module that fits passes; without validation the mistake goes through.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { runService } from '../../src/devkit/index.ts';
import { asLoaded, runLoaded } from '../../src/devkit/run.ts';
import { SchemaValidationError } from '../../src/yang/validate.ts';
import type { ServiceModule } from '../../src/service/module.ts';
import type { XmlNode } from '../../src/xml/index.ts';

const OC_DIR = fileURLToPath(new URL('../fixtures/yang/openconfig', import.meta.url));
const BANNER_DIR = fileURLToPath(new URL('../../modules/banner', import.meta.url));
const IF = 'http://openconfig.net/yang/interfaces';
const CONFIG =
  '<services xmlns="http://clicon.org/controller"><banner xmlns="urn:example:banner"><name>motd</name><text>hi</text></banner></services>' +
  '<devices xmlns="http://clicon.org/controller"><device><name>dev1</name><module-set><module><name>openconfig-system</name><namespace>http://openconfig.net/yang/system</namespace></module></module-set><config><system xmlns="http://openconfig.net/yang/system"><config><hostname>r1</hostname></config></system></config></device></devices>';
const THIS_FILE = fileURLToPath(import.meta.url);

/** Runs `edit` on dev1's config as a banner module's setup (the banner YANG and OpenConfig as schemas). */
async function run(edit: (config: XmlNode) => void, validate = true): Promise<SchemaValidationError | undefined> {
  const module: ServiceModule = {
    SERVICE: 'banner',
    setup: (root) => {
      edit(root.devices!.getEntry('device', 'dev1')!.child('config')!);
    },
  };
  // The YANG beside the module: a file path inside modules/banner makes its folder the module folder.
  const loaded = { ...asLoaded(module), file: `${BANNER_DIR}/banner.ts` };
  try {
    await runLoaded([loaded], CONFIG, { instance: 'banner motd', yangDirs: [OC_DIR], validate });
    return undefined;
  } catch (err) {
    if (err instanceof SchemaValidationError) return err;
    throw err;
  }
}

function only(err: SchemaValidationError | undefined): SchemaValidationError['issues'][number] {
  assert.ok(err, 'expected a SchemaValidationError');
  assert.equal(err.issues.length, 1, err.message);
  return err.issues[0]!;
}

test('a misspelled leaf: the path, the module line that created it, the YANG line', async () => {
  const issue = only(await run((c) => {
    c.system!.child('config')!.create('login-baner', { data: 'x' });
  }));
  assert.equal(issue.path, "/devices/device[name='dev1']/config/system/config/login-baner");
  assert.match(issue.message, /unknown element login-baner/);
  assert.match(issue.origin ?? '', new RegExp(`^${THIS_FILE}:\\d+$`));
  assert.match(issue.model ?? '', /openconfig-system\.yang:\d+$/);
});

test('the same misspelling passes without validation', async () => {
  assert.equal(await run((c) => void c.system!.child('config')!.create('login-baner', { data: 'x' }), false), undefined);
});

test('a correct change passes', async () => {
  assert.equal(await run((c) => void c.system!.child('config')!.create('login-banner', { data: 'x' })), undefined);
});

test('wrong namespace', async () => {
  const issue = only(await run((c) => void c.create('interfaces', { attributes: { xmlns: 'http://openconfig.net/yang/interface' } })));
  assert.match(issue.message, /wrong namespace http:\/\/openconfig.net\/yang\/interface for interfaces/);
});

test('state data (config false) written by a module', async () => {
  const issue = only(await run((c) => void c.system!.create('state').create('hostname', { data: 'r1' })));
  assert.equal(issue.path, "/devices/device[name='dev1']/config/system/state");
  assert.match(issue.message, /container state is state data \(config false\)/);
});

const IANAIFT = { 'xmlns:ianaift': 'urn:ietf:params:xml:ns:yang:iana-if-type' };

/** A valid OpenConfig interface entry (name, config/name, config/type) under `ifs`; returns its config. */
function iface(ifs: XmlNode, name: string, type = 'ianaift:ethernetCsmacd'): XmlNode {
  const i = ifs.create('interface');
  i.create('name', { data: name });
  const config = i.create('config');
  config.create('name', { data: name });
  config.create('type', { data: type, attributes: IANAIFT });
  return config;
}

test('list entry without its key, and a duplicate entry', async () => {
  const missing = only(await run((c) => {
    const ifs = c.create('interfaces', { attributes: { xmlns: IF } });
    const config = ifs.create('interface').create('config');
    config.create('type', { data: 'ianaift:ethernetCsmacd', attributes: IANAIFT });
  }));
  assert.match(missing.message, /list entry without its key name/);
  // Twice alike is a merge (the controller takes it: re-applied services create again what
  // actions holds, two instances share a parent entry); twice with two values is a conflict.
  const same = await run((c) => {
    const ifs = c.create('interfaces', { attributes: { xmlns: IF } });
    for (let i = 0; i < 2; i++) iface(ifs, 'eth0').create('mtu', { data: '1500' });
  });
  assert.equal(same, undefined);
  const dup = await run((c) => {
    const ifs = c.create('interfaces', { attributes: { xmlns: IF } });
    for (const mtu of ['1500', '9000']) iface(ifs, 'eth0').create('mtu', { data: mtu });
  });
  assert.ok(dup?.issues.some((i) => /entry name='eth0' given twice with different values: config\/mtu: '1500' and '9000'/.test(i.message)), dup?.message);
});

test('leaf values not of their type: range, pattern, identityref', async () => {
  const cases: [string, (c: XmlNode) => void, RegExp][] = [
    ['range', (c) => void iface(c.create('interfaces', { attributes: { xmlns: IF } }), 'e').create('mtu', { data: '70000' }), /value "70000" is out of the uint16 range/],
    ['identityref', (c) => void iface(c.create('interfaces', { attributes: { xmlns: IF } }), 'e', 'ianaift:notAType'), /value "ianaift:notAType" is not an identity derived from/],
    ['pattern', (c) => void c.system!.child('config')!.child('hostname')!.setData('bad host name!'), /does not match the pattern/],
  ];
  for (const [what, edit, expect] of cases) {
    const issue = only(await run(edit));
    assert.match(issue.message, expect, what);
    assert.match(issue.origin ?? '', new RegExp(`^${THIS_FILE}:\\d+$`), what);
  }
  // A valid identity of the right base passes.
  assert.equal(await run((c) => void iface(c.create('interfaces', { attributes: { xmlns: IF } }), 'e')), undefined);
});

test('the banner example module fits its own YANG and OpenConfig', async () => {
  const r = await runService(BANNER_DIR, CONFIG.replace('<text>hi</text>', '<text>hi</text><device>dev1</device>'), { instance: 'banner motd', yangDirs: [OC_DIR] });
  assert.equal(r.edits.length, 1);
});
