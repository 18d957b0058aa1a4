/**
 * The service transaction over a real socket: a scripted service server (the testsvc
 * module of the recordings: one creator-tagged table/parameter per param on every device)
 * answers services-commit; checks the creator-tag bookkeeping (create, modify, delete,
 * two instances sharing an object), commit diff output, the timeout and error paths,
 * commits without a subscriber, and the plain commit that runs no services.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { rig, rpc, CTRL, WIRE, RIG_CONFIG, type RawClient, type Rig } from './helpers.ts';
import { parseXml, SNode } from '../../src/sim/tree.ts';
import { startSimulator, removeCreatedBy } from '../../src/sim/index.ts';
import { parseString } from '../../src/xml/index.ts';
import { DEADLINE_MS } from '../deadline.ts';

const TS = 'urn:example:testsvc';
const NC = 'xmlns:nc="urn:ietf:params:xml:ns:netconf:base:1.0"';
const SUB = (stream: string): string => rpc(`<create-subscription xmlns="urn:ietf:params:xml:ns:netmod:notification"><stream>${stream}</stream></create-subscription>`);

function svc(name: string, params: string[], op = ''): string {
  return `<testsvc xmlns="${TS}"${op ? ` ${NC} nc:operation="${op}"` : ''}><name>${name}</name>${params.map((p) => `<params>${p}</params>`).join('')}</testsvc>`;
}
const editSvc = (services: string): string =>
  rpc(`<edit-config><target><candidate/></target><config><services xmlns="${CTRL}">${services}</services></config></edit-config>`);
const ccommit = (actions: string, push: string, instance?: string, user = 'root'): string =>
  rpc(`<controller-commit xmlns="${CTRL}"><device>*</device><push>${push}</push><actions>${actions}</actions>${instance ? `<service-instance>${instance}</service-instance>` : ''}<source>ds:candidate</source></controller-commit>`, user);

function child(n: SNode | undefined, ...path: string[]): SNode | undefined {
  let x = n;
  for (const p of path) x = x?.child(p);
  return x;
}

/** One subscriber answering one services-commit the way testsvc.py does. */
async function serveOnce(server: RawClient, opts: { fail?: string } = {}): Promise<string> {
  const note = parseXml(await server.notification()).children[0]!;
  const sc = note.child('services-commit')!;
  const tid = sc.childText('tid')!;
  const wanted = sc.childrenNamed('service').map((s) => /name='([^']*)'/.exec(s.text ?? '')?.[1]);
  if (opts.fail !== undefined) {
    await server.rpc(rpc(`<transaction-error xmlns="${CTRL}"><tid>${tid}</tid><origin>test</origin><reason>${opts.fail}</reason></transaction-error>`));
    return tid;
  }
  const data = parseXml(await server.rpc(rpc(`<get-config><source><actions xmlns="${CTRL}"/></source></get-config>`))).children[0]!.child('data')!;
  const instances = child(data, 'services')?.childrenNamed('testsvc') ?? [];
  const devices = child(data, 'devices')?.childrenNamed('device').map((d) => d.childText('name')!) ?? [];
  let body = '';
  for (const dev of devices) {
    let params = '';
    for (const inst of instances) {
      const name = inst.childText('name')!;
      if (wanted.length > 0 && !wanted.includes(name)) continue;
      for (const p of inst.childrenNamed('params'))
        params += `<parameter cl:creator="testsvc[name='${name}']" nc:operation="merge" xmlns:cl="http://clicon.org/lib"><name>${p.text}</name><value>${name}</value></parameter>`;
    }
    if (params) body += `<device><name>${dev}</name><config><table xmlns="urn:example:clixon">${params}</table></config></device>`;
  }
  const reply = await server.rpc(rpc(`<edit-config><target><actions xmlns="${CTRL}"/></target><default-operation>merge</default-operation><config><devices xmlns="${CTRL}" ${NC}>${body}</devices></config></edit-config>`));
  assert.match(reply, /<ok\/>/);
  assert.match(await server.rpc(rpc(`<transaction-actions-done xmlns="${CTRL}"><tid>${tid}</tid><service>testsvc</service></transaction-actions-done>`)), /<ok\/>/);
  return tid;
}

