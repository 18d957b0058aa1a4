/**
 * Templates: both variable syntaxes, `-`/`_` names, missing variables, escaping and
 * injection attempts, template files, and templates stored in the config tree.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  fillTemplate,
  parseString,
  parseTemplate,
  parseTemplateConfig,
  parseTemplateFile,
  TemplateNotFoundError,
  TemplateVariableError,
} from '../../src/xml/index.ts';

test('${NAME} and {{NAME}} are replaced; numbers and booleans become text', () => {
  const doc = parseTemplate('<a n="${NAME}"><b>{{NAME}}</b><c>${MTU}</c><d>{{ON}}</d></a>', { NAME: 'x', MTU: 1500, ON: true });
  assert.equal(doc.dumps(), '<a n="x"><b>x</b><c>1500</c><d>true</d></a>');
});

test('a - in a template name matches _ in the variable; the exact name wins', () => {
  assert.equal(parseTemplate('<a>${if-name}</a>', { if_name: 'ge0' }).a!.getData(), 'ge0');
  assert.equal(parseTemplate('<a>{{if-name}}</a>', { 'if-name': 'exact', if_name: 'alt' }).a!.getData(), 'exact');
});

test('a missing variable is an error that names it (each missing one once)', () => {
  assert.throws(
    () => parseTemplate('<a>${HOST}</a><b>{{PORT}}</b><c>${HOST}</c>', {}),
    (err: unknown) => err instanceof TemplateVariableError && err.message === 'Missing template variables: HOST, PORT' && err.missing.length === 2,
  );
  assert.throws(() => fillTemplate('<a>${x-y}</a>', { x: 1 }), /Missing template variable: x-y/);
});

test('values are escaped: no element, attribute or entity injection', () => {
  const evil = '</b><admin>yes</admin><b>';
  const doc = parseTemplate('<a><b>${V}</b></a>', { V: evil });
  assert.equal(doc.a!.b!.getData(), evil);
  assert.equal(doc.a!.admin, undefined);
  assert.equal(doc.a!.getChildren().length, 1);

  const attr = parseTemplate(`<a x="\${V}" y='{{V}}'/>`, { V: `"' z="1` });
  assert.deepEqual(attr.a!.getAttributes(), { x: `"' z="1`, y: `"' z="1` });

  assert.equal(parseTemplate('<a>${V}</a>', { V: '&amp; &lt;' }).a!.getData(), '&amp; &lt;');
  assert.equal(parseTemplate('<a>${V}</a>', { V: ']]><!--' }).a!.getData(), ']]><!--');
});

test('substitution is one pass: a value holding a variable is not expanded', () => {
  assert.equal(parseTemplate('<a>${A}</a>', { A: '${B}', B: 'secret' }).a!.getData(), '${B}');
  assert.equal(parseTemplate('<a>{{A}}</a>', { A: '{{B}}', B: 'secret' }).a!.getData(), '{{B}}');
});

test('a template that is not well-formed after filling throws the parse error', () => {
  assert.throws(() => parseTemplate('<a>${A}</b>', { A: '1' }), /mismatched/);
});

test('parseTemplateFile reads and fills a file', () => {
  const dir = mkdtempSync(join(tmpdir(), 'xml-tpl-'));
  try {
    const file = join(dir, 't.xml');
    writeFileSync(file, '<interface>\n  <name>${IFNAME}</name>\n</interface>\n');
    assert.equal(parseTemplateFile(file, { IFNAME: 'eth0' }).dumps(), '<interface><name>eth0</name></interface>');
    assert.throws(() => parseTemplateFile(join(dir, 'missing.xml')), /ENOENT/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('parseTemplateConfig fills a template stored under /devices/template', () => {
  const root = parseString(
    '<devices xmlns="http://clicon.org/controller"><template><name>param</name>' +
      '<variables><variable><name>NAME</name></variable><variable><name>VALUE</name></variable></variables>' +
      '<config><table xmlns="urn:example:clixon"><parameter><name>${NAME}</name><value>${VALUE}</value></parameter></table></config>' +
      '</template><template><name>other</name><config/></template><device><name>d</name></device></devices>',
  );
  const doc = parseTemplateConfig(root, 'param', { NAME: 'tp1', VALUE: 'a<b' });
  assert.equal(doc.dumps(), '<table xmlns="urn:example:clixon"><parameter><name>tp1</name><value>a&lt;b</value></parameter></table>');
  assert.equal(parseTemplateConfig(root, 'other').getChildren().length, 0);
  assert.throws(() => parseTemplateConfig(root, 'nope'), TemplateNotFoundError);
  assert.throws(() => parseTemplateConfig(root, 'param', { NAME: 'x' }), /VALUE/);
  // the stored template is left as it was
  assert.match(root.dumps(), /<name>\$\{NAME\}<\/name>/);
});

test('a filled template can be added into a device config', () => {
  const root = parseString('<devices><device><name>d</name><config/></device></devices>');
  const doc = parseTemplate('<x>${A}</x><y/>', { A: 1 });
  const first = root.devices!.device!.config!.add(doc);
  assert.equal(first.getName(), 'x');
  assert.ok(first.isModified());
  assert.equal(root.devices!.device!.config!.dumps(), '<config><x>1</x><y/></config>');
});
