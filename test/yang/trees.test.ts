/**
 * The YANG reader on the models the other tests read (the OpenConfig and Clixon folders in
 * test/fixtures/yang): our tree diagram of each recorded module equals what `pyang -f tree`
 * printed (scripts/record-yang-trees.ts). The public corpus is in trees-public.test.ts.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { YangContext, YangError, parseYang, printTree } from '../../src/yang/index.ts';

const fixtures = new URL('../fixtures/yang/', import.meta.url).pathname;
const manifest = JSON.parse(readFileSync(join(fixtures, 'trees.json'), 'utf8')) as { trees: { module: string; set: string }[] };

test('at least 20 recorded trees, the required ones among them', () => {
  const names = manifest.trees.map((t) => t.module);
  assert.ok(names.length >= 20, `${names.length} trees`);
  for (const m of ['openconfig-interfaces', 'openconfig-system', 'clixon-controller', 'ietf-interfaces']) assert.ok(names.includes(m), m);
});

for (const { module, set } of manifest.trees) {
  test(`tree of ${module} equals pyang's`, () => {
    // One module at a time, as pyang was run: another module's augments must not show.
    const own = new YangContext([join(fixtures, set)]);
    own.load([module]);
    assert.equal(printTree(own, module), readFileSync(join(fixtures, set, 'trees', `${module}.tree`), 'utf8'));
  });
}

test('syntax errors name file:line:column', () => {
  assert.throws(() => parseYang('module m {\n  leaf x {\n    type string\n  }\n}\n', 'm.yang'), (e: unknown) => {
    assert.ok(e instanceof YangError);
    assert.equal(e.message, "m.yang:4:3: expected ';' or '{' after type string");
    return true;
  });
  assert.throws(() => parseYang('module m {\n  description "open\n', 'm.yang'), /^YangError: m.yang:3:1: unterminated double-quoted string|m\.yang:\d+:\d+: unterminated/);
});