async function running(c: RawClient): Promise<SNode> {
  return parseXml(await c.rpc(rpc('<get-config><source><running/></source></get-config>'))).children[0]!.child('data') ?? new SNode('data');
}

function paramsOf(data: SNode, dev: string): string[] {
  const d = child(data, 'devices')?.childrenNamed('device').find((x) => x.childText('name') === dev);
  return child(d, 'config', 'table')?.childrenNamed('parameter').map((p) => `${p.childText('name')}=${p.childText('value')}`) ?? [];
}

function createdOf(data: SNode, inst: string): string[] {
  const i = child(data, 'services')?.childrenNamed('testsvc').find((x) => x.childText('name') === inst);
  return child(i, 'created')?.children.map((p) => p.text ?? '') ?? [];
}

async function setup(): Promise<{ r: Rig; server: RawClient; cli: RawClient; watch: RawClient }> {
  const r = await rig();
  const server = await r.connect();
  assert.match(await server.rpc(SUB('services-commit')), /<ok\/>/);
  const watch = await r.connect();
  assert.match(await watch.rpc(SUB('controller-transaction')), /<ok\/>/);
  const cli = await r.connect();
  return { r, server, cli, watch };
}

/** Commits through the subscriber and returns the controller-transaction notification. */
async function commitVia(t: { server: RawClient; cli: RawClient; watch: RawClient }, actions = 'CHANGE', push = 'COMMIT', instance?: string): Promise<SNode> {
  const reply = await t.cli.rpc(ccommit(actions, push, instance));
  const tid = /<tid[^>]*>(\d+)</.exec(reply)?.[1];
  assert.ok(tid, reply);
  await serveOnce(t.server);
  const n = parseXml(await t.watch.notification()).children[0]!.child('controller-transaction')!;
  assert.equal(n.childText('tid'), tid);
  return n;
}

test('creator tags: create, modify and delete a service instance', async () => {
  const t = await setup();
  try {
    assert.match(await t.cli.rpc(editSvc(svc('s1', ['a', 'b']))), /<ok\/>/);
    const n1 = await commitVia(t);
    assert.equal(n1.childText('result'), 'SUCCESS');
    assert.equal(n1.child('reason'), undefined);
    let data = await running(t.cli);
    assert.deepEqual(paramsOf(data, 'dev1'), ['a=s1', 'b=s1']);
    assert.deepEqual(paramsOf(data, 'dev2'), ['a=s1', 'b=s1']);
    assert.deepEqual(createdOf(data, 's1'), [
      '/devices/device[name="dev1"]/config/table/parameter[name="a"]',
      '/devices/device[name="dev1"]/config/table/parameter[name="b"]',
      '/devices/device[name="dev2"]/config/table/parameter[name="a"]',
      '/devices/device[name="dev2"]/config/table/parameter[name="b"]',
    ]);
    assert.doesNotMatch(data.toXml(), /creator/);

    await t.cli.rpc(editSvc(`<testsvc xmlns="${TS}" ${NC}><name>s1</name><params nc:operation="delete">b</params></testsvc>`));
    assert.equal((await commitVia(t)).childText('result'), 'SUCCESS');
    data = await running(t.cli);
    assert.deepEqual(paramsOf(data, 'dev1'), ['a=s1']);
    assert.deepEqual(createdOf(data, 's1'), [
      '/devices/device[name="dev1"]/config/table/parameter[name="a"]',
      '/devices/device[name="dev2"]/config/table/parameter[name="a"]',
    ]);

    await t.cli.rpc(editSvc(svc('s1', [], 'delete')));
    assert.equal((await commitVia(t)).childText('result'), 'SUCCESS');
    data = await running(t.cli);
    assert.deepEqual(paramsOf(data, 'dev1'), []);
    assert.equal(child(data, 'services'), undefined);
    assert.equal(child(data, 'devices', 'device', 'config')?.children.length, 0, 'emptied table is gone');
  } finally {
    await t.r.close();
  }
});

