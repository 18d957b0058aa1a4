// Origin capture (src/xml/origin.ts): the line of the code that made a node, for the
// validation and check reports, whichever way the node came in.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseString, parseTemplate } from '../../src/xml/index.ts';
import { captureOrigins } from '../../src/xml/origin.ts';

const FILE = fileURLToPath(import.meta.url);
/** `file:line` of the line of this file that holds `marker`. */
const at = (marker: string): string => `${FILE}:${readFileSync(FILE, 'utf8').split('\n').findIndex((l) => l.includes(marker)) + 1}`;

test('create, setData and add, of an element or of a parsed template, each name their line', () => {
  captureOrigins(true);
  try {
    const root = parseString('<a><b>old</b></a>').child('a')!;
    const created = root.create('c'); // origin: create
    root.child('b')!.setData('new'); // origin: setData
    const added = root.add(parseString('<d/>').child('d')!); // origin: add element
    const templated = root.add(parseTemplate('<e>{{V}}</e>', { V: 'x' })); // origin: add template
    assert.equal(created.getOrigin(), at('// origin: create'));
    assert.equal(root.child('b')!.getOrigin(), at('// origin: setData'));
    assert.equal(added.getOrigin(), at('// origin: add element'));
    assert.equal(templated.getOrigin(), at('// origin: add template'));
  } finally {
    captureOrigins(false);
  }
});

test('capture off: no origin is kept', () => {
  const root = parseString('<a/>').child('a')!;
  assert.equal(root.create('c').getOrigin(), undefined);
});
