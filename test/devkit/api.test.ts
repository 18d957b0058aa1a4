// The testing API: runService runs modules through the server's loader, runner and edit
// builder, with the controller's creator-tag pre-removal, and returns tree, diff and edits.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  BrokenModuleError,
  ConfigShapeError,
  DevkitInputError,
  EditRejectedError,
  ModuleRunError,
  NoInstanceError,
  NoModuleError,
  formatDeviceDiff,
  parseInstance,
  runService,
} from '../../src/devkit/index.ts';
import { parseString } from '../../src/xml/index.ts';
import * as testsvc from './fixtures/testsvc.ts';
import { wireFile as wire } from '../wire.ts';

const here = (p: string): string => fileURLToPath(new URL(p, import.meta.url));
const MODULE = here('./fixtures/testsvc.ts');
const RUNNING = readFileSync(here('./fixtures/running.xml'), 'utf8');

/** Two devices with the given table entries, and testsvc instances (name → params, created paths). */
function config(instances: { name: string; params: string[]; created?: string[] }[], table: Record<string, string> = {}): string {
  const svc = instances
    .map(
      (i) =>
        `<testsvc xmlns="urn:example:testsvc"><name>${i.name}</name>${i.params.map((p) => `<params>${p}</params>`).join('')}` +
        (i.created ? `<created>${i.created.map((p) => `<path>${p}</path>`).join('')}</created>` : '') +
        '</testsvc>',
    )
    .join('');
  const entries = Object.entries(table);
  const t = entries.length ? `<table xmlns="urn:example:clixon">${entries.map(([k, v]) => `<parameter><name>${k}</name><value>${v}</value></parameter>`).join('')}</table>` : '';
  const dev = (n: string): string => `<device><name>${n}</name><config>${t}</config></device>`;
  return `<services xmlns="http://clicon.org/controller">${svc}</services><devices xmlns="http://clicon.org/controller">${dev('dev1')}${dev('dev2')}</devices>`;
}
/** The `created` paths the controller keeps for entries on both devices. */
const created = (...names: string[]): string[] =>
  ['dev1', 'dev2'].flatMap((d) => names.map((n) => `/devices/device[name="${d}"]/config/table/parameter[name="${n}"]`));

test('a new instance: the recorded commit diff of the add, byte for byte', async () => {
  const r = await runService(MODULE, config([{ name: 'd1', params: ['k1', 'k2'] }]), { instance: "testsvc[name='d1']" });
  assert.equal(formatDeviceDiff(r.diff), wire('cli-commit-diff-add.txt'));
  assert.equal(r.edits.length, 1);
  assert.match(r.edits[0]!, /<parameter cl:creator="testsvc\[name='d1'\]"[^>]*><name>k1<\/name><value>d1<\/value><\/parameter>/);
  assert.deepEqual(
    r.calls.map((c) => [c.fn, c.instance]),
    [['setup', 'd1']],
  );
});

test('a changed instance: its old objects are stripped first; the recorded change diff, byte for byte', async () => {
  const cfg = config([{ name: 'd1', params: ['k3'], created: created('k1') }], { k1: 'd1' });
  const r = await runService(MODULE, cfg, { instance: 'testsvc d1' });
  assert.equal(formatDeviceDiff(r.diff), wire('cli-commit-diff-change.txt'));
  // The tree the module saw had k1 removed (pre-removal), and now holds k3.
  assert.deepEqual(
    r.root.devices!.device!.config!.table!.getElements('parameter').map((p) => p.name!.getData()),
    ['k3'],
  );
  assert.equal(r.input.find("devices/device[name='dev1']/config/table/parameter[name='k1']")?.value?.getData(), 'd1');
});

test('a deleted instance: its objects go, the module runs without it, no edits', async () => {
  const r = await runService(MODULE, RUNNING, { instance: "testsvc[name='s1']", delete: true });
  assert.deepEqual([...r.diff.keys()], ['dev1', 'dev2']);
  assert.match(r.diff.get('dev1')!, /^-   <table xmlns="urn:example:clixon">\n-      <parameter>\n-         <name>p1<\/name>/);
  assert.deepEqual(r.edits, []);
  assert.equal(r.root.services!.getElements('testsvc').length, 1);
  await assert.rejects(runService(MODULE, RUNNING, { instance: 'testsvc nope', delete: true }), DevkitInputError);
});

