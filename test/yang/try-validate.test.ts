/**
 * `try` as a user runs it, on a copy of the banner example with the banner leaf misspelled
 * (login-baner): exit 1, the path, the copy's own file:line; the example itself passes.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO = fileURLToPath(new URL('../../', import.meta.url));
const OC = join(REPO, 'test/fixtures/yang/openconfig');
const CONFIG = join(REPO, 'test/modules/banner.xml');

function runTry(module: string): { status: number | null; out: string } {
  const r = spawnSync(process.execPath, ['--import', 'tsx', join(REPO, 'src/try.ts'), module, CONFIG, 'banner', 'motd', '--yang', OC, '--no-color'], {
    cwd: REPO,
    encoding: 'utf8',
    env: { ...process.env, NO_COLOR: '1' },
    timeout: 120_000,
  });
  return { status: r.status, out: `${r.stdout}${r.stderr}` };
}

test('try: a misspelled leaf fails with its path and the module file:line; the example passes', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'try-yang-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const src = join(REPO, 'modules/banner');
  copyFileSync(join(src, 'banner@2026-01-01.yang'), join(dir, 'banner@2026-01-01.yang'));
  // Its generated types are imported as types only: nothing of them is loaded at run time.
  const text = readFileSync(join(src, 'banner.ts'), 'utf8').replace(/\.\.\/\.\.\/src\//g, `${REPO}src/`);
  const bad = text.replace("sysConfig.create('login-banner'", "sysConfig.create('login-baner'");
  assert.notEqual(bad, text);
  writeFileSync(join(dir, 'banner.ts'), bad);
  const line = bad.split('\n').findIndex((l) => l.includes("'login-baner'")) + 1;

  const failed = runTry(dir);
  assert.equal(failed.status, 1, failed.out);
  assert.match(failed.out, /\/devices\/device\[name='dev1'\]\/config\/system\/config\/login-baner: unknown element login-baner/);
  assert.ok(failed.out.includes(`created at ${join(dir, 'banner.ts')}:${line}`), failed.out);

  const ok = runTry(join(REPO, 'modules/banner'));
  assert.equal(ok.status, 0, ok.out);
  assert.match(ok.out, /\+\s+<login-banner>Authorised use only<\/login-banner>/);
});