// As on clixon-controller 1.8 (s1 and s2 both created parameter x; deleting s1 removed x from
// the device): the pre-removal takes every path of the deleted instance, whoever else created it.
test('creator tags: deleting one of two instances that created an object removes the object', async () => {
  const t = await setup();
  try {
    await t.cli.rpc(editSvc(svc('s1', ['x']) + svc('s2', ['x', 'y'])));
    await commitVia(t);
    let data = await running(t.cli);
    assert.deepEqual(paramsOf(data, 'dev1').map((p) => p.split('=')[0]), ['x', 'y']);
    assert.ok(createdOf(data, 's1').some((p) => p.endsWith('[name="x"]')));
    assert.ok(createdOf(data, 's2').some((p) => p.endsWith('[name="x"]')));

    await t.cli.rpc(editSvc(svc('s1', [], 'delete')));
    await commitVia(t);
    data = await running(t.cli);
    assert.deepEqual(paramsOf(data, 'dev1'), ['y=s2'], 'x went with s1, though s2 created it too');
    assert.ok(createdOf(data, 's2').some((p) => p.endsWith('[name="x"]')), "s2's bookkeeping still names x");
  } finally {
    await t.r.close();
  }
});

test('commit diff: push NONE leaves running alone; the device diff is the CLI output', async () => {
  const t = await setup();
  const expected = (file: string): string => readFileSync(join(WIRE, file), 'utf8').replace(/OK\n?$/, '');
  const deviceDiff = async (): Promise<string> => {
    const x = parseXml(await t.cli.rpc(rpc(`<datastore-diff xmlns="${CTRL}"><device>*</device><config-type1>RUNNING</config-type1><config-type2>ACTIONS</config-type2></datastore-diff>`))).children[0]!;
    return x.childrenNamed('diff').map((d) => d.text ?? '').join('');
  };
  try {
    await t.cli.rpc(editSvc(svc('d1', ['k1', 'k2'])));
    const n = await commitVia(t, 'CHANGE', 'NONE');
    assert.equal(n.childText('result'), 'SUCCESS');
    assert.deepEqual(paramsOf(await running(t.cli), 'dev1'), []);
    assert.equal(await deviceDiff(), expected('cli-commit-diff-add.txt'));

    await t.cli.rpc(rpc('<discard-changes/>'));
    await t.cli.rpc(editSvc(svc('d1', ['k1'])));
    await commitVia(t);
    await t.cli.rpc(editSvc(`<testsvc xmlns="${TS}" ${NC}><name>d1</name><params nc:operation="delete">k1</params><params>k3</params></testsvc>`));
    await commitVia(t, 'CHANGE', 'NONE');
    assert.equal(await deviceDiff(), expected('cli-commit-diff-change.txt'));
  } finally {
    await t.r.close();
  }
});

test('transaction-error: FAILED with origin and reason, running untouched, state recorded', async () => {
  const t = await setup();
  try {
    await t.cli.rpc(editSvc(svc('boom', ['x'])));
    const reply = await t.cli.rpc(ccommit('CHANGE', 'COMMIT'));
    const tid = /<tid[^>]*>(\d+)</.exec(reply)![1]!;
    await serveOnce(t.server, { fail: 'boom requested' });
    const n = parseXml(await t.watch.notification()).children[0]!.child('controller-transaction')!;
    assert.deepEqual([n.childText('result'), n.childText('origin'), n.childText('reason')], ['FAILED', 'test', 'boom requested']);
    assert.equal(child(await running(t.cli), 'services'), undefined);
    const st = parseXml(await t.cli.rpc(rpc(`<get xmlns:cl="http://clicon.org/lib" cl:content="nonconfig"><filter type="xpath" select="/co:transactions/co:transaction[co:tid='${tid}']" xmlns:co="${CTRL}"/></get>`))).children[0]!;
    const tr = child(st, 'data', 'transactions', 'transaction')!;
    assert.deepEqual(tr.children.map((c) => c.localName), ['tid', 'username', 'result', 'reason', 'devices', 'state', 'description', 'origin', 'timestamp0', 'timestamp']);
    assert.equal(tr.childText('state'), 'DONE');
    assert.match(await t.server.rpc(rpc(`<transaction-actions-done xmlns="${CTRL}"><tid>${tid}</tid></transaction-actions-done>`)), /Transaction already completed/);
  } finally {
    await t.r.close();
  }
});

