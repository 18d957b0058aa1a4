/**
 * The edit-config builder: only what modules changed, each batch a valid tree, removals
 * with keys, splitting by creator-tagged nodes.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseString } from '../../src/xml/index.ts';
import { buildEdits, countCreators } from '../../src/service/edits.ts';

const CONFIG =
  '<services xmlns="http://clicon.org/controller"><svc xmlns="urn:s"><name>s1</name><params>p1</params></svc></services>' +
  '<devices xmlns="http://clicon.org/controller">' +
  '<device><name>dev1</name><enabled>true</enabled><config><table xmlns="urn:example:clixon"><parameter><name>old</name><value>x</value></parameter></table><big><a>1</a></big></config></device>' +
  '<device><name>dev2</name><enabled>true</enabled><config/></device>' +
  '</devices>';

const TAG = { 'cl:creator': "svc[name='s1']", 'xmlns:cl': 'http://clicon.org/lib' };

test('no change gives no edit at all', () => {
  assert.deepEqual(buildEdits(parseString(CONFIG)), []);
});

test('a created node goes whole, under its ancestors with their leaf children only', () => {
  const root = parseString(CONFIG);
  const dev1 = root.find("devices/device[name='dev1']")!;
  const p = dev1.find('config/table')!.create('parameter', { attributes: TAG });
  p.create('name', { data: 'p1' });
  p.create('value', { data: 's1' });
  const edits = buildEdits(root);
  assert.equal(edits.length, 1);
  assert.equal(
    edits[0],
    '<devices xmlns="http://clicon.org/controller"><device><name>dev1</name><enabled>true</enabled><config><table xmlns="urn:example:clixon">' +
      `<parameter cl:creator="svc[name='s1']" xmlns:cl="http://clicon.org/lib"><name>p1</name><value>s1</value></parameter>` +
      '</table></config></device></devices>',
  );
  // Neither the untouched device, the untouched <big> subtree nor the services travel.
  assert.ok(!edits[0]!.includes('dev2'));
  assert.ok(!edits[0]!.includes('<big>'));
  assert.ok(!edits[0]!.includes('services'));
});

test('a changed leaf goes once, with its list keys beside it', () => {
  const root = parseString(CONFIG);
  root.find("devices/device[name='dev1']/config/table/parameter[name='old']/value")!.setData('y');
  assert.deepEqual(buildEdits(root), [
    '<devices xmlns="http://clicon.org/controller"><device><name>dev1</name><enabled>true</enabled><config><table xmlns="urn:example:clixon">' +
      '<parameter><name>old</name><value>y</value></parameter></table></config></device></devices>',
  ]);
});

test('a deleted list entry goes as remove with its key', () => {
  const root = parseString(CONFIG);
  root.find("devices/device[name='dev1']/config/table/parameter[name='old']")!.delete();
  const [edit] = buildEdits(root);
  assert.ok(
    edit!.includes(
      '<table xmlns="urn:example:clixon"><parameter xmlns:nc="urn:ietf:params:xml:ns:netconf:base:1.0" nc:operation="remove"><name>old</name></parameter></table>',
    ),
    edit,
  );
});

test('a deleted leaf-list entry goes as remove with its value', () => {
  const root = parseString(CONFIG);
  root.find('services/svc/params')!.delete();
  const [edit] = buildEdits(root);
  assert.ok(edit!.includes('<params xmlns:nc="urn:ietf:params:xml:ns:netconf:base:1.0" nc:operation="remove">p1</params>'), edit);
  assert.ok(edit!.startsWith('<services xmlns="http://clicon.org/controller"><svc xmlns="urn:s"><name>s1</name>'), edit);
});

test('creator-tagged nodes are split into batches, each a valid tree with its ancestors', () => {
  const root = parseString(CONFIG);
  for (const dev of root.findAll('devices/device')) {
    const cfg = dev.child('config')!;
    const table = cfg.child('table') ?? cfg.create('table', { attributes: { xmlns: 'urn:example:clixon' } });
    for (let i = 0; i < 10; i++) {
      const p = table.create('parameter', { attributes: TAG });
      p.create('name', { data: `n${i}` });
    }
  }
  assert.equal(countCreators(root.child('devices')!), 20);
  const edits = buildEdits(root, { batchSize: 4 });
  assert.equal(edits.length, 5);
  for (const e of edits) {
    const tree = parseString(e);
    assert.equal(countCreators(tree.child('devices')!), 4);
    assert.equal(tree.getChildren().length, 1);
    assert.ok(e.startsWith('<devices xmlns="http://clicon.org/controller"><device><name>dev'), e);
  }
  // dev2's table was created whole but holds more creators than a batch: it is cut below itself.
  const dev2Parts = edits.filter((e) => e.includes('<name>dev2</name>'));
  assert.ok(dev2Parts.every((e) => e.includes('<table xmlns="urn:example:clixon">')));
  const all = edits.map((e) => parseString(e).findAll('devices/device/config/table/parameter').length).reduce((a, b) => a + b);
  assert.equal(all, 20);
});

test('one batch when all creators fit', () => {
  const root = parseString(CONFIG);
  const table = root.find("devices/device[name='dev1']/config/table")!;
  for (let i = 0; i < 3; i++) table.create('parameter', { attributes: TAG }).create('name', { data: `n${i}` });
  assert.equal(buildEdits(root, { batchSize: 3 }).length, 1);
  assert.equal(buildEdits(root, { batchSize: 2 }).length, 2);
});

test('text and attribute values are escaped in ancestors and removals', () => {
  const root = parseString(
    '<devices xmlns="http://clicon.org/controller"><device><name>a&amp;b</name><config><x><name>k&lt;1</name></x></config></device></devices>',
  );
  root.find('devices/device/config/x')!.delete();
  const [edit] = buildEdits(root);
  assert.ok(edit!.includes('<name>a&amp;b</name>'), edit);
  assert.ok(edit!.includes('<name>k&lt;1</name>'), edit);
  assert.doesNotThrow(() => parseString(edit!));
});
