/**
 * Simulated devices of different kinds, through the socket: each device's module-set in
 * `get` (under its config mount point), `get-device-schema`, and edit-config content bound
 * to the device's models. The expected replies are the rig's (clixon-controller 1.8 with
 * dev1 and an OpenConfig device oc1), written down where each test says.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { rig, rpc, CTRL, RIG_CONFIG, type Rig } from './helpers.ts';
import { parseXml, type SNode } from '../../src/sim/tree.ts';
import { DeviceKindError, startSimulator } from '../../src/sim/index.ts';
import { KindUsageError, parseKinds } from '../../src/sim/devices.ts';
import { CommandClient, showModels } from '../../src/sim/commands.ts';
import { spawn } from 'node:child_process';
import { RawClient } from './helpers.ts';
import { DEADLINE_MS } from '../deadline.ts';
import { OPENCONFIG_YANG, RIG_KINDS } from '../wire.ts';

const NC = 'xmlns:nc="urn:ietf:params:xml:ns:netconf:base:1.0"';
const YANGLIB = 'urn:ietf:params:xml:ns:yang:ietf-yang-library';
const OC1 = `<device><name>oc1</name><enabled>true</enabled><user>root</user><conn-type>NETCONF_SSH</conn-type><port>8305</port><yang-config>VALIDATE</yang-config><addr>127.0.0.1</addr><config/></device>`;
const MIXED = RIG_CONFIG.replace('</devices>', `${OC1}<device><name>plain</name><config/></device><device><name>nomount</name></device></devices>`);

function mixed(): Promise<Rig> {
  return rig({ config: MIXED, deviceKinds: RIG_KINDS });
}

function reply(xml: string): SNode {
  return parseXml(xml).children[0]!;
}

const schemaRpc = (inner: string): string => rpc(`<get-device-schema xmlns="${CTRL}">${inner}</get-device-schema>`);
const errorMessage = (xml: string): string | undefined => reply(xml).child('rpc-error')?.childText('error-message');

test('get-device-schema: the device\'s modules sorted by name, name and revision filters, detail with the YANG text, submodules without a namespace', async () => {
  const r = await mixed();
  try {
    const c = await r.connect();
    const all = reply(await c.rpc(schemaRpc('<device>dev1</device>'))).childrenNamed('schema');
    const names = all.map((s) => s.childText('name')!);
    assert.deepEqual(names, [...names].sort());
    assert.ok(names.includes('clixon-example') && names.includes('clixon-autocli') && names.includes('clixon-lib'), names.join(' '));
    // The rig's entry for clixon-example, element for element.
    assert.equal(all.find((s) => s.childText('name') === 'clixon-example')!.toXml(),
      `<schema xmlns="${CTRL}"><name>clixon-example</name><revision>2022-11-01</revision><namespace>urn:example:clixon</namespace></schema>`);

    assert.deepEqual(reply(await c.rpc(schemaRpc('<device>dev1</device><name>clixon-example</name><revision>2000-01-01</revision>'))).children, []);
    assert.deepEqual(reply(await c.rpc(schemaRpc('<device>dev1</device><name>nosuchmod</name>'))).children, []);

    // A pattern: the first device it matches answers (dev1 and dev2 alike here).
    const detail = reply(await c.rpc(schemaRpc('<device>dev*</device><name>clixon-example</name><revision>2022-11-01</revision><detail>true</detail>'))).childrenNamed('schema');
    assert.equal(detail.length, 1);
    assert.equal(detail[0]!.childText('data'), readFileSync(join(import.meta.dirname, '../fixtures/yang/clixon-example/clixon-example@2022-11-01.yang'), 'utf8'));

    // On the rig's socket: CDATA for the one module asked by name, escaped text when all come.
    assert.match(await c.rpc(schemaRpc('<device>dev1</device><name>clixon-example</name><detail>true</detail>')), /<data><!\[CDATA\[module "clixon-example"/);
    const allDetail = await c.rpc(schemaRpc('<device>dev1</device><detail>true</detail>'));
    assert.doesNotMatch(allDetail, /CDATA/);
    assert.equal(reply(allDetail).childrenNamed('schema').find((s) => s.childText('name') === 'clixon-example')!.childText('data'), detail[0]!.childText('data'));

    const oc = reply(await c.rpc(schemaRpc('<device>oc1</device>'))).childrenNamed('schema');
    assert.ok(oc.some((s) => s.childText('name') === 'openconfig-system'));
    assert.ok(!oc.some((s) => s.childText('name') === 'clixon-example'));
    // openconfig-aft-ipv4 is a submodule: the rig lists it with its revision and no namespace.
    assert.equal(oc.find((s) => s.childText('name') === 'openconfig-aft-ipv4')!.toXml(),
      `<schema xmlns="${CTRL}"><name>openconfig-aft-ipv4</name><revision>2026-03-10</revision></schema>`);
  } finally {
    await r.close();
  }
});

test('get-device-schema errors: no device named, no device matching, a device without config mount, a device of no kind', async () => {
  const r = await mixed();
  try {
    const c = await r.connect();
    // The first two are the rig's replies; the others follow controller_rpc.c.
    assert.equal(errorMessage(await c.rpc(schemaRpc(''))), 'No device or device-group');
    assert.equal(errorMessage(await c.rpc(schemaRpc('<device>nosuch</device>'))), 'No matching device found');
    assert.equal(errorMessage(await c.rpc(schemaRpc('<device-group>nosuch</device-group>'))), 'No matching device found');
    assert.equal(errorMessage(await c.rpc(schemaRpc('<device>nomount</device>'))), 'No matching device mountpoint');
    assert.equal(errorMessage(await c.rpc(schemaRpc('<device>plain</device>'))), 'No matching device YANG spec found');
    assert.equal(reply(await c.rpc(schemaRpc(''))).child('rpc-error')?.childText('error-tag'), 'operation-failed');
  } finally {
    await r.close();
  }
});

test('each device\'s module-set in get, under its config (location NETCONF, module-set named after the device-domain); a select of the yang-library itself finds nothing, as on the rig', async () => {
  const r = await mixed();
  try {
    const c = await r.connect();
    const get = (select: string): Promise<string> =>
      c.rpc(rpc(`<get xmlns:cl="http://clicon.org/lib" cl:depth="8"><filter type="xpath" select="${select}" xmlns:ctrl="${CTRL}" xmlns:yl="${YANGLIB}"/></get>`));
    const lib = (xml: string, device: string): SNode | undefined =>
      reply(xml).child('data')?.child('devices')?.childrenNamed('device').find((d) => d.childText('name') === device)?.child('config')?.child('yang-library');
    const oc = lib(await get("/ctrl:devices/ctrl:device[ctrl:name='oc1']/ctrl:config"), 'oc1')!;
    assert.equal(oc.attrs.get('xmlns'), YANGLIB);
    const set = oc.child('module-set')!;
    assert.equal(set.childText('name'), 'default');
    const system = set.childrenNamed('module').find((m) => m.childText('name') === 'openconfig-system')!;
    assert.equal(system.toXml(), '<module><name>openconfig-system</name><revision>2026-03-31</revision><namespace>http://openconfig.net/yang/system</namespace><location>NETCONF</location></module>');
    // A submodule is listed with its module's namespace.
    assert.equal(set.childrenNamed('module').find((m) => m.childText('name') === 'openconfig-aft-ipv4')!.childText('namespace'), 'http://openconfig.net/yang/aft');

    const dev1 = lib(await get("/ctrl:devices/ctrl:device[ctrl:name='dev1']/ctrl:config"), 'dev1')!;
    assert.ok(dev1.child('module-set')!.childrenNamed('module').some((m) => m.childText('name') === 'clixon-example'));
    assert.equal(lib(await get("/ctrl:devices/ctrl:device[ctrl:name='plain']/ctrl:config"), 'plain'), undefined);
    assert.equal(await get("/ctrl:devices/ctrl:device[ctrl:name='dev1']/ctrl:config/yl:yang-library"), '<rpc-reply xmlns="urn:ietf:params:xml:ns:netconf:base:1.0"><data/></rpc-reply>');

    // The module-set's name is the device's device-domain.
    assert.match(await c.rpc(rpc(`<edit-config><target><candidate/></target><config><devices xmlns="${CTRL}"><device><name>oc1</name><device-domain>ocdomain</device-domain></device></devices></config></edit-config>`)), /<ok\/>/);
    assert.match(await c.rpc(rpc('<commit/>')), /<ok\/>/);
    assert.equal(lib(await get("/ctrl:devices/ctrl:device[ctrl:name='oc1']/ctrl:config"), 'oc1')!.child('module-set')!.childText('name'), 'ocdomain');
  } finally {
    await r.close();
  }
});

test('edit-config under a device is bound to its models: the rig\'s unknown-element errors, nothing written; a device of no kind takes anything', async () => {
  const r = await mixed();
  try {
    const c = await r.connect();
    const edit = (device: string, config: string): Promise<string> =>
      c.rpc(rpc(`<edit-config><target><candidate/></target><config><devices xmlns="${CTRL}" ${NC}><device><name>${device}</name><config>${config}</config></device></devices></config></edit-config>`));
    const error = (xml: string): { tag?: string; bad?: string; message?: string } => {
      const e = reply(xml).child('rpc-error');
      return { tag: e?.childText('error-tag'), bad: e?.child('error-info')?.childText('bad-element'), message: e?.childText('error-message') };
    };
    const table = '<table xmlns="urn:example:clixon"><parameter><name>x</name><value>1</value></parameter></table>';
    // The rig's replies (clixon-controller 1.8, oc1 OPEN), message for message.
    assert.deepEqual(error(await edit('oc1', table)), { tag: 'unknown-element', bad: 'table', message: 'Failed to find YANG spec of XML node: table with parent: config in namespace: urn:example:clixon' });
    assert.deepEqual(error(await edit('oc1', '<nosuch xmlns="http://openconfig.net/yang/system"/>')),
      { tag: 'unknown-element', bad: 'nosuch', message: 'Failed to find YANG spec of XML node: nosuch with parent: config in namespace: http://openconfig.net/yang/system' });
    // Below the top the rig names the module file (there /work/rig/ctrl/mounts/default/openconfig-system@2026-03-31.yang; here the fixture read).
    assert.deepEqual(error(await edit('oc1', '<system xmlns="http://openconfig.net/yang/system"><nosuch>1</nosuch></system>')),
      { tag: 'unknown-element', bad: 'nosuch', message: `Failed to find YANG spec of XML node: nosuch with parent: system in namespace: http://openconfig.net/yang/system in file: ${join(OPENCONFIG_YANG, 'openconfig-system.yang')}` });
    assert.deepEqual(error(await edit('dev1', '<table xmlns="urn:example:clixon"><parameter><name>x</name><valeu>1</valeu></parameter></table>')).message?.replace(/ in file: .*/, ''),
      'Failed to find YANG spec of XML node: valeu with parent: parameter in namespace: urn:example:clixon');
    const candidate = await c.rpc(rpc('<get-config><source><candidate/></source></get-config>'));
    assert.doesNotMatch(candidate, /<table|nosuch|valeu/);

    assert.match(await edit('dev1', table), /<ok\/>/);
    assert.match(await edit('oc1', '<system xmlns="http://openconfig.net/yang/system"><config><hostname>oc1</hostname></config></system>'), /<ok\/>/);
    assert.match(await edit('plain', '<anything xmlns="urn:example:any"><x>1</x></anything>'), /<ok\/>/);
    // A config template is bound per device as well, with the same messages (seen on the rig with dev1: a
    // template's unknown element at the top and below it). The controller applies templates by name only.
    assert.match(await c.rpc(rpc(`<edit-config><target><candidate/></target><config><devices xmlns="${CTRL}"><template><name>t1</name><config>${table}</config></template><template><name>t2</name><config><table xmlns="urn:example:clixon"><parameter><name>k</name><nosuch>1</nosuch></parameter></table></config></template></devices></config></edit-config>`)), /<ok\/>/);
    assert.match(await c.rpc(rpc('<commit/>')), /<ok\/>/);
    const apply = (device: string, template: string): string => rpc(`<device-template-apply xmlns="${CTRL}"><device>${device}</device><template>${template}</template><type>CONFIG</type></device-template-apply>`);
    assert.deepEqual(error(await c.rpc(apply('oc1', 't1'))), { tag: 'unknown-element', bad: 'table', message: 'Failed to find YANG spec of XML node: table with parent: config in namespace: urn:example:clixon' });
    assert.deepEqual(error(await c.rpc(apply('dev1', 't2'))).message?.replace(/ in file: .*/, ''), 'Failed to find YANG spec of XML node: nosuch with parent: parameter in namespace: urn:example:clixon');
    assert.match(await c.rpc(apply('dev1', 't1')), /<ok\/>/);
    // The actions datastore too (what the service server writes): the same binding.
    assert.deepEqual(error(await c.rpc(rpc(`<edit-config><target><actions xmlns="http://clicon.org/controller"/></target><config><devices xmlns="${CTRL}"><device><name>oc1</name><config>${table}</config></device></devices></config></edit-config>`))).tag, 'unknown-element');
  } finally {
    await r.close();
  }
});