test('service timeout: FAILED, origin Actions, running untouched', async () => {
  const r = await rig({ serviceTimeout: 50 });
  try {
    const silent = await r.connect();
    await silent.rpc(SUB('services-commit'));
    const watch = await r.connect();
    await watch.rpc(SUB('controller-transaction'));
    const cli = await r.connect();
    await cli.rpc(editSvc(svc('t1', ['x'])));
    await cli.rpc(ccommit('CHANGE', 'COMMIT'));
    assert.match(await silent.notification(), /<services-commit/);
    const n = parseXml(await watch.notification()).children[0]!.child('controller-transaction')!;
    assert.deepEqual([n.childText('result'), n.childText('origin'), n.childText('reason')], ['FAILED', 'Actions', 'Timeout waiting for service daemon']);
    assert.equal(child(await running(cli), 'services'), undefined);
  } finally {
    await r.close();
  }
});

test('without a subscriber the commit goes through without services; plain commit runs none', async () => {
  const r = await rig();
  try {
    const watch = await r.connect();
    await watch.rpc(SUB('controller-transaction'));
    const cli = await r.connect();
    await cli.rpc(editSvc(svc('s1', ['a'])));
    await cli.rpc(ccommit('CHANGE', 'COMMIT', undefined, 'alice'));
    const n = parseXml(await watch.notification()).children[0]!.child('controller-transaction')!;
    assert.deepEqual([n.childText('username'), n.childText('result'), n.childText('reason')], ['alice', 'SUCCESS', 'No device  configuration changed, no push necessary']);
    assert.ok(child(await running(cli), 'services', 'testsvc'));

    const server = await r.connect();
    await server.rpc(SUB('services-commit'));
    await cli.rpc(editSvc(svc('s2', ['b'])));
    assert.match(await cli.rpc(rpc('<commit/>')), /<ok\/>/);
    assert.match(await server.rpc(rpc('<discard-changes/>')), /<ok\/>/);
    assert.equal(server.notifications.length + server.pending(), 0, 'no services-commit for a plain commit');
    assert.deepEqual(paramsOf(await running(cli), 'dev1'), []);
  } finally {
    await r.close();
  }
});

test('a second services-commit subscriber is refused until the first leaves', async () => {
  const r = await rig();
  try {
    const a = await r.connect();
    const b = await r.connect();
    assert.match(await a.rpc(SUB('services-commit')), /<ok\/>/);
    assert.match(await b.rpc(SUB('services-commit')), /services-commit client already registered/);
    a.close();
    await a.waitClosed();
    // The controller notices the first one gone when it reads the close: until then it still refuses.
    let ok = await b.rpc(SUB('services-commit'));
    const end = Date.now() + DEADLINE_MS;
    while (!ok.includes('<ok/>') && Date.now() < end) {
      await new Promise((res) => setTimeout(res, 10));
      ok = await b.rpc(SUB('services-commit'));
    }
    assert.match(ok, /<ok\/>/);
  } finally {
    await r.close();
  }
});

