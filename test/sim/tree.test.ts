/**
 * The simulator's tree: parsing through the shared scanner with the simulator's stricter
 * rules (no mixed content, ASCII names), and its cached serialization following every
 * kind of change (leaf text, children, attributes, renames, copies, an edit's rollback).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseXml, SNode } from '../../src/sim/tree.ts';
import { XmlParseError } from '../../src/xml/index.ts';

test('parsing: attributes in order, leaf text exact or null, layout whitespace dropped', () => {
  const doc = parseXml('<?xml version="1.0"?>\n<a xmlns="urn:x" b=\'1\' c="&lt;2&gt;">\n  <l> t </l>\n  <e></e><s/><w>\n </w><d>&amp;<![CDATA[<x>]]></d>\n</a>\0');
  const a = doc.child('a')!;
  assert.equal(a.parent, doc);
  assert.deepEqual([...a.attrs], [['xmlns', 'urn:x'], ['b', '1'], ['c', '<2>']]);
  assert.equal(a.text, null);
  assert.deepEqual(a.children.map((c) => [c.name, c.text, c.parent === a]), [
    ['l', ' t ', true],
    ['e', null, true],
    ['s', null, true],
    ['w', '\n ', true],
    ['d', '&<x>', true],
  ]);
  assert.equal(a.child('s')!.attrs.size, 0);
  assert.equal(doc.toXml(), '<a xmlns="urn:x" b="1" c="&lt;2>"><l> t </l><e/><s/><w>\n </w><d>&amp;&lt;x&gt;</d></a>');
});

test('parsing refuses what the backend answers "XML parse error" to, with a position', () => {
  const cases: [string, RegExp, number, number][] = [
    ['<a>x<b/></a>', /mixed content/, 1, 5],
    ['<a><b/>x</a>', /mixed content/, 1, 8],
    ['<a><b/>x<c/></a>', /mixed content/, 1, 8],
    ['<a>\n<b/><![CDATA[x]]></a>', /mixed content/, 2, 5],
    ['<a>\u00a0<b/></a>', /mixed content/, 1, 5],
    ['<caf\u00e9/>', /bad tag name café/, 1, 2],
    ['<a:b/><:c/>', /bad tag name :c/, 1, 8],
    ['<a b$="1"/>', /bad attribute name b\$/, 1, 4],
    ['<rpc xmlns="x"><a></b></rpc>', /mismatched closing tag <\/b>, expected <\/a>/, 1, 19],
    ['<a>&#0;</a>', /unknown entity/, 1, 4],
    ['<a/>x', /text after the root element/, 1, 5],
    ['<!DOCTYPE a><a/>', /DOCTYPE/, 1, 1],
  ];
  for (const [xml, reason, line, column] of cases) {
    assert.throws(
      () => parseXml(xml),
      (err: unknown) =>
        err instanceof XmlParseError && reason.test(err.message) && err.line === line && err.column === column,
      xml,
    );
  }
  // layout whitespace and whitespace-only CDATA beside children are not content
  assert.equal(parseXml('<a> <b/> <![CDATA[ ]]> <c/>\n</a>').toXml(), '<a><b/><c/></a>');
  assert.equal(parseXml('<a:b.c-d_e/>').toXml(), '<a:b.c-d_e/>');
});

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