test('no instance re-applies every instance; created bookkeeping goes, objects stay (as the controller does)', async () => {
  const r = await runService(MODULE, RUNNING);
  assert.deepEqual(
    r.calls.map((c) => [c.fn, c.instance]),
    [['setup', undefined]],
  );
  const dev1 = r.diff.get('dev1')!;
  assert.match(dev1, /\+         <name>p3<\/name>/);
  assert.match(dev1, /\+         <name>a<\/name>/);
  assert.doesNotMatch(dev1, /^-/m);
  assert.equal(r.root.find('services/testsvc/created'), undefined);
});

test('a module object works like a file, and a config tree like text', async () => {
  const fromText = await runService(MODULE, RUNNING, { instance: 'testsvc s2' });
  const fromObject = await runService(testsvc, parseString(RUNNING), { instance: 'testsvc s2' });
  assert.deepEqual([...fromObject.diff], [...fromText.diff]);
  assert.deepEqual(fromObject.edits, fromText.edits);
  assert.equal(fromText.diff.get('dev2'), ['   <table xmlns="urn:example:clixon">', '+      <parameter>', '+         <name>a</name>', '+         <value>s2</value>', '+      </parameter>', '   </table>', ''].join('\n'));
});

test('config at the top, or in <config>, <data> or a whole <rpc-reply>, with or without namespaces: the same run', async () => {
  const plain = await runService(MODULE, RUNNING, { instance: 'testsvc s2' });
  assert.equal(plain.diff.size, 2);
  const NC = 'urn:ietf:params:xml:ns:netconf:base:1.0';
  const wrapped = [
    `<config>${RUNNING}</config>`,
    `<config xmlns="${NC}">${RUNNING}</config>`,
    `<data>${RUNNING}</data>`,
    `<data xmlns="${NC}">${RUNNING}</data>`,
    `<rpc-reply xmlns="${NC}"><data>${RUNNING}</data></rpc-reply>`,
    `<nc:rpc-reply xmlns:nc="${NC}" message-id="1"><nc:data>\n${RUNNING}\n</nc:data></nc:rpc-reply>`,
  ];
  for (const config of wrapped) {
    const r = await runService(MODULE, config, { instance: 'testsvc s2' });
    assert.deepEqual([...r.diff], [...plain.diff], config.slice(0, 60));
    assert.deepEqual(r.edits, plain.edits);
  }
});

test('anything else as config: ConfigShapeError saying what was found', async () => {
  const shape = async (config: string, found: string): Promise<void> => {
    const err = await runService(MODULE, config, { instance: 'testsvc s2' }).then(() => undefined, (e: unknown) => e);
    assert.ok(err instanceof ConfigShapeError, String(err));
    assert.ok(err instanceof DevkitInputError);
    assert.equal(err.message, `config: expected <services>/<devices> at the top or inside <config>/<data>/<rpc-reply>, found ${found}`);
  };
  await shape('<foo><services/></foo>', '<foo>');
  await shape('<interfaces xmlns="urn:x"/><system/>', '<interfaces>, <system>');
  await shape('<rpc-reply xmlns="urn:ietf:params:xml:ns:netconf:base:1.0"><ok/></rpc-reply>', '<ok> inside <rpc-reply>');
  await shape('<rpc-reply><data/></rpc-reply>', 'no element inside <rpc-reply><data>');
  await shape('<config><devices/><x/></config><config/>', '<config>');
});

