/**
 * The YANG reader on real models: our tree diagram of each recorded module equals what
 * `pyang -f tree` printed (fixtures from scripts/record-yang-trees.ts), and every module
 * of the OpenConfig public models reads without error when its mirror is on this machine.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
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

// A git clone of openconfig/public (its git directory), given by OPENCONFIG_PUBLIC_GIT: too big to vendor.
const mirror = process.env.OPENCONFIG_PUBLIC_GIT ?? '';
test('every OpenConfig public module reads without error', { skip: mirror !== '' && existsSync(mirror) ? false : 'set OPENCONFIG_PUBLIC_GIT to a clone of openconfig/public to run it' }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'oc-'));
  try {
    execFileSync('sh', ['-c', `git -C ${mirror} archive HEAD release third_party | tar -x -C ${dir}`]);
    const ctx = new YangContext([dir]);
    ctx.loadAll();
    assert.ok(ctx.modules.size > 150, `${ctx.modules.size} modules`);
    assert.deepEqual(ctx.warnings, []);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
