/**
 * Parser: what is kept and dropped, entities, strict errors with positions, files, and a
 * byte-identical round trip of a large generated config.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseFile, parseString, XmlParseError } from '../../src/xml/index.ts';
import { generateConfig } from '../../scripts/bench-tree.ts';

test('top-level elements are the document root\'s children', () => {
  const root = parseString('<a/><b>1</b>');
  assert.ok(root.isDocument());
  assert.equal(root.getName(), '');
  assert.deepEqual(root.getChildren().map((c) => c.getName()), ['a', 'b']);
  assert.equal(root.dumps(), '<a/><b>1</b>');
  assert.equal(parseString('').getChildren().length, 0);
  assert.equal(parseString('  \n ').getChildren().length, 0);
  assert.equal(parseString('<a/>\0').dumps(), '<a/>');
});

test('namespaces, prefixes and attribute order round-trip byte-identically', () => {
  const xml =
    '<rpc xmlns="urn:ietf:params:xml:ns:netconf:base:1.0" xmlns:nc="urn:ietf:params:xml:ns:netconf:base:1.0" username="u" message-id="42">' +
    '<edit-config><target><actions xmlns="http://clicon.org/controller"/></target><default-operation>merge</default-operation>' +
    '<config><devices xmlns="http://clicon.org/controller"><device><name>d</name><config><table xmlns="urn:example:clixon">' +
    '<parameter cl:creator="testsvc[name=\'s1\']" nc:operation="merge" xmlns:cl="http://clicon.org/lib"><name>p1</name><value>s1</value></parameter>' +
    '</table></config></device></devices></config></edit-config></rpc>';
  assert.equal(parseString(xml).dumps(), xml);
});

test('declaration, comments and processing instructions are dropped; CDATA becomes text', () => {
  const root = parseString('<?xml version="1.0" encoding="UTF-8"?>\n<!-- top --><a><?pi data?><!-- in -->x<![CDATA[<b>&amp;]]>y</a>\n');
  assert.equal(root.a!.getData(), 'x<b>&amp;y');
  assert.equal(root.dumps(), '<a>x&lt;b&gt;&amp;amp;y</a>');
  assert.equal(parseString('\uFEFF<?xml version="1.0"?><a/>').dumps(), '<a/>');
});

test('whitespace between elements is layout; leaf text is kept as is', () => {
  const root = parseString('<a>\n  <b> x </b>\n  <c>\n  </c>\n</a>');
  assert.equal(root.a!.getData(), '');
  assert.equal(root.a!.b!.getData(), ' x ');
  assert.equal(root.a!.c!.getData(), '\n  ');
  assert.equal(root.dumps(), '<a><b> x </b><c>\n  </c></a>');
});

test('entities are decoded: named, decimal, hex; in text and attributes', () => {
  const root = parseString('<a v="&lt;&gt;&amp;&quot;&apos;&#65;&#x42;">&lt;&gt;&amp;&quot;&apos;&#65;&#x42;&#x1F600;</a>');
  assert.equal(root.a!.getAttribute('v'), '<>&"\'AB');
  assert.equal(root.a!.getData(), '<>&"\'AB😀');
  assert.equal(root.dumps(), '<a v="&lt;&gt;&amp;&quot;\'AB">&lt;&gt;&amp;"\'AB😀</a>');
});

test('single-quoted attributes and spaces in tags are read', () => {
  const root = parseString("<a  x = 'say \"hi\"'  y=\"2\" ><b  /></a >");
  assert.equal(root.a!.getAttribute('x'), 'say "hi"');
  assert.equal(root.dumps(), '<a x="say &quot;hi&quot;" y="2"><b/></a>');
});

test('mixed content is kept (text concatenated); names need not be ASCII', () => {
  const root = parseString('<a>x<b/>y<c/> </a><caf\u00e9 n\u00e4me="1"/>');
  assert.equal(root.a!.getData(), 'xy');
  assert.deepEqual(root.a!.getChildren().map((c) => c.getName()), ['b', 'c']);
  assert.equal(root.child('caf\u00e9')!.getAttribute('n\u00e4me'), '1');
});

function parseError(xml: string): XmlParseError {
  try {
    parseString(xml);
  } catch (err) {
    assert.ok(err instanceof XmlParseError, `not an XmlParseError: ${String(err)}`);
    return err;
  }
  assert.fail(`no error for ${JSON.stringify(xml)}`);
}

test('malformed XML throws XmlParseError with line, column and excerpt', () => {
  const cases: [string, RegExp, number, number][] = [
    ['<a><b></a>', /mismatched closing tag <\/a>, expected <\/b>/, 1, 7],
    ['<a>\n  <b>\n</a>', /mismatched/, 3, 1],
    ['<a><b>', /unclosed tag <b>/, 1, 4],
    ['<a>', /unclosed tag <a>/, 1, 1],
    ['</a>', /closing tag without an open element/, 1, 1],
    ['<a>&foo;</a>', /unknown entity &foo;/, 1, 4],
    ['<a>x & y</a>', /bare &/, 1, 6],
    ['<a>&#xZZ;</a>', /unknown entity/, 1, 4],
    ['<a>&#0;</a>', /unknown entity/, 1, 4],
    ['<a/>junk', /text after the root element/, 1, 5],
    ['junk<a/>', /text before the root element/, 1, 1],
    ['<a x="1></a>', /unterminated value of attribute x/, 1, 6],
    ['<a x=1></a>', /must be quoted/, 1, 6],
    ['<a x></a>', /without a value/, 1, 4],
    ['<a x="1" x="2"/>', /duplicate attribute x/, 1, 10],
    ['<a x="1"y="2"/>', /separated by whitespace/, 1, 9],
    ['<a x="<"/>', /< in value/, 1, 7],
    ['<a><!-- never closed</a>', /unterminated comment/, 1, 4],
    ['<a><![CDATA[ open</a>', /unterminated CDATA/, 1, 4],
    ['<a><?pi </a>', /unterminated processing instruction/, 1, 4],
    ['<a', /unterminated tag/, 1, 1],
    ['<a b="1"', /unterminated tag <a>/, 1, 1],
    ['< a/>', /missing tag name/, 1, 1],
    ['<1a/>', /bad tag name/, 1, 2],
    ['<a 1x="1"/>', /bad attribute name 1x/, 1, 4],
    ['<!DOCTYPE a [<!ENTITY x "y">]><a/>', /DOCTYPE is not supported/, 1, 1],
    ['<a/><?xml version="1.0"?>', /XML declaration not at the start/, 1, 5],
    ['<a></ab>', /mismatched/, 1, 4],
    ['<a></a', /unterminated closing tag|mismatched/, 1, 4],
  ];
  for (const [xml, reason, line, column] of cases) {
    const err = parseError(xml);
    assert.match(err.message, reason, xml);
    assert.equal(err.line, line, `line of ${xml}`);
    assert.equal(err.column, column, `column of ${xml}`);
    assert.ok(err.excerpt.length > 0 && err.excerpt.length <= 64, xml);
    assert.match(err.message, new RegExp(`line ${line}, column ${column}`));
  }
});

test('the excerpt shows the text around the error', () => {
  const err = parseError(`<config>${'<x>1</x>'.repeat(20)}<y>&bad;</y>${'<x>1</x>'.repeat(20)}</config>`);
  assert.match(err.excerpt, /^….*<y>&bad;<\/y>.*…$/);
});

test('parseFile reads a file; errors name it', () => {
  const dir = mkdtempSync(join(tmpdir(), 'xml-parse-'));
  try {
    const ok = join(dir, 'ok.xml');
    writeFileSync(ok, '<a><b>1</b></a>\n');
    assert.equal(parseFile(ok).a!.b!.getData(), '1');
    const bad = join(dir, 'bad.xml');
    writeFileSync(bad, '<a>\n<b></a>');
    assert.throws(
      () => parseFile(bad),
      (err: unknown) => err instanceof XmlParseError && err.file === bad && err.line === 2 && err.message.startsWith(bad),
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a large generated config round-trips byte-identically', () => {
  const xml = generateConfig(40, 50);
  assert.ok(xml.length > 400_000);
  const root = parseString(xml);
  assert.equal(root.dumps(), xml);
  assert.equal(root.devices!.getElements('device').length, 40);
  assert.equal(root.devices!.device!.config!.interfaces!.getElements('interface').length, 50);
  assert.equal(root.devices!.device!.description!.getData(), 'router 0 & friends');
});