test('a named instance missing, a service no module serves, no instance at all: typed errors saying so', async () => {
  await assert.rejects(runService(MODULE, RUNNING, { instance: 'testsvc nope' }), (e: unknown) => {
    assert.ok(e instanceof NoInstanceError);
    assert.equal(e.message, "no testsvc[name='nope'] in the config's services (it has testsvc[name='s1'], testsvc[name='s2'])");
    return true;
  });
  await assert.rejects(runService(MODULE, RUNNING, { instance: 'banner motd' }), (e: unknown) => {
    assert.ok(e instanceof NoModuleError);
    assert.equal(e.message, 'no module serves banner (the modules serve testsvc)');
    return true;
  });
  await assert.rejects(runService(MODULE, config([]), { instance: 'testsvc' }), /^NoInstanceError: no testsvc instance in the config's services$/);
  const devicesOnly = RUNNING.slice(RUNNING.indexOf('<devices'));
  await assert.rejects(runService(MODULE, devicesOnly), (e: unknown) => {
    assert.ok(e instanceof NoInstanceError);
    assert.equal(e.message, "no instance of testsvc in the config's services: no module has anything to do");
    return true;
  });
});

test('a module that throws rejects with ModuleRunError naming the instance and function', async () => {
  const err = await runService(MODULE, config([{ name: 'boom', params: ['x'] }]), { instance: 'testsvc boom' }).then(
    () => assert.fail('should throw'),
    (e: unknown) => e,
  );
  assert.ok(err instanceof ModuleRunError);
  assert.equal(err.instance, 'boom');
  assert.equal(err.fn, 'setup');
  assert.match(err.message, /boom requested/);
});

test('hooks run in the server order with the context the server gives', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'devkit-api-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, 'package.json'), '{"type":"module"}');
  const seen: string[] = [];
  (globalThis as { __devkitSeen?: string[] }).__devkitSeen = seen;
  writeFileSync(
    join(dir, 'hooks.ts'),
    `const seen = (globalThis as any).__devkitSeen as string[];
export const SERVICE = 'testsvc';
export function setupPreCommit(root: any, log: any, ctx: any) { seen.push('pre ' + ctx.instance + ' ' + ctx.user + ' ' + ctx.tid + ' ' + ctx.diff); }
export function setup(root: any, log: any, ctx: any) { seen.push('setup ' + ctx.instance + ' ' + ctx.services.join(',')); }
export function setupPostCommit(root: any, log: any, ctx: any) { seen.push('post ' + ctx.result); }
`,
  );
  const r = await runService(join(dir, 'hooks.ts'), RUNNING, { instance: ['testsvc s1', 'testsvc s2'], user: 'alice', tid: '42' });
  assert.deepEqual(seen, ['pre s1 alice 42 false', 'pre s2 alice 42 false', 'setup s1 testsvc', 'setup s2 testsvc', 'post SUCCESS', 'post SUCCESS']);
  assert.deepEqual(
    r.calls.map((c) => c.fn),
    ['setupPreCommit', 'setupPreCommit', 'setup', 'setup', 'setupPostCommit', 'setupPostCommit'],
  );
  // A `commit diff` pushes nothing, so no post-commit hooks (as the server); nor when asked not to.
  seen.length = 0;
  await runService(join(dir, 'hooks.ts'), RUNNING, { instance: 'testsvc s1', diff: true });
  assert.deepEqual(seen, ['pre s1 root 1 true', 'setup s1 testsvc']);
  seen.length = 0;
  await runService(join(dir, 'hooks.ts'), RUNNING, { instance: 'testsvc s1', postCommit: false });
  assert.deepEqual(seen, ['pre s1 root 1 false', 'setup s1 testsvc']);
});

test('a module file that does not load rejects with BrokenModuleError naming file and line', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'devkit-api-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, 'package.json'), '{"type":"module"}');
  writeFileSync(join(dir, 'bad.ts'), "export const SERVICE = 'testsvc';\nexport function setup( {\n");
  const err = await runService(join(dir, 'bad.ts'), RUNNING, { instance: 'testsvc s1' }).then(
    () => assert.fail('should throw'),
    (e: unknown) => e,
  );
  assert.ok(err instanceof BrokenModuleError);
  assert.match(err.message, new RegExp(`${join(dir, 'bad.ts').replace(/[.]/g, '\\.')}:\\d+:\\d+`));
});

test('the result is the controller merge of the edits: a removed node goes, a duplicate container merges', async () => {
  const mod = {
    SERVICE: 'testsvc',
    setup(root: import('../../src/xml/index.ts').XmlNode) {
      for (const d of root.devices!.getElements('device')) {
        const cfg = d.config!;
        cfg.table!.getEntry('parameter', 'p1')!.delete();
        // A second table beside the existing one: the controller merges them.
        const extra = cfg.create('table', { attributes: { xmlns: 'urn:example:clixon' } });
        extra.create('parameter').create('name', { data: 'z' });
      }
    },
  };
  const r = await runService(mod, RUNNING, { instance: 'testsvc s2' });
  assert.equal(
    r.diff.get('dev1'),
    [
      '   <table xmlns="urn:example:clixon">',
      '-      <parameter>',
      '-         <name>p1</name>',
      '-         <value>s1</value>',
      '-      </parameter>',
      '+      <parameter>',
      '+         <name>z</name>',
      '+      </parameter>',
      '   </table>',
      '',
    ].join('\n'),
  );
  assert.match(r.edits.join(''), /nc:operation="remove"/);
  assert.deepEqual(
    r.running.findAll("devices/device[name='dev2']/config/table/parameter/name").map((n) => n.getData()),
    ['p2', 'z'],
  );
});