test('device config values are judged at validate, commit and controller-commit (yang-config VALIDATE), not at edit-config; BIND devices are not judged', async () => {
  const r = await mixed();
  try {
    const c = await r.connect();
    const nacm = (device: string, value: string): string =>
      rpc(`<edit-config><target><candidate/></target><config><devices xmlns="${CTRL}"><device><name>${device}</name><config><nacm xmlns="urn:ietf:params:xml:ns:yang:ietf-netconf-acm"><read-default>${value}</read-default></nacm></config></device></devices></config></edit-config>`);
    const error = (xml: string): { tag?: string; bad?: string; path?: string } => {
      const e = reply(xml).child('rpc-error');
      return { tag: e?.childText('error-tag'), bad: e?.child('error-info')?.childText('bad-element'), path: / error-path: (\S+)$/.exec(e?.childText('error-message') ?? '')?.[1] };
    };
    // The rig (dev1, clixon-example, yang-config VALIDATE): edit-config <ok/>, then each of these an rpc-error with this tag, bad-element and error-path.
    const rigError = { tag: 'bad-element', bad: 'read-default', path: '/devices/device[name="dev1"]/config/nacm/read-default' };
    assert.match(await c.rpc(nacm('dev1', 'maybe')), /<ok\/>/);
    assert.deepEqual(error(await c.rpc(rpc('<validate><source><candidate/></source></validate>'))), rigError);
    assert.deepEqual(error(await c.rpc(rpc('<commit/>'))), rigError);
    assert.deepEqual(error(await c.rpc(rpc(`<controller-commit xmlns="${CTRL}"><device>dev1</device><push>NONE</push><actions>NONE</actions><source>ds:candidate</source></controller-commit>`))), rigError);
    assert.doesNotMatch(await c.rpc(rpc('<get-config><source><running/></source></get-config>')), /nacm/);
    assert.match(await c.rpc(rpc('<discard-changes/>')), /<ok\/>/);

    assert.match(await c.rpc(nacm('dev1', 'deny')), /<ok\/>/);
    assert.match(await c.rpc(rpc('<validate><source><candidate/></source></validate>')), /<ok\/>/);
    assert.match(await c.rpc(rpc('<commit/>')), /<ok\/>/);
    assert.match(await c.rpc(rpc('<get-config><source><running/></source></get-config>')), /<read-default>deny<\/read-default>/);

    // yang-config BIND (the YANG's default): bound at edit-config, values not judged.
    assert.match(await c.rpc(rpc(`<edit-config><target><candidate/></target><config><devices xmlns="${CTRL}"><device><name>dev2</name><yang-config>BIND</yang-config></device></devices></config></edit-config>`)), /<ok\/>/);
    assert.match(await c.rpc(nacm('dev2', 'maybe')), /<ok\/>/);
    assert.match(await c.rpc(rpc('<commit/>')), /<ok\/>/);
  } finally {
    await r.close();
  }
});

