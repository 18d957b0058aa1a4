/**
 * Element: navigation through the proxy, identity, data, attributes, editing,
 * modification tracking, iteration and the output forms.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Element, XmlTreeError, element, escapeAttr, escapeText, parseString, registerListKeys, underscoreName, type XmlNode } from '../../src/xml/index.ts';

const CONFIG =
  '<services xmlns="http://clicon.org/controller"><ssh-users><name>u1</name><description>first</description></ssh-users>' +
  '<ssh-users><name>u2</name></ssh-users><a.b>dot</a.b><x:y xmlns:x="urn:x">colon</x:y></services>' +
  '<devices xmlns="http://clicon.org/controller"><device><name>r1</name><config><type>t</type><value>v</value></config></device>' +
  '<device><name>r2</name><config/></device></devices>';

function tree(): XmlNode {
  return parseString(CONFIG);
}

test('navigation by XML name and by _ form, first match, missing is undefined', () => {
  const root = tree();
  assert.equal(root.services?.ssh_users?.name?.getData(), 'u1');
  assert.equal(root.services?.['ssh-users']?.name?.getData(), 'u1');
  assert.equal(root.services?.a_b?.getData(), 'dot');
  assert.equal(root.services?.['a.b']?.getData(), 'dot');
  assert.equal(root.services?.x_y?.getData(), 'colon');
  assert.equal(root.services?.['x:y']?.getData(), 'colon');
  assert.equal(root.services?.nothing, undefined);
  assert.equal(root.nothing?.deeper, undefined);
  // children named like common words are plain properties
  const cfg = root.devices?.device?.config;
  assert.equal(cfg?.type?.getData(), 't');
  assert.equal(cfg?.value?.getData(), 'v');
  assert.equal(root.devices?.device?.name?.getData(), 'r1');
  assert.equal(root.services?.ssh_users?.description?.getData(), 'first');
});

test('has-trap: `in` sees methods and children', () => {
  const root = tree();
  assert.ok('services' in root);
  assert.ok('getName' in root);
  assert.ok(!('missing' in root));
});

test('a child named like a method is reached with child()', () => {
  const root = parseString('<a><getData>x</getData><delete>y</delete><child>z</child></a>');
  const a = root.a!;
  assert.equal(typeof a.getData, 'function');
  assert.equal(a.child('getData')?.getData(), 'x');
  assert.equal(a.child('delete')?.getData(), 'y');
  assert.equal(a.child('child')?.getData(), 'z');
});

test('proxy identity is stable; assignment is refused', () => {
  const root = tree();
  const s = root.services!;
  assert.equal(s.ssh_users?.getParent(), s.ssh_users?.getParent());
  assert.equal(root.services, root.services);
  assert.equal(s.getChildren()[0], s.ssh_users);
  assert.throws(() => {
    (s as unknown as Record<string, unknown>).foo = 1;
  }, TypeError);
});

test('identity: getName, getParent, getParents, getRoot, isDocument, getChildren', () => {
  const root = tree();
  const name = root.devices?.device?.name;
  assert.equal(name?.getName(), 'name');
  assert.equal(root.services?.x_y?.getName(), 'x:y');
  assert.equal(name?.getParent()?.getName(), 'device');
  assert.deepEqual(name?.getParents().map((p) => p.getName()), ['device', 'devices', '']);
  assert.equal(name?.getRoot(), root);
  assert.ok(root.isDocument());
  assert.ok(!root.devices?.isDocument());
  assert.equal(root.getParent(), undefined);
  assert.deepEqual(root.getChildren().map((c) => c.getName()), ['services', 'devices']);
  assert.deepEqual(root.devices?.device?.name?.getChildren(), []);
});

test('iteration yields the element and its following same-named siblings', () => {
  const root = tree();
  const names = [...(root.devices?.device ?? [])].map((d) => d.name?.getData());
  assert.deepEqual(names, ['r1', 'r2']);
  const users: string[] = [];
  for (const u of root.services?.ssh_users ?? []) users.push(String(u.name));
  assert.deepEqual(users, ['u1', 'u2']);
  // starting from the second entry yields the second only
  const second = root.devices?.getChildren()[1];
  assert.deepEqual([...(second ?? [])].map((d) => d.name?.getData()), ['r2']);
  // a single element iterates as itself
  assert.deepEqual([...(root.services?.a_b ?? [])].length, 1);
  // a detached element iterates as itself
  assert.equal([...element('x')].length, 1);
});

test('getElements: by name, by text, recursive', () => {
  const root = tree();
  assert.equal(root.services?.getElements().length, 4);
  assert.equal(root.services?.getElements('ssh-users').length, 2);
  assert.equal(root.services?.getElements('ssh_users').length, 2);
  assert.deepEqual(root.getElements('name', { recursive: true }).map((n) => n.getData()), ['u1', 'u2', 'r1', 'r2']);
  assert.deepEqual(root.getElements('name', { recursive: true, text: 'r2' }).map((n) => n.getParent()?.getName()), ['device']);
  assert.equal(root.devices?.getElements(undefined, { recursive: true }).length, 8);
  assert.deepEqual(root.services?.getElements('nope'), []);
});

test('getEntry selects a list entry by key in one call', () => {
  const root = tree();
  assert.equal(root.devices?.getEntry('device', 'r2')?.name?.getData(), 'r2');
  assert.equal(root.devices?.getEntry('device', { name: 'r1' })?.config?.type?.getData(), 't');
  assert.equal(root.devices?.getEntry('device', 'r9'), undefined);
  const lists = parseString('<s><params>a</params><params>b</params><route><id>7</id></route></s>');
  assert.equal(lists.s?.getEntry('params', 'b')?.getData(), 'b');
  registerListKeys({ route: ['id'] });
  assert.equal(lists.s?.getEntry('route', '7')?.id?.getData(), '7');
});

test('getData / setData with conversion; toString gives the text', () => {
  const root = parseString('<a><n>42</n><b>true</b></a>');
  const n = root.a!.n!;
  assert.equal(n.getData(), '42');
  assert.equal(n.getData(Number), 42);
  assert.equal(root.a!.b!.getData((s) => s === 'true'), true);
  n.setData(7);
  assert.equal(n.getData(), '7');
  assert.equal(`${n}`, '7');
  n.setData(false);
  assert.equal(n.getData(), 'false');
  assert.equal(root.a!.getData(), '');
});

test('attributes: get, set (replace all), update (keeps order), delete; prefixes kept', () => {
  const root = parseString('<a xmlns="urn:a" xmlns:cl="http://clicon.org/lib" cl:creator="s[name=\'x\']"/>');
  const a = root.a!;
  assert.deepEqual(Object.keys(a.getAttributes()), ['xmlns', 'xmlns:cl', 'cl:creator']);
  assert.equal(a.getAttribute('cl:creator'), "s[name='x']");
  assert.equal(a.getAttribute('nope'), undefined);
  a.updateAttributes({ 'xmlns:cl': 'changed', 'nc:operation': 'merge' });
  assert.deepEqual(a.getAttributes(), { xmlns: 'urn:a', 'xmlns:cl': 'changed', 'cl:creator': "s[name='x']", 'nc:operation': 'merge' });
  a.deleteAttribute('xmlns:cl');
  assert.equal(a.dumps(), '<a xmlns="urn:a" cl:creator="s[name=\'x\']" nc:operation="merge"/>');
  a.setAttributes({ b: '1' });
  assert.deepEqual(a.getAttributes(), { b: '1' });
  // the returned record is a copy
  a.getAttributes().c = '2';
  assert.equal(a.getAttribute('c'), undefined);
});

test('create returns the new child, with attributes and data', () => {
  const root = tree();
  const cfg = root.devices!.device!.config!;
  const t = cfg.create('table', { attributes: { xmlns: 'urn:example:clixon' } });
  const p = t.create('parameter');
  p.create('name', { data: 'p1' });
  p.create('value', { data: 5 });
  assert.equal(t.getParent(), cfg);
  assert.equal(cfg.table?.parameter?.value?.getData(), '5');
  assert.equal(t.dumps(), '<table xmlns="urn:example:clixon"><parameter><name>p1</name><value>5</value></parameter></table>');
});

test('add moves a node (from another tree too); adding a document adds its elements', () => {
  const root = tree();
  const other = parseString('<x><y>1</y></x><z/>');
  const y = other.x!.y!;
  const added = root.services!.add(y);
  assert.equal(added, y);
  assert.equal(y.getParent(), root.services);
  assert.equal(other.x!.y, undefined);
  const first = root.devices!.add(other);
  assert.equal(first.getName(), 'x');
  assert.deepEqual(root.devices!.getChildren().map((c) => c.getName()), ['device', 'device', 'x', 'z']);
  assert.equal(other.getChildren().length, 0);
  assert.throws(() => root.devices!.add(parseString('')), XmlTreeError);
  assert.throws(() => root.devices!.device!.add(root.devices!), XmlTreeError);
  const fresh = element('leaf', { data: 'v', attributes: { a: '1' } });
  root.services!.add(fresh);
  assert.equal(root.services!.leaf?.dumps(), '<leaf a="1">v</leaf>');
  const viaCtor = new Element('c');
  root.services!.add(viaCtor);
  assert.equal(root.services!.getChildren().at(-1)?.getName(), 'c');
});

test('delete: itself, by name (exact or _ form), *, by node', () => {
  let root = tree();
  root.services!.ssh_users!.delete();
  assert.deepEqual(root.services!.getElements('ssh-users').map((u) => u.name?.getData()), ['u2']);
  root = tree();
  root.services!.delete('ssh_users');
  assert.equal(root.services!.ssh_users, undefined);
  assert.equal(root.services!.getChildren().length, 2);
  root.services!.delete('x:y');
  assert.equal(root.services!.getChildren().length, 1);
  root.devices!.delete('*');
  assert.equal(root.devices!.getChildren().length, 0);
  root = tree();
  const second = root.devices!.getChildren()[1]!;
  root.devices!.delete(second);
  assert.deepEqual(root.devices!.getChildren().map((d) => d.name?.getData()), ['r1']);
  // a node that is not a child is left alone
  root.devices!.delete(root.services!.a_b!);
  assert.ok(root.services!.a_b);
  assert.throws(() => root.delete(), XmlTreeError);
});

test('replace puts the new node in the old one\'s place', () => {
  const root = tree();
  const first = root.devices!.device!;
  const repl = element('device');
  repl.create('name', { data: 'r9' });
  assert.equal(first.replace(repl), repl);
  assert.deepEqual(root.devices!.getChildren().map((d) => d.name?.getData()), ['r9', 'r2']);
  assert.equal(first.getParent(), undefined);
  assert.throws(() => element('x').replace(element('y')), XmlTreeError);
});

test('rename changes the XML name and navigation follows', () => {
  const root = tree();
  root.services!.a_b!.rename('c-d');
  assert.equal(root.services!.c_d?.getData(), 'dot');
  assert.equal(root.services!.a_b, undefined);
});

test('copy is deep, detached and unmodified', () => {
  const root = tree();
  const c = root.devices!.device!.copy();
  assert.equal(c.getParent(), undefined);
  assert.equal(c.dumps(), root.devices!.device!.dumps());
  assert.ok(!c.isModified());
  c.name!.setData('other');
  assert.equal(root.devices!.device!.name!.getData(), 'r1');
});

test('modification tracking: a fresh parse is unmodified', () => {
  const root = tree();
  const all = root.getElements(undefined, { recursive: true });
  assert.ok(all.every((e) => !e.isModified() && !e.hasModifiedDescendant() && e.getDeletedChildren().length === 0));
});

test('modification tracking: setData marks the node and its ancestors know', () => {
  const root = tree();
  const name = root.devices!.device!.name!;
  name.setData('r1');
  assert.ok(!name.isModified(), 'same value is no change');
  name.setData('rX');
  assert.ok(name.isModified());
  assert.ok(!root.devices!.device!.isModified());
  assert.ok(root.devices!.device!.hasModifiedDescendant());
  assert.ok(root.devices!.hasModifiedDescendant());
  assert.ok(root.hasModifiedDescendant());
  assert.ok(!root.services!.hasModifiedDescendant());
  assert.ok(!root.devices!.getChildren()[1]!.hasModifiedDescendant());
});

test('modification tracking: every kind of edit marks', () => {
  const edits: [string, (r: XmlNode) => XmlNode][] = [
    ['create', (r) => r.services!.create('n')],
    ['add', (r) => r.services!.add(element('n'))],
    ['rename', (r) => (r.services!.a_b!.rename('q'), r.services!.q!)],
    ['replace', (r) => r.services!.a_b!.replace(element('n'))],
    ['setAttributes', (r) => (r.services!.a_b!.setAttributes({ k: 'v' }), r.services!.a_b!)],
    ['updateAttributes', (r) => (r.services!.a_b!.updateAttributes({ k: 'v' }), r.services!.a_b!)],
    ['deleteAttribute', (r) => (r.services!.x_y!.deleteAttribute('xmlns:x'), r.services!.x_y!)],
  ];
  for (const [what, edit] of edits) {
    const root = tree();
    const node = edit(root);
    assert.ok(node.isModified(), what);
    assert.ok(root.services!.hasModifiedDescendant(), what);
    assert.ok(!root.services!.isModified(), what);
  }
});

test('modification tracking: deletions are recorded on the parent, not for new nodes', () => {
  const root = tree();
  const u1 = root.services!.ssh_users!;
  u1.delete();
  assert.deepEqual(root.services!.getDeletedChildren(), [u1]);
  assert.ok(root.services!.hasModifiedDescendant());
  assert.ok(root.hasModifiedDescendant());
  const created = root.services!.create('tmp');
  created.create('inner').delete();
  created.delete();
  assert.deepEqual(root.services!.getDeletedChildren(), [u1]);
  // rename and replace report the old entry as deleted
  const r2 = tree();
  const old = r2.services!.a_b!;
  old.rename('renamed');
  assert.deepEqual(r2.services!.getDeletedChildren().map((d) => d.getName()), ['a.b']);
  const r3 = tree();
  const d1 = r3.devices!.device!;
  d1.replace(element('device'));
  assert.deepEqual(r3.devices!.getDeletedChildren(), [d1]);
  // renaming or replacing what was created since the parse records nothing
  const r4 = tree();
  const fresh = r4.services!.create('fresh');
  fresh.create('inner').rename('other');
  fresh.rename('renamed');
  fresh.other!.replace(element('x'));
  assert.deepEqual(r4.services!.getDeletedChildren(), []);
  assert.deepEqual(fresh.getDeletedChildren(), []);
  assert.throws(() => r4.services!.a_b!.replace(r4.services!), XmlTreeError);
});

test('clearModified forgets changes in the subtree', () => {
  const root = tree();
  root.devices!.device!.name!.setData('x');
  root.services!.ssh_users!.delete();
  root.clearModified();
  const all = [root, ...root.getElements(undefined, { recursive: true })];
  assert.ok(all.every((e) => !e.isModified() && !e.hasModifiedDescendant() && e.getDeletedChildren().length === 0));
  // marking again after a clear reaches the top again
  root.devices!.getChildren()[1]!.name!.setData('y');
  assert.ok(root.hasModifiedDescendant());
});

test('dumps: compact, escaped, document prints its children, empty elements self-close', () => {
  const root = parseString('<a x="1 &lt; 2 &amp; &quot;q&quot;">a &lt; b &amp; c &gt; d<e></e></a><f/>');
  assert.equal(root.a!.getData(), 'a < b & c > d');
  assert.equal(root.a!.getAttribute('x'), '1 < 2 & "q"');
  assert.equal(root.dumps(), '<a x="1 &lt; 2 &amp; &quot;q&quot;">a &lt; b &amp; c &gt; d<e/></a><f/>');
  assert.equal(root.f!.dumps(), '<f/>');
  const el = element('t');
  el.setData('<inject/>&');
  el.setAttributes({ v: '"><x a="' });
  assert.equal(el.dumps(), '<t v="&quot;&gt;&lt;x a=&quot;">&lt;inject/&gt;&amp;</t>');
  assert.equal(parseString(el.dumps()).t!.getData(), '<inject/>&');
});

test('dumps encodes non-ASCII text (BMP and astral) as UTF-8 text', () => {
  const s = 'ÅÄÖ € 漢字 😀';
  const root = parseString(`<a b="${s}">${s}</a>`);
  assert.equal(root.a!.getData(), s);
  assert.equal(root.dumps(), `<a b="${s}">${s}</a>`);
});

test('toXml pretty prints with leaves on one line', () => {
  const root = parseString('<a><b>1</b><c><d/></c></a>');
  assert.equal(root.toXml({ pretty: true }), '<a>\n  <b>1</b>\n  <c>\n    <d/>\n  </c>\n</a>\n');
  assert.equal(root.a!.c!.toXml({ pretty: true, indent: 4 }), '<c>\n    <d/>\n</c>\n');
  assert.equal(root.toXml(), root.dumps());
  // pretty output parses back to the same tree
  assert.equal(parseString(root.toXml({ pretty: true })).dumps(), root.dumps());
});

test('toJSON: repeated names are arrays, attributes @, text beside them #text', () => {
  const root = parseString('<s xmlns="u"><u><name>a</name></u><u><name>b</name></u><e/><t k="v">x</t></s>');
  assert.deepEqual(root.toJSON(), { s: { '@xmlns': 'u', u: [{ name: 'a' }, { name: 'b' }], e: '', t: { '@k': 'v', '#text': 'x' } } });
  assert.deepEqual(root.s!.e!.toJSON(), { e: '' });
  assert.equal(JSON.stringify({ n: root.s!.t }), '{"n":{"t":{"@k":"v","#text":"x"}}}');
});

test('toYaml: nested maps and lists, quoting where YAML would misread', () => {
  const root = parseString('<s><u><name>a</name><on>true</on></u><u><name>b: c</name><n>12</n></u><e/></s>');
  assert.equal(
    root.toYaml(),
    ['s:', '  u:', '  - name: a', '    on: "true"', '  - name: "b: c"', '    n: "12"', '  e: ""', ''].join('\n'),
  );
});

test('toYaml quotes what YAML would read as something else', () => {
  const values = ['12:30', '.inf', '1e3', 'NULL', '~', 'a #b', '- x', '[x]', 'x\ny', ' lead', 'ianaift:eth'];
  const root = parseString(`<r>${values.map((v) => `<v>${v}</v>`).join('')}<p>10.0.0.1/24</p><q>plain text</q></r>`);
  const yaml = root.toYaml();
  for (const v of values) assert.ok(yaml.includes(`- ${JSON.stringify(v)}`), v);
  assert.ok(yaml.includes('  p: 10.0.0.1/24\n'));
  assert.ok(yaml.includes('  q: plain text\n'));
});

test('underscoreName and the escapers', () => {
  assert.equal(underscoreName('ssh-users.a:b_c'), 'ssh_users_a_b_c');
  assert.equal(escapeText('a<b>&"\''), 'a&lt;b&gt;&amp;"\'');
  assert.equal(escapeAttr('a<b>&"\''), 'a&lt;b&gt;&amp;&quot;\'');
  assert.equal(escapeText('plain'), 'plain');
});

test('inspect prints compact XML', async () => {
  const { inspect } = await import('node:util');
  assert.equal(inspect(parseString('<a>1</a>').a), '<a>1</a>');
});
