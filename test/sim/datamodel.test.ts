/**
 * The simulator's data model comes from src/yang's compiled schemas: list keys, leaf-lists,
 * ordered-by user and service lists as the YANG says (quoted names and keys, groupings,
 * augments), names the models disagree on kept apart, and the editing through the socket
 * that follows from them.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Schema } from '../../src/sim/datamodel.ts';
import { parseXml } from '../../src/sim/tree.ts';
import { rig, rpc, CTRL, WIRE } from './helpers.ts';

const OPENCONFIG = join(import.meta.dirname, '../fixtures/yang/openconfig');
const NC = 'xmlns:nc="urn:ietf:params:xml:ns:netconf:base:1.0"';

function yangDir(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'sim-model-'));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

const SVC = `module "svc" {
  namespace "urn:example:svc"; prefix "s";
  import "clixon-controller" { prefix "ctrl"; }
  grouping "entries" {
    list "entry" { key "k1 k2"; ordered-by "user"; leaf "k1" { type "string"; } leaf "k2" { type "string"; } }
  }
  augment "/ctrl:services" {
    list "svc" { key "id"; leaf "id" { type "string"; } leaf-list "tag" { type "string"; } uses "entries"; }
  }
}`;

test('keys, leaf-lists, ordered-by user and service lists come from the compiled YANG (quoted, through groupings and augments)', (t) => {
  const dir = yangDir({ 'svc.yang': SVC });
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const m = Schema.fromDirs([dir]);
  assert.deepEqual(m.keysOf('entry', () => false), ['k1', 'k2']);
  assert.ok(m.orderedByUser.has('entry'));
  assert.ok(m.leafLists.has('tag'));
  assert.deepEqual(m.services.get('svc'), { name: 'svc', key: 'id', ns: 'urn:example:svc' });
  assert.equal(m.moduleByNs.get('urn:example:svc'), 'svc');
  // Service lists and the controller's go to the process-wide key registry; the builtin controller model has device.
  assert.deepEqual(m.registryKeys.get('svc'), ['id']);
  assert.deepEqual(m.registryKeys.get('entry'), ['k1', 'k2']);
  assert.deepEqual(m.registryKeys.get('device'), ['name']);
});

test('names the models disagree on: the key set the entry has, no leaf-list where a leaf has the name, device lists kept out of the registry', (t) => {
  const dir = yangDir({
    'a.yang': 'module a { namespace "urn:a"; prefix a; container x { list item { key id; leaf id { type string; } } leaf-list mixed { type string; } leaf-list only { type string; } } }',
    'b.yang': 'module b { namespace "urn:b"; prefix b; container y { list item { key "name"; leaf name { type string; } } leaf mixed { type string; } } }',
  });
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const m = Schema.fromDirs([dir]);
  assert.deepEqual(m.keysOf('item', (k) => k === 'name'), ['name']);
  assert.deepEqual(m.keysOf('item', (k) => k === 'id'), ['id']);
  assert.ok(!m.leafLists.has('mixed'));
  assert.ok(m.leafLists.has('only'));
  assert.equal(m.registryKeys.get('item'), undefined);
});

test('a name that is a list in one model and a container in another: a container unless the entry holds the keys (clixon-example table, OpenConfig table)', () => {
  const m = Schema.fromDirs([OPENCONFIG, join(import.meta.dirname, '../fixtures/yang/clixon-example'), join(import.meta.dirname, '../fixtures/yang/clixon')]);
  assert.deepEqual(m.keysOf('table', (k) => k === 'parameter'), []);
  assert.deepEqual(m.keysOf('table', (k) => k === 'protocol' || k === 'address-family'), ['protocol', 'address-family']);
  assert.equal(m.isList('table'), false);
  assert.equal(m.isList('parameter'), true);
});

test('OpenConfig: keys read from the real models (user by username, interface by name)', () => {
  const m = Schema.fromDirs([OPENCONFIG]);
  assert.deepEqual(m.keysOf('user', (k) => k === 'username'), ['username']);
  assert.deepEqual(m.keysOf('interface', (k) => k === 'name'), ['name']);
  assert.equal(m.moduleByNs.get('http://openconfig.net/yang/system'), 'openconfig-system');
});

test('through the socket: two OpenConfig users stay two entries (keyed by username, which the YANG says)', async () => {
  const r = await rig({ yangDirs: [WIRE, OPENCONFIG] });
  try {
    const c = await r.connect();
    const user = (u: string, role: string): string => `<user><username>${u}</username><config><username>${u}</username><role>${role}</role></config></user>`;
    const edit = (users: string): string =>
      rpc(`<edit-config><target><candidate/></target><config><devices xmlns="${CTRL}" ${NC}><device><name>dev1</name><config><system xmlns="http://openconfig.net/yang/system"><aaa><authentication><users>${users}</users></authentication></aaa></system></config></device></devices></config></edit-config>`);
    assert.match(await c.rpc(edit(user('bob', 'admin'))), /<ok\/>/);
    assert.match(await c.rpc(edit(user('alice', 'operator'))), /<ok\/>/);
    const reply = await c.rpc(rpc(`<get-config><source><candidate/></source><filter type="xpath" select="/ctrl:devices/ctrl:device[ctrl:name='dev1']/ctrl:config" xmlns:ctrl="${CTRL}"/></get-config>`));
    const users = parseXml(reply).children[0]!.child('data')!.child('devices')!.child('device')!.child('config')!.child('system')!.child('aaa')!.child('authentication')!.child('users')!;
    // Sorted by key as the controller keeps a list ordered-by system.
    assert.deepEqual(users.childrenNamed('user').map((u) => u.childText('username')), ['alice', 'bob']);
  } finally {
    await r.close();
  }
});