for (const push of ['COMMIT', 'NONE']) {
  test(`a bad value a service writes fails the transaction (push ${push}), with the rig's reason; running and the devices keep what they had`, async () => {
    const r = await mixed();
    try {
      const server = await r.connect();
      const watch = await r.connect();
      const cli = await r.connect();
      const sub = (stream: string): string => rpc(`<create-subscription xmlns="urn:ietf:params:xml:ns:netmod:notification"><stream>${stream}</stream></create-subscription>`);
      assert.match(await server.rpc(sub('services-commit')), /<ok\/>/);
      assert.match(await watch.rpc(sub('controller-transaction')), /<ok\/>/);
      assert.match(await cli.rpc(rpc(`<edit-config><target><candidate/></target><config><services xmlns="${CTRL}"><testsvc xmlns="urn:example:testsvc"><name>kx</name><params>p</params></testsvc></services></config></edit-config>`)), /<ok\/>/);
      const tid = /<tid[^>]*>(\d+)</.exec(await cli.rpc(rpc(`<controller-commit xmlns="${CTRL}"><device>*</device><push>${push}</push><actions>CHANGE</actions><source>ds:candidate</source></controller-commit>`)))![1]!;
      assert.match(await server.notification(), /<services-commit/);
      const bad = `<devices xmlns="${CTRL}"><device><name>dev1</name><config><nacm xmlns="urn:ietf:params:xml:ns:yang:ietf-netconf-acm" cl:creator="testsvc[name='kx']" xmlns:cl="http://clicon.org/lib"><read-default>maybe</read-default></nacm></config></device></devices>`;
      // As on the rig: the edit and actions-done are accepted, the transaction then fails.
      assert.match(await server.rpc(rpc(`<edit-config><target><actions xmlns="${CTRL}"/></target><config>${bad}</config></edit-config>`)), /<ok\/>/);
      assert.match(await server.rpc(rpc(`<transaction-actions-done xmlns="${CTRL}"><tid>${tid}</tid><service>testsvc</service></transaction-actions-done>`)), /<ok\/>/);
      const n = reply(await watch.notification()).child('controller-transaction')!;
      assert.equal(n.childText('tid'), tid);
      assert.equal(n.childText('result'), 'FAILED');
      assert.equal(n.childText('origin'), 'controller');
      // The rig's reason: error-type, error-tag, message, error-info (the message text before error-path is src/yang's).
      assert.match(n.childText('reason')!, /^application bad-element .* error-path: \/devices\/device\[name="dev1"\]\/config\/nacm\/read-default <bad-element>read-default<\/bad-element>$/);
      const running = await cli.rpc(rpc('<get-config><source><running/></source></get-config>'));
      assert.doesNotMatch(running, /nacm|kx/);
      assert.match(await cli.rpc(rpc('<get-config><source><candidate/></source></get-config>')), /<name>kx<\/name>/);
    } finally {
      await r.close();
    }
  });
}

