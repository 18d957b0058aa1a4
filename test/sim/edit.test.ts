/**
 * Datastore editing without a socket: applyEdit's pruning of emptied containers within
 * one edit, its rollback on error, removeCreatedBy's pruning (as stripCreated does), and
 * the device diff's use of YANG leaf-lists.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { applyEdit, SimRpcError, stripCreated } from '../../src/sim/edit.ts';
import { Schema } from '../../src/sim/datamodel.ts';
import { parseXml, type SNode } from '../../src/sim/tree.ts';
import { removeCreatedBy } from '../../src/sim/index.ts';
import { parseString } from '../../src/xml/index.ts';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { rig, rpc, WIRE } from './helpers.ts';

const CTRL = 'http://clicon.org/controller';
const EX = 'urn:example:clixon';
const NC = 'xmlns:nc="urn:ietf:params:xml:ns:netconf:base:1.0"';

function store(config: string): SNode {
  return parseXml(`<devices xmlns="${CTRL}"><device><name>d</name><config>${config}</config></device></devices>`);
}
function edit(config: string): SNode {
  return parseXml(`<config><devices xmlns="${CTRL}" ${NC}><device><name>d</name><config>${config}</config></device></devices></config>`).children[0]!;
}
const param = (name: string, op = ''): string => `<parameter${op ? ` nc:operation="${op}"` : ''}><name>${name}</name></parameter>`;
const deviceConfig = (doc: SNode): string => doc.child('devices')!.child('device')!.child('config')!.toXml();

test('applyEdit: a container emptied by a removal takes a later same-named sibling of the same edit', () => {
  const doc = store(`<table xmlns="${EX}">${param('a')}</table>`);
  const out = applyEdit(doc, edit(`<table xmlns="${EX}">${param('a', 'remove')}</table><table xmlns="${EX}">${param('b')}</table>`), 'merge', new Schema());
  assert.equal(deviceConfig(out), `<config><table xmlns="${EX}">${param('b')}</table></config>`);
});

test('applyEdit: a container emptied and refilled within one element stays', () => {
  const doc = store(`<table xmlns="${EX}">${param('a')}</table>`);
  const out = applyEdit(doc, edit(`<table xmlns="${EX}">${param('a', 'delete')}${param('b')}</table>`), 'merge', new Schema());
  assert.equal(deviceConfig(out), `<config><table xmlns="${EX}">${param('b')}</table></config>`);
});

test('applyEdit: a container emptied by the edit is pruned, the device config stays', () => {
  const doc = store(`<table xmlns="${EX}">${param('a')}</table>`);
  const out = applyEdit(doc, edit(`<table xmlns="${EX}">${param('a', 'remove')}</table>`), 'merge', new Schema());
  assert.equal(deviceConfig(out), '<config/>');
});

test('applyEdit: an edit failing partway leaves the datastore as it was', () => {
  const before = `<table xmlns="${EX}">${param('a')}${param('c')}</table><x xmlns="${EX}">1</x>`;
  const doc = store(before);
  const xml = doc.toXml();
  assert.throws(
    () => applyEdit(doc, edit(`<x xmlns="${EX}">2</x><table xmlns="${EX}">${param('a', 'delete')}${param('b')}${param('c', 'create')}</table>`), 'merge', new Schema()),
    (e: unknown) => e instanceof SimRpcError && e.errorTag === 'data-exists',
  );
  assert.equal(doc.toXml(), xml);
  const table = doc.child('devices')!.child('device')!.child('config')!.child('table')!;
  assert.ok(table.children.every((c) => c.parent === table), 'parent links restored');
  // The datastore is still usable after the rollback.
  applyEdit(doc, edit(`<table xmlns="${EX}">${param('b')}</table>`), 'merge', new Schema());
  assert.match(deviceConfig(doc), /<name>a<\/name><\/parameter><parameter><name>b<\/name><\/parameter><parameter><name>c</);
});

const CREATED = (paths: string[]): string => `<created>${paths.map((p) => `<path>${p}</path>`).join('')}</created>`;
const CONTACT = '/devices/device[name="d"]/config/system/contact';

test('removeCreatedBy prunes the containers the removal empties, as stripCreated does', () => {
  const text =
    `<services xmlns="${CTRL}"><testsvc xmlns="urn:example:testsvc"><name>s1</name>${CREATED([CONTACT, '/devices/device[name="d"]/config/table/parameter[name="a"]'])}</testsvc></services>` +
    `<devices xmlns="${CTRL}"><device><name>d</name><config><system xmlns="urn:example:sys"><contact>x</contact></system>` +
    `<table xmlns="${EX}">${param('a')}${param('b')}</table></config></device></devices>`;
  const root = parseString(text);
  removeCreatedBy(root, ["testsvc[name='s1']"]);
  const expected = `<table xmlns="${EX}">${param('b')}</table>`;
  assert.match(root.dumps(), new RegExp(`<device><name>d</name><config>${expected.replace(/[[\]()]/g, '\\$&')}</config></device>`));
  const doc = parseXml(text);
  stripCreated(doc, parseXml(text), ["testsvc[name='s1']"], new Schema());
  assert.equal(deviceConfig(doc), `<config>${expected}</config>`);
});

test('removeCreatedBy keeps the device config and list entries even when emptied', () => {
  const root = parseString(
    `<services xmlns="${CTRL}"><testsvc xmlns="urn:example:testsvc"><name>s1</name>${CREATED([CONTACT])}</testsvc></services>` +
      `<devices xmlns="${CTRL}"><device><name>d</name><config><system xmlns="urn:example:sys"><contact>x</contact></system></config></device></devices>`,
  );
  removeCreatedBy(root, ["testsvc[name='s1']"]);
  assert.match(root.dumps(), /<device><name>d<\/name><config\/><\/device>/);
});

test('datastore-diff: a leaf-list named by YANG is diffed as entries, even with one entry a side', async () => {
  const yang = mkdtempSync(join(tmpdir(), 'sim-yang-'));
  writeFileSync(join(yang, 'srv.yang'), 'module srv { namespace "urn:example:srv"; prefix s; container servers { leaf-list server { type string; } } }');
  const r = await rig({ yangDirs: [WIRE, yang] });
  try {
    const c = await r.connect();
    const set = (v: string): string =>
      rpc(`<edit-config><target><candidate/></target><config><devices xmlns="${CTRL}"><device><name>dev1</name><config><servers xmlns="urn:example:srv" ${NC}><server nc:operation="replace">${v}</server></servers></config></device></devices></config></edit-config>`);
    assert.match(await c.rpc(set('a')), /<ok\/>/);
    assert.match(await c.rpc(rpc('<commit/>')), /<ok\/>/);
    assert.match(await c.rpc(rpc(`<edit-config><target><candidate/></target><config><devices xmlns="${CTRL}" ${NC}><device><name>dev1</name><config><servers xmlns="urn:example:srv"><server nc:operation="delete">a</server><server>b</server></servers></config></device></devices></config></edit-config>`)), /<ok\/>/);
    const reply = await c.rpc(rpc(`<datastore-diff xmlns="${CTRL}"><device>dev1</device><config-type1>RUNNING</config-type1><config-type2>CANDIDATE</config-type2></datastore-diff>`));
    const text = parseXml(reply).children[0]!.child('diff')!.text!;
    assert.equal(text, 'dev1:\n   <servers xmlns="urn:example:srv">\n-      <server>a</server>\n+      <server>b</server>\n   </servers>\n');
  } finally {
    await r.close();
    rmSync(yang, { recursive: true, force: true });
  }
});
