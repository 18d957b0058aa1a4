/**
 * The simulator's tree: its cached serialization follows every kind of change (leaf
 * text, children, attributes, renames, copies, an edit's rollback).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseXml, SNode } from '../../src/sim/tree.ts';

test('serialization after changes below a serialized element', () => {
  const doc = parseXml('<a><b><c>1</c><d/></b><e>2</e></a>');
  assert.equal(doc.toXml(), '<a><b><c>1</c><d/></b><e>2</e></a>');
  const b = doc.child('a')!.child('b')!;
  b.child('c')!.text = '9';
  assert.equal(doc.toXml(), '<a><b><c>9</c><d/></b><e>2</e></a>');
  b.child('d')!.append(new SNode('x', {}, 'y'));
  assert.equal(doc.toXml(), '<a><b><c>9</c><d><x>y</x></d></b><e>2</e></a>');
  b.child('d')!.setAttr('k', 'v');
  assert.equal(doc.toXml(), '<a><b><c>9</c><d k="v"><x>y</x></d></b><e>2</e></a>');
  b.remove(b.child('c')!);
  assert.equal(doc.toXml(), '<a><b><d k="v"><x>y</x></d></b><e>2</e></a>');
  b.child('d')!.name = 'z';
  assert.equal(doc.toXml(), '<a><b><z k="v"><x>y</x></z></b><e>2</e></a>');
  b.child('z')!.attrs = new Map();
  b.children = [...b.children, new SNode('w')];
  assert.equal(doc.toXml(), '<a><b><z><x>y</x></z><w/></b><e>2</e></a>');
});

test('a copy keeps the serialization and changes apart from the original', () => {
  const a = parseXml('<a><b><c>1</c></b></a>');
  assert.equal(a.toXml(), '<a><b><c>1</c></b></a>');
  const copy = a.clone();
  copy.child('a')!.child('b')!.child('c')!.text = '2';
  copy.child('a')!.name = 'r';
  assert.equal(copy.toXml(), '<r><b><c>2</c></b></r>');
  assert.equal(a.toXml(), '<a><b><c>1</c></b></a>');
  const leaf = a.child('a')!.child('b')!.child('c')!;
  leaf.insertAt(0, new SNode('n'));
  assert.equal(a.toXml(), '<a><b><c><n/></c></b></a>');
});
