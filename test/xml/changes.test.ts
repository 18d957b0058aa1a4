/**
 * Change extraction: the ancestor rule (registered keys, else leaf children), removals,
 * replace of a re-created entry, and a created node split into pieces.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseString, registerListKeys } from '../../src/xml/index.ts';
import { changedConfig, collectChanges, writeChanges } from '../../src/xml/changes.ts';

const NC = 'xmlns:nc="urn:ietf:params:xml:ns:netconf:base:1.0"';
const CONFIG =
  '<top xmlns="urn:t" a="1"><keyed><id>k1</id><note>n</note><sub><x>1</x></sub></keyed>' +
  '<plain><name>p1</name><note>n</note><sub><x>1</x></sub></plain><gone>v</gone></top>';

test('an untouched tree gives nothing', () => {
  assert.equal(changedConfig(parseString(CONFIG)), '');
});

test('unmodified ancestors carry their registered keys, else their leaf children; namespace attributes only', () => {
  registerListKeys({ keyed: ['id'] });
  const root = parseString(CONFIG);
  root.find('top/keyed/sub/x')!.setData('2');
  root.find('top/plain/sub/x')!.setData('3');
  assert.equal(
    changedConfig(root),
    '<top xmlns="urn:t"><gone>v</gone><keyed><id>k1</id><sub><x>2</x></sub></keyed><plain><name>p1</name><note>n</note><sub><x>3</x></sub></plain></top>',
  );
});

test('removed children go as stubs: the keys (registered, else name), or the leaf value', () => {
  const root = parseString(CONFIG);
  root.find('top/plain')!.delete();
  root.find('top/gone')!.delete();
  assert.equal(
    changedConfig(root),
    `<top xmlns="urn:t"><plain ${NC} nc:operation="remove"><name>p1</name></plain><gone ${NC} nc:operation="remove">v</gone></top>`,
  );
});

test('an entry deleted and created again goes once, as replace', () => {
  const root = parseString(CONFIG);
  const top = root.child('top')!;
  top.child('plain')!.delete();
  top.create('plain').create('name', { data: 'p1' });
  assert.equal(changedConfig(root), `<top xmlns="urn:t"><gone>v</gone><plain ${NC} nc:operation="replace"><name>p1</name></plain></top>`);
});

test('a created node split into pieces: itself with its attributes and leaves as the ancestor of each piece', () => {
  const root = parseString(CONFIG);
  const made = root.child('top')!.create('made', { attributes: { b: '2' } });
  made.create('name', { data: 'm' });
  made.create('part').create('x', { data: '1' });
  made.create('part').create('x', { data: '2' });
  const { changes, split } = collectChanges(root, { split: (n) => n.getName() === 'made' });
  assert.equal(changes.length, 2);
  assert.deepEqual(
    changes.map((c) => writeChanges([c], split)),
    [1, 2].map((i) => `<top xmlns="urn:t"><gone>v</gone><made b="2"><name>m</name><part><x>${i}</x></part></made></top>`),
  );
});
