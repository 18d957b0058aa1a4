/**
 * `npm run test:controller` (test/controller/run.ts): skipped in one line without
 * CLIXON_CONTROLLER_CONFIG; failed, loudly and with exit 1, when it names a controller that
 * does not answer or a file that cannot be read: a suite asked for that cannot run is no pass.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { writeFileSync } from 'node:fs';
import { cleanup, REPO, tempDir } from '../service/harness.ts';

function run(env: Record<string, string | undefined>): { status: number | null; out: string } {
  const r = spawnSync(process.execPath, ['--import', 'tsx', join(REPO, 'test/controller/run.ts')], { env: { ...process.env, ...env }, encoding: 'utf8', timeout: 120_000 });
  return { status: r.status, out: r.stdout + r.stderr };
}

test('test:controller: unset skips (exit 0); a controller that does not answer, or no such file, fails (exit 1) saying why', (t) => {
  const dir = tempDir();
  t.after(() => cleanup(dir));
  const skipped = run({ CLIXON_CONTROLLER_CONFIG: undefined });
  assert.equal(skipped.status, 0, skipped.out);
  assert.match(skipped.out, /test:controller skipped: CLIXON_CONTROLLER_CONFIG is not set/);

  const config = join(dir, 'controller.xml');
  writeFileSync(config, `<clixon-config xmlns="http://clicon.org/config"><CLICON_SOCK>${join(dir, 'no.sock')}</CLICON_SOCK></clixon-config>`);
  const dead = run({ CLIXON_CONTROLLER_CONFIG: config });
  assert.equal(dead.status, 1, dead.out);
  assert.match(dead.out, /test:controller FAILED: .* does not answer \(cannot connect to the backend at .*no\.sock/);

  const missing = run({ CLIXON_CONTROLLER_CONFIG: join(dir, 'none.xml') });
  assert.equal(missing.status, 1, missing.out);
  assert.match(missing.out, /test:controller FAILED: cannot read CLIXON_CONTROLLER_CONFIG/);
});
