/**
 * The simulator's protocol behaviour over a real socket: framing, hello, pipelining,
 * malformed input, isolation between sessions, and each datastore RPC and its errors.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rig, rpc, BASE, CTRL, RawClient } from './helpers.ts';
import { parseXml } from '../../src/sim/tree.ts';
import { encodeFrame } from '../../src/netconf/index.ts';

const edit = (config: string, target = 'candidate', extra = ''): string =>
  rpc(`<edit-config><target><${target}/></target>${extra}<config>${config}</config></edit-config>`);
const getConfig = (select: string, source = 'running', ns = `xmlns:co="${CTRL}"`): string =>
  rpc(`<get-config><source><${source}/></source><filter type="xpath" select="${select}" ${ns}/></get-config>`);
const dev = (name: string, body = ''): string => `<devices xmlns="${CTRL}"><device><name>${name}</name>${body}</device></devices>`;
const table = (params: [string, string][]): string =>
  `<table xmlns="urn:example:clixon">${params.map(([n, v]) => `<parameter><name>${n}</name><value>${v}</value></parameter>`).join('')}</table>`;

test('hello: answered with session-id only when the client sends one', async () => {
  const r = await rig();
  try {
    const c = await r.connect();
    c.send(`<hello xmlns="${BASE}" cl:username="bob" cl:transport="ctrl:services" xmlns:cl="http://clicon.org/lib"><capabilities><capability>urn:ietf:params:netconf:base:1.0</capability></capabilities></hello>`);
    const hello = await c.next();
    assert.match(hello, new RegExp(`^<hello xmlns="${BASE}"><session-id>\\d+</session-id></hello>$`));
    const plain = await r.connect();
    assert.match(await plain.rpc(rpc('<get-config><source><running/></source></get-config>')), /^<rpc-reply xmlns="[^"]+"><data>/);
  } finally {
    await r.close();
  }
});

test('framing: a request split over chunks and writes is served', async () => {
  const r = await rig();
  try {
    const c = await r.connect();
    const body = Buffer.from(rpc('<get-config><source><running/></source></get-config>'));
    const a = body.subarray(0, 20);
    const b = body.subarray(20);
    c.sendRaw(Buffer.concat([Buffer.from(`\n#${a.length}\n`), a]));
    await new Promise((res) => setTimeout(res, 20));
    c.sendRaw(Buffer.concat([Buffer.from(`\n#${b.length}\n`), b, Buffer.from('\n##\n')]));
    assert.match(await c.next(), /<data>/);
  } finally {
    await r.close();
  }
});

test('pipelining: two requests in one write get one malformed-message error, the second is lost', async () => {
  const r = await rig();
  try {
    const c = await r.connect();
    const one = encodeFrame(rpc('<get-config><source><running/></source></get-config>'), 'chunked');
    c.sendRaw(Buffer.concat([one, one]));
    const got = await c.next();
    assert.match(got, /<error-tag>malformed-message<\/error-tag>.*More than one message in netconf rpc frame/);
    // the session stays usable, and nothing else was answered
    assert.match(await c.rpc(rpc('<discard-changes/>')), /<ok\/>/);
    assert.equal(c.pending(), 0);
    // two rpcs inside one frame: the same error
    c.send(rpc('<discard-changes/>') + rpc('<discard-changes/>'));
    assert.match(await c.next(), /More than one message in netconf rpc frame/);
  } finally {
    await r.close();
  }
});

test('broken framing closes only that session; others keep being served', async () => {
  const r = await rig();
  try {
    const good = await r.connect();
    for (const bad of ['\n#12x\n<rpc/>\n##\n', '\n#0\n\n##\n', '<rpc/>]]>]]>']) {
      const c = await r.connect();
      c.sendRaw(bad);
      await c.waitClosed();
      assert.equal(c.pending(), 0);
      assert.match(await good.rpc(rpc('<discard-changes/>')), /<ok\/>/);
    }
  } finally {
    await r.close();
  }
});

test('an oversize message closes the session', async () => {
  const r = await rig({ maxMessageBytes: 1000 });
  try {
    const c = await r.connect();
    c.send(rpc(`<edit-config><target><candidate/></target><config>${'x'.repeat(2000)}</config></edit-config>`));
    await c.waitClosed();
    const d = await r.connect();
    assert.match(await d.rpc(rpc('<discard-changes/>')), /<ok\/>/);
  } finally {
    await r.close();
  }
});

test('malformed XML: rpc-error, session goes on', async () => {
  const r = await rig();
  try {
    const c = await r.connect();
    assert.match(await c.rpc('<rpc xmlns="x"><a></b></rpc>'), /<error-type>rpc<\/error-type><error-tag>malformed-message<\/error-tag><error-severity>error<\/error-severity><error-message>XML parse error/);
    assert.match(await c.rpc(rpc('<discard-changes/>')), /<ok\/>/);
  } finally {
    await r.close();
  }
});

test('unknown RPC echoes message-id; a known but unimplemented one is operation-not-supported', async () => {
  const r = await rig();
  try {
    const c = await r.connect();
    const u = await c.rpc(rpc('<frobnicate xmlns="urn:x"/>'));
    assert.match(u, /^<rpc-reply xmlns="[^"]+" message-id="42"><rpc-error><error-type>application<\/error-type><error-tag>unknown-element<\/error-tag><error-info><bad-element>frobnicate<\/bad-element><\/error-info>/);
    assert.match(u, /Unrecognized RPC \(wrong namespace\?\)/);
    const n = await c.rpc(rpc('<copy-config><target><running/></target><source><candidate/></source></copy-config>'));
    assert.match(n, /<error-tag>operation-not-supported<\/error-tag>/);
    assert.doesNotMatch(n, /message-id/);
  } finally {
    await r.close();
  }
});

test('get-config: xpath filters with prefixes, predicates, unions and depth', async () => {
  const r = await rig();
  try {
    const c = await r.connect();
    assert.match(await c.rpc(edit(dev('dev1', `<config>${table([['a', '1'], ['b', '2']])}</config>`))), /<ok\/>/);
    assert.match(await c.rpc(rpc('<commit/>')), /<ok\/>/);
    const one = await c.rpc(getConfig("/co:devices/co:device[co:name='dev1']/co:config/ex:table/ex:parameter[ex:name='b']", 'running', `xmlns:co="${CTRL}" xmlns:ex="urn:example:clixon"`));
    assert.equal(
      one,
      `<rpc-reply xmlns="${BASE}"><data><devices xmlns="${CTRL}"><device><name>dev1</name><config><table xmlns="urn:example:clixon"><parameter><name>b</name><value>2</value></parameter></table></config></device></devices></data></rpc-reply>`,
    );
    const union = parseXml(await c.rpc(getConfig('/co:devices/co:device/co:name | /co:devices/co:device/co:port'))).children[0]!;
    const devs = union.child('data')!.child('devices')!.childrenNamed('device');
    assert.deepEqual(devs.map((d) => d.children.map((x) => x.localName)), [['name', 'port'], ['name', 'port']]);
    const none = await c.rpc(getConfig("/co:devices/co:device[co:name='nosuch']"));
    assert.equal(none, `<rpc-reply xmlns="${BASE}"><data/></rpc-reply>`);
    const shallow = parseXml(await c.rpc(rpc('<get-config depth="2"><source><running/></source></get-config>'))).children[0]!;
    assert.deepEqual(shallow.child('data')!.child('devices')!.childrenNamed('device').map((d) => d.children.length), [0, 0]);
    const three = await c.rpc(rpc('<get-config depth="3"><source><running/></source></get-config>'));
    assert.match(three, /<device><name\/><enabled\/>/, 'the last level is printed empty');
    const unknown = await c.rpc(rpc('<get-config><source><nosuchds/></source></get-config>'));
    assert.match(unknown, /message-id="42".*<bad-element>nosuchds<\/bad-element>.*with parent: source in namespace/);
  } finally {
    await r.close();
  }
});

test('edit-config operations: merge, replace, create, delete, remove, default-operation', async () => {
  const r = await rig();
  const NC = 'xmlns:nc="urn:ietf:params:xml:ns:netconf:base:1.0"';
  const params = async (c: RawClient): Promise<string[]> => {
    const x = parseXml(await c.rpc(getConfig("/co:devices/co:device[co:name='dev1']/co:config", 'candidate'))).children[0]!;
    const t = x.child('data')?.child('devices')?.child('device')?.child('config')?.child('table');
    return t ? t.childrenNamed('parameter').map((p) => `${p.childText('name')}=${p.childText('value') ?? ''}`) : [];
  };
  try {
    const c = await r.connect();
    await c.rpc(edit(dev('dev1', `<config>${table([['b', '1'], ['a', '1']])}</config>`)));
    assert.deepEqual(await params(c), ['a=1', 'b=1'], 'list entries kept sorted by key');
    await c.rpc(edit(dev('dev1', `<config>${table([['a', '2']])}</config>`)));
    assert.deepEqual(await params(c), ['a=2', 'b=1'], 'merge changes a leaf');
    assert.match(await c.rpc(edit(dev('dev1', `<config><table xmlns="urn:example:clixon" ${NC}><parameter nc:operation="create"><name>a</name></parameter></table></config>`))), /data-exists/);
    await c.rpc(edit(dev('dev1', `<config><table xmlns="urn:example:clixon" ${NC}><parameter nc:operation="create"><name>c</name><value>3</value></parameter></table></config>`)));
    assert.deepEqual(await params(c), ['a=2', 'b=1', 'c=3']);
    await c.rpc(edit(dev('dev1', `<config><table xmlns="urn:example:clixon" ${NC}><parameter nc:operation="replace"><name>b</name></parameter></table></config>`)));
    assert.deepEqual(await params(c), ['a=2', 'b=', 'c=3'], 'replace drops the old content');
    await c.rpc(edit(dev('dev1', `<config><table xmlns="urn:example:clixon" ${NC}><parameter nc:operation="delete"><name>b</name></parameter></table></config>`)));
    assert.match(await c.rpc(edit(dev('dev1', `<config><table xmlns="urn:example:clixon" ${NC}><parameter nc:operation="delete"><name>b</name></parameter></table></config>`))), /<error-tag>data-missing<\/error-tag>/);
    assert.match(await c.rpc(edit(dev('dev1', `<config><table xmlns="urn:example:clixon" ${NC}><parameter nc:operation="remove"><name>b</name></parameter></table></config>`))), /<ok\/>/);
    assert.deepEqual(await params(c), ['a=2', 'c=3']);
    await c.rpc(edit(dev('dev1', `<config><table xmlns="urn:example:clixon" ${NC}><parameter><name>a</name><value>9</value></parameter><parameter nc:operation="delete"><name>c</name></parameter></table></config>`), 'candidate', '<default-operation>none</default-operation>'));
    assert.deepEqual(await params(c), ['a=2'], 'default-operation none leaves plain nodes alone');
    await c.rpc(edit(`${dev('dev2')}`, 'candidate', '<default-operation>replace</default-operation>'));
    const all = await c.rpc(rpc('<get-config><source><candidate/></source></get-config>'));
    assert.equal(all, `<rpc-reply xmlns="${BASE}"><data><devices xmlns="${CTRL}"><device><name>dev2</name></device></devices></data></rpc-reply>`);
    assert.match(await c.rpc(edit('<nosuch xmlns="urn:example:none"><x>1</x></nosuch>')), /Failed to find YANG spec of XML node: nosuch with parent: config in namespace: urn:example:none/);
  } finally {
    await r.close();
  }
});

test('commit, discard-changes, lock/unlock, close-session', async () => {
  const r = await rig();
  try {
    const a = await r.connect();
    const b = await r.connect();
    await a.rpc(edit(dev('dev1', '<description>changed</description>')));
    assert.doesNotMatch(await a.rpc(getConfig("/co:devices/co:device[co:name='dev1']/co:description")), /changed/);
    await a.rpc(rpc('<discard-changes/>'));
    assert.doesNotMatch(await a.rpc(getConfig("/co:devices/co:device[co:name='dev1']/co:description", 'candidate')), /changed/);
    await a.rpc(edit(dev('dev1', '<description>changed</description>')));
    assert.match(await a.rpc(rpc('<commit/>')), /<ok\/>/);
    assert.match(await a.rpc(getConfig("/co:devices/co:device[co:name='dev1']/co:description")), /changed/);
    assert.match(await a.rpc(rpc('<lock><target><candidate/></target></lock>')), /<ok\/>/);
    const denied = await b.rpc(edit(dev('dev1', '<description>b</description>')));
    assert.match(denied, /<error-tag>lock-denied<\/error-tag><error-info><session-id>\d+<\/session-id><db>candidate<\/db><\/error-info>/);
    assert.match(await b.rpc(rpc('<unlock><target><candidate/></target></unlock>')), /lock-denied/);
    assert.match(await a.rpc(rpc('<unlock><target><candidate/></target></unlock>')), /<ok\/>/);
    assert.match(await b.rpc(edit(dev('dev1', '<description>b</description>'))), /<ok\/>/);
    assert.match(await a.rpc(rpc('<lock><target><candidate/></target></lock>')), /<ok\/>/);
    assert.match(await a.rpc(rpc('<close-session/>')), /<ok\/>/);
    assert.equal(a.closed, false, 'close-session leaves the socket open');
    assert.match(await b.rpc(rpc('<lock><target><candidate/></target></lock>')), /<ok\/>/, 'close-session released the lock');
  } finally {
    await r.close();
  }
});

test('get: device state and content selection', async () => {
  const r = await rig();
  try {
    const c = await r.connect();
    const st = await c.rpc(rpc(`<get xmlns:cl="http://clicon.org/lib" cl:content="all"><filter type="xpath" select="co:devices/co:device/co:name | co:devices/co:device/co:conn-state" xmlns:co="${CTRL}"/></get>`));
    assert.match(st, new RegExp(`<devices xmlns="${CTRL}"><device><name>dev1</name><conn-state>OPEN</conn-state></device><device><name>dev2</name><conn-state>OPEN</conn-state></device></devices>`));
    const cfg = await c.rpc(rpc('<get xmlns:cl="http://clicon.org/lib" cl:content="config"/>'));
    assert.doesNotMatch(cfg, /conn-state|transactions/);
    const nonconfig = await c.rpc(rpc('<get xmlns:cl="http://clicon.org/lib" cl:content="nonconfig"/>'));
    assert.doesNotMatch(nonconfig, /<port>/);
    assert.match(nonconfig, /<conn-state>OPEN<\/conn-state>/);
  } finally {
    await r.close();
  }
});

test('leaf-lists: from YANG, or recognised by repetition when no YANG names them', async () => {
  const TSNS = 'urn:example:testsvc';
  const params = async (c: RawClient): Promise<string[]> => {
    const x = parseXml(await c.rpc(getConfig('/co:services', 'candidate'))).children[0]!;
    return x.child('data')?.child('services')?.child('testsvc')?.childrenNamed('params').map((p) => p.text ?? '') ?? [];
  };
  const merge = (ps: string[]): string => edit(`<services xmlns="${CTRL}"><testsvc xmlns="${TSNS}"><name>s</name>${ps.map((p) => `<params>${p}</params>`).join('')}</testsvc></services>`);
  const withYang = await rig();
  const without = await rig({ yangDirs: [] });
  try {
    const a = await withYang.connect();
    await a.rpc(merge(['p2']));
    await a.rpc(merge(['p1']));
    assert.deepEqual(await params(a), ['p1', 'p2'], 'YANG leaf-list: entries added, kept sorted');
    const b = await without.connect();
    await b.rpc(merge(['p1']));
    await b.rpc(merge(['p1', 'p2']));
    assert.deepEqual(await params(b), ['p1', 'p2'], 'repeated in the edit: no duplicate p1');
    await b.rpc(merge(['p3']));
    assert.deepEqual(await params(b), ['p1', 'p2', 'p3'], 'repeated in the datastore');
  } finally {
    await withYang.close();
    await without.close();
  }
});
