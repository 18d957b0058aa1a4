/**
 * `clixon-tsapi new`: the skeleton it writes into an empty folder outside the repo passes
 * its own test straight away (`clixon-tsapi test`, what its npm test runs, `check` included), type-checks
 * against this package with the tsconfig it writes, `try` prints
 * its device diff, its YANG augments the controller's services, and the server's loader
 * takes the module but not the test beside it.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, symlinkSync } from 'node:fs';
import { dirname, join } from 'node:path';
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { scaffold, ScaffoldError } from '../../src/devkit/scaffold.ts';
import { findModuleFiles } from '../../src/service/loader.ts';
import { cleanup, REPO, tempDir } from '../service/harness.ts';

const BIN = join(REPO, 'bin/clixon-tsapi.mjs');

const NPM = join(dirname(process.execPath), 'npm');

/** A command as a user runs it from a shell: not inside this test run (NODE_TEST_CONTEXT would nest its runner into ours). */
function shell(cwd: string, command: string, args: string[], extraEnv: Record<string, string> = {}): Promise<{ code: number | null; out: string }> {
  const { NODE_TEST_CONTEXT: _, ...env } = process.env;
  const child = spawn(command, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'], env: { ...env, NO_COLOR: '1', ...extraEnv } });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  return new Promise((resolve) => child.once('exit', (code) => resolve({ code, out })));
}

const run = (cwd: string, ...args: string[]): Promise<{ code: number | null; out: string }> => shell(cwd, process.execPath, [BIN, ...args]);

test('new, then npm test passes and try prints the device diff', async (t) => {
  const dir = tempDir('tsapi-new-');
  t.after(() => cleanup(dir));
  const made = await run(dir, 'new', 'motd', '--dir', 'services');
  assert.equal(made.code, 0, made.out);
  for (const f of ['services/motd/motd.ts', 'services/motd/motd.test.ts', 'services/motd/motd.xml', 'package.json', 'tsconfig.json']) {
    assert.ok(existsSync(join(dir, f)), `${f} written`);
  }
  const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { scripts: { test: string } };
  assert.equal(pkg.scripts.test, 'clixon-tsapi test services');

  // `npm test` as after a global install: the command on PATH.
  const bin = join(dir, '.bin');
  mkdirSync(bin);
  symlinkSync(BIN, join(bin, 'clixon-tsapi'));
  const tested = await shell(dir, NPM, ['test'], { PATH: `${bin}:${dirname(process.execPath)}:${process.env.PATH ?? ''}` });
  assert.equal(tested.code, 0, tested.out);
  assert.match(tested.out, /# pass 4\n# fail 0/);
  assert.match(tested.out, /^ok \d+ - check: the module keeps its properties$/m);

  // Its tsconfig finds this package's types from a folder outside the repo.
  const tsc = spawnSync(process.execPath, [join(REPO, 'node_modules/typescript/bin/tsc'), '-p', dir], { encoding: 'utf8' });
  assert.equal(tsc.status, 0, tsc.stdout + tsc.stderr);

  const tried = await run(dir, 'try', 'services/motd', 'services/motd/motd.xml', 'motd', 'example', '--no-color', '-q');
  assert.equal(tried.code, 0, tried.out);
  assert.match(tried.out, /^dev1:\n[^]*^\+\s+<motd-banner>Hello from clixon-tsapi<\/motd-banner>$/m);
  assert.doesNotMatch(tried.out, /dev2:/);
});

test('the YANG augments the controller services with created-by-service; the loader skips the test', (t) => {
  const dir = tempDir('tsapi-new-');
  t.after(() => cleanup(dir));
  const written = scaffold('acl-v4', { root: dir, dir: 'modules', date: new Date('2026-03-04T12:00:00Z') });
  assert.ok(written.includes(join('modules', 'acl-v4', 'acl-v4@2026-03-04.yang')), written.join(', '));
  const yang = readFileSync(join(dir, 'modules/acl-v4/acl-v4@2026-03-04.yang'), 'utf8');
  assert.match(yang, /import clixon-controller \{ prefix ctrl; \}/);
  assert.match(yang, /augment "\/ctrl:services" \{\s+list acl-v4 \{[^]*key name;[^]*uses ctrl:created-by-service;/);
  assert.deepEqual(findModuleFiles([join(dir, 'modules')]), [join(dir, 'modules/acl-v4/acl-v4.ts')]);
  assert.throws(() => scaffold('acl-v4', { root: dir }), ScaffoldError);
  assert.throws(() => scaffold("x']; evil", { root: dir }), ScaffoldError);
});