test('a kind whose YANG cannot be read whole: the simulator does not start, and says which kind and what is missing', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'sim-kind-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, 'broken.yang'), 'module broken { namespace "urn:b"; prefix b; import nosuch { prefix n; } container c { uses n:g; } }');
  await assert.rejects(
    startSimulator({ path: join(dir, 's.sock'), deviceKinds: { vendor: { yangDirs: [dir], modules: ['broken'], devices: ['*'] } } }),
    (e: unknown) => e instanceof DeviceKindError && e.kind === 'vendor' && /nosuch/.test(e.message),
  );
});

test('show models: each device\'s modules, or why it has none', async () => {
  const r = await mixed();
  const c = await CommandClient.connect({ path: r.sim.path!, user: 'root' });
  try {
    const lines = (await showModels(c)).split('\n');
    // Devices in running's order (sorted by name, the list being ordered-by system).
    assert.deepEqual(lines.map((l) => l.split(':')[0]), ['dev1', 'dev2', 'nomount', 'oc1', 'plain']);
    assert.match(lines[0]!, /^dev1: \d+ modules: .*\bclixon-example@2022-11-01\b/);
    assert.equal(lines[2], 'nomount: no models (operation-failed: No matching device mountpoint)');
    assert.match(lines[3]!, /^oc1: \d+ modules: .*\bopenconfig-system@2026-03-31\b/);
    assert.equal(lines[4], 'plain: no models (operation-failed: No matching device YANG spec found)');
    assert.deepEqual((await showModels(c, 'oc*')).split('\n').map((l) => l.split(':')[0]), ['oc1']);
  } finally {
    c.close();
    await r.close();
  }
});