test('connection-change and config-pull', async () => {
  const r = await rig();
  try {
    const c = await r.connect();
    await c.rpc(SUB('controller-transaction'));
    assert.match(await c.rpc(rpc(`<connection-change xmlns="${CTRL}"><operation>CLOSE</operation><device>dev2</device></connection-change>`)), /<tid xmlns/);
    assert.match(await c.notification(), /<result>SUCCESS<\/result>/);
    const st = await c.rpc(rpc(`<get><filter type="xpath" select="/co:devices/co:device/co:conn-state" xmlns:co="${CTRL}"/></get>`));
    assert.match(st, /<name>dev1<\/name><conn-state>OPEN<\/conn-state>.*<name>dev2<\/name><conn-state>CLOSED<\/conn-state>/);
    // a local edit is undone by a pull (the device still has its old config)
    await c.rpc(rpc(`<edit-config><target><candidate/></target><config><devices xmlns="${CTRL}"><device><name>dev1</name><config><table xmlns="urn:example:clixon"><parameter><name>p</name></parameter></table></config></device></devices></config></edit-config>`));
    await c.rpc(rpc('<commit/>'));
    assert.match(await c.rpc(rpc(`<datastore-diff xmlns="${CTRL}"><device>dev1</device><config-type1>SYNCED</config-type1><config-type2>RUNNING</config-type2></datastore-diff>`)), /dev1:\n\+ {3}&lt;table/);
    await c.rpc(rpc(`<config-pull xmlns="${CTRL}"><device>dev1</device></config-pull>`));
    assert.match(await c.notification(), /SUCCESS/);
    assert.deepEqual(paramsOf(await running(c), 'dev1'), []);
  } finally {
    await r.close();
  }
});

test('removeCreatedBy on an XmlNode tree', () => {
  const root = parseString(`<services xmlns="${CTRL}"><testsvc xmlns="${TS}"><name>s1</name><created><path>/devices/device[name="d"]/config/t/p[name="a"]</path><path>/devices/device[name="d"]/config/t/p[name="b"]</path></created></testsvc><testsvc xmlns="${TS}"><name>s2</name><created><path>/devices/device[name="d"]/config/t/p[name="b"]</path></created></testsvc></services><devices xmlns="${CTRL}"><device><name>d</name><config><t><p><name>a</name></p><p><name>b</name></p><p><name>c</name></p></t></config></device></devices>`);
  removeCreatedBy(root, ["testsvc[name='s1']"]);
  const xml = root.dumps();
  assert.doesNotMatch(xml, /<name>a<\/name>/);
  assert.doesNotMatch(xml, /<p><name>b<\/name><\/p>/, 'b goes with s1, though s2 created it too');
  assert.match(xml, /<p><name>c<\/name><\/p>/);
  assert.match(xml, /<name>s1<\/name><\/testsvc>/, "s1's created is gone");
  assert.match(xml, /<name>s2<\/name><created>/);
});