test('an edit the controller would refuse rejects with EditRejectedError', async () => {
  const mod = {
    SERVICE: 'testsvc',
    setup(root: import('../../src/xml/index.ts').XmlNode) {
      const table = root.devices!.device!.config!.table!;
      table.create('parameter', { attributes: { 'nc:operation': 'create' } }).create('name', { data: 'p2' });
    },
  };
  await assert.rejects(runService(mod, RUNNING, { instance: 'testsvc s2' }), (e: unknown) => e instanceof EditRejectedError && /data-exists/.test(e.message));
});

test('instances: bracket form, "svc value" form with the YANG key, bare service; bad forms are input errors', () => {
  assert.deepEqual(parseInstance("testsvc[name='s1']"), { service: 'testsvc', key: 'name', instance: 's1', raw: "testsvc[name='s1']" });
  assert.deepEqual(parseInstance('testsvc s1'), { service: 'testsvc', key: 'name', instance: 's1', raw: "testsvc[name='s1']" });
  assert.deepEqual(parseInstance('testsvc'), { service: 'testsvc', raw: 'testsvc' });
  assert.throws(() => parseInstance('a b c'), DevkitInputError);
  assert.throws(() => parseInstance('svc[oops'), DevkitInputError);
});

test('running: the committed config, creator tags as created paths, chains add → change → delete', async () => {
  const add = await runService(MODULE, config([{ name: 's1', params: ['p1', 'p2'] }]), { instance: 'testsvc s1' });
  assert.deepEqual(add.running.findAll('services/testsvc/created/path').map((p) => p.getData()).sort(), created('p1', 'p2').sort());
  assert.doesNotMatch(add.running.dumps(), /creator|operation/);

  const next = add.running.dumps().replace('<params>p2</params>', '<params>p9</params>');
  const change = await runService(MODULE, next, { instance: 'testsvc s1' });
  assert.match(change.diff.get('dev1')!, /^-         <name>p2<\/name>$/m);
  assert.match(change.diff.get('dev1')!, /^\+         <name>p9<\/name>$/m);
  assert.doesNotMatch(change.diff.get('dev1')!, /p1/);

  const del = await runService(MODULE, change.running, { instance: 'testsvc s1', delete: true });
  assert.equal(del.diff.get('dev2'), ['-   <table xmlns="urn:example:clixon">', ...['p1', 'p9'].flatMap((p) => ['-      <parameter>', `-         <name>${p}</name>`, '-         <value>s1</value>', '-      </parameter>']), '-   </table>', ''].join('\n'));
  assert.equal(del.running.find('devices/device/config/table'), undefined);
});

test('SERVICE_XPATH narrows what the module reads, as the server\'s get-config does', async () => {
  const seen: string[] = [];
  const mod = {
    SERVICE: 'testsvc',
    SERVICE_XPATH: "/ctrl:devices/ctrl:device[ctrl:name='dev2']",
    SERVICE_NAMESPACES: { ctrl: 'http://clicon.org/controller' },
    setup(root: import('../../src/xml/index.ts').XmlNode) {
      seen.push(root.getChildren().map((c) => c.getName()).join(','));
      for (const d of root.devices!.getElements('device')) {
        seen.push(d.name!.getData());
        d.config!.create('mark', { attributes: { xmlns: 'urn:x' }, data: '1' });
      }
    },
  };
  const r = await runService(mod, RUNNING, { instance: 'testsvc s2' });
  assert.deepEqual(seen, ['devices', 'dev2']);
  assert.deepEqual([...r.diff.keys()], ['dev2']);
  assert.equal(r.diff.get('dev2'), '+   <mark xmlns="urn:x">1</mark>\n');
  // The rest of the datastore is untouched by the narrowing.
  assert.equal(r.running.findAll('services/testsvc').length, 2);
});