test('--kind and --device: folders, modules and device patterns; a bad argument is a clear error', () => {
  assert.deepEqual(parseKinds(['ex=a,b:clixon-example,clixon-lib', 'oc=c'], ['dev*=ex', 'oc1=oc', 'oc2=oc']), {
    ex: { yangDirs: ['a', 'b'], modules: ['clixon-example', 'clixon-lib'], devices: ['dev*'] },
    oc: { yangDirs: ['c'], devices: ['oc1', 'oc2'] },
  });
  assert.throws(() => parseKinds(['nodirs'], []), (e: unknown) => e instanceof KindUsageError && /--kind nodirs: expected/.test(e.message));
  assert.throws(() => parseKinds(['oc=c'], ['oc1=nosuch']), /no --kind nosuch given \(kinds: oc\)/);
  assert.throws(() => parseKinds(['oc=c'], []), /no device is of this kind/);
});

test('sim start --kind/--device: the devices have their models (get-device-schema through the socket)', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'sim-cli-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const sock = join(dir, 'c.sock');
  const config = join(dir, 'config.xml');
  writeFileSync(config, MIXED);
  const child = spawn(process.execPath, ['--import', 'tsx', join(import.meta.dirname, '../../src/sim/cli.ts'), 'start', '--socket', sock, '--config', config,
    '--kind', `openconfig=${OPENCONFIG_YANG}`, '--device', 'oc*=openconfig'], { stdio: ['ignore', 'pipe', 'pipe'] });
  t.after(() => child.kill('SIGTERM'));
  let out = '';
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no start within ${DEADLINE_MS} ms: ${out}`)), DEADLINE_MS);
    const on = (d: Buffer): void => {
      out += d.toString();
      if (out.includes('simulated controller on')) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout!.on('data', on);
    child.stderr!.on('data', on);
    child.once('exit', (code) => reject(new Error(`exited ${code}: ${out}`)));
  });
  const c = await RawClient.connect(sock);
  try {
    assert.ok(reply(await c.rpc(schemaRpc('<device>oc1</device><name>openconfig-system</name>'))).child('schema'));
    assert.equal(errorMessage(await c.rpc(schemaRpc('<device>dev1</device>'))), 'No matching device YANG spec found');
  } finally {
    c.socket.destroy();
  }
});

test('npm start --once: the mixed network demo commits on all three devices, lists each one\'s models, and oc1 refuses a table', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'sim-demo-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const child = spawn(process.execPath, ['--import', 'tsx', join(import.meta.dirname, '../../scripts/demo.ts'), '--once', '--socket', join(dir, 'd.sock')], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, NO_COLOR: '1' },
  });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const code = await new Promise<number | null>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`the demo did not finish within ${DEADLINE_MS} ms:\n${out}`));
    }, DEADLINE_MS);
    child.once('exit', (c) => {
      clearTimeout(timer);
      resolve(c);
    });
  });
  assert.equal(code, 0, out);
  assert.match(out, /^dev1: \d+ modules, clixon-example, .*openconfig-system$/m);
  assert.match(out, /^oc1: \d+ modules, openconfig-interfaces, openconfig-system$/m);
  assert.match(out, /refused: unknown-element: Failed to find YANG spec of XML node: table with parent: config in namespace: urn:example:clixon/);
  assert.match(out, /alice is on every device/);
});