test('persistence: running survives a restart', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'sim-persist-'));
  try {
    const path = join(dir, 's.sock');
    const sim = await startSimulator({ path, config: RIG_CONFIG, persistDir: join(dir, 'db') });
    const { RawClient } = await import('./helpers.ts');
    const c = await RawClient.connect(path);
    await c.rpc(rpc(`<edit-config><target><candidate/></target><config><devices xmlns="${CTRL}"><device><name>dev1</name><description>kept</description></device></devices></config></edit-config>`));
    await c.rpc(rpc('<commit/>'));
    c.close();
    await sim.close();
    const again = await startSimulator({ path, persistDir: join(dir, 'db') });
    assert.match(again.datastore('running').dumps(), /<description>kept<\/description>/);
    await again.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('CLI commands: set, commit diff, commit, show, delete', async () => {
  const { CommandClient, setService, commitDiff, commit, showDevices, showTransactions, deleteService, compare } = await import('../../src/sim/commands.ts');
  const t = await setup();
  try {
    const c = await CommandClient.connect({ path: t.r.sim.path!, user: 'carol' });
    try {
      assert.equal(await setService(c, svc('d1', ['k1', 'k2'])), 'OK');
      // services exists before its first instance (the real controller's diff, test/fixtures/controller)
      assert.match(await compare(c), /^ {3}clixon-controller:services \{\n\+ {5}testsvc:testsvc d1 \{\n\+ {8}params \[\n\+ {11}k1\n\+ {11}k2\n/);
      const served = serveOnce(t.server);
      const diff = await commitDiff(c);
      await served;
      assert.equal(diff, readFileSync(join(WIRE, 'cli-commit-diff-add.txt'), 'utf8').replace(/\n$/, ''));
      const served2 = serveOnce(t.server);
      assert.equal(await commit(c), 'OK');
      await served2;
      assert.match(await showDevices(c), /^dev1:\n {3}<table xmlns="urn:example:clixon">\n {6}<parameter>\n {9}<name>k1<\/name>/);
      const tx = (await showTransactions(c)).split('\n');
      assert.match(tx[0]!, /^TID +STATE +RESULT +USER +DESCRIPTION/);
      assert.match(tx[2]!, /^2 +DONE +SUCCESS +carol +Controller commit actions:CHANGE push:COMMIT$/);
      assert.equal(await deleteService(c, "testsvc[name='d1']", TS), 'OK');
      const served3 = serveOnce(t.server);
      assert.equal(await commit(c), 'OK');
      await served3;
      assert.equal(await showDevices(c), 'dev1:\ndev2:');
    } finally {
      c.close();
    }
  } finally {
    await t.r.close();
  }
});

test('demo seed: a mixed network of three devices and one ssh-users instance, service known from modules/', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'sim-demo-'));
  try {
    const sim = await startSimulator({
      path: join(dir, 's.sock'),
      config: readFileSync(join(import.meta.dirname, '../../src/sim/demo/config.xml'), 'utf8'),
      yangDirs: [join(import.meta.dirname, '../../modules')],
    });
    const running = sim.datastore('running');
    assert.deepEqual(running.findAll('devices/device').map((d) => d.child('name')?.getData()), ['dev1', 'dev2', 'oc1']);
    assert.equal(running.findAll('services/ssh-users').length, 1);
    await assert.rejects(startSimulator({ path: join(dir, 's.sock') }), /in use/);
    await sim.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a push to a closed device with changes fails at once, naming the device', async () => {
  const r = await rig();
  try {
    const c = await r.connect();
    await c.rpc(SUB('controller-transaction'));
    await c.rpc(rpc(`<connection-change xmlns="${CTRL}"><operation>CLOSE</operation><device>dev2</device></connection-change>`));
    assert.match(await c.notification(), /SUCCESS/);
    await c.rpc(rpc(`<edit-config><target><candidate/></target><config><devices xmlns="${CTRL}"><device><name>dev2</name><config><table xmlns="urn:example:clixon"><parameter><name>p</name></parameter></table></config></device></devices></config></edit-config>`));
    const reply = await c.rpc(ccommit('CHANGE', 'COMMIT'));
    assert.match(reply, /<error-message>Device is closed: 'dev2' \(try 'connection open' or edit, local commit, and connect\)<\/error-message>/);
    const n = parseXml(await c.notification()).children[0]!.child('controller-transaction')!;
    assert.deepEqual([n.childText('result'), n.childText('origin')], ['FAILED', 'dev2']);
  } finally {
    await r.close();
  }
});

test('devices: one added by commit starts closed until connected; a disabled one closes', async () => {
  const { CommandClient, connection } = await import('../../src/sim/commands.ts');
  const r = await rig();
  try {
    const c = await r.connect();
    const state = async (): Promise<string> =>
      [...(await c.rpc(rpc(`<get><filter type="xpath" select="/co:devices/co:device/co:conn-state" xmlns:co="${CTRL}"/></get>`))).matchAll(/<name>(\w+)<\/name><conn-state>(\w+)</g)]
        .map((m) => `${m[1]}=${m[2]}`)
        .join(' ');
    await c.rpc(rpc(`<edit-config><target><candidate/></target><config><devices xmlns="${CTRL}"><device><name>dev3</name><enabled>true</enabled><config/></device><device><name>dev2</name><enabled>false</enabled></device></devices></config></edit-config>`));
    await c.rpc(rpc('<commit/>'));
    assert.equal(await state(), 'dev1=OPEN dev2=CLOSED dev3=CLOSED');
    const cc = await CommandClient.connect({ path: r.sim.path! });
    assert.equal(await connection(cc, 'open', 'dev3'), 'OK');
    cc.close();
    assert.equal(await state(), 'dev1=OPEN dev2=CLOSED dev3=OPEN');
  } finally {
    await r.close();
  }
});
