/**
 * The module host's worker accounting: close() right after a run was stopped at its
 * timeout leaves no worker behind, so the process exits on its own. Run in a child
 * process, since a leaked worker would keep the process it lives in up for ever.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { REPO } from './harness.ts';

const FIXTURE = fileURLToPath(new URL('./fixtures/close-after-timeout.ts', import.meta.url));
/** Hosts side by side: one is enough to hit the race with a 50 ms timeout (the spare is still starting), more make it certain. */
const HOSTS = 3;
/** A safety net only: the child normally exits within seconds. */
const DEADLINE_MS = 120_000;

test('close() right after a module ran past its timeout: no worker is left and the process exits on its own', async () => {
  const child = spawn(process.execPath, ['--import', 'tsx', FIXTURE, String(HOSTS)], { cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NODE_TEST_CONTEXT: '' } });
  let stdout = '';
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  // The report line says how many workers each host still has: any left means the child cannot exit, so stop waiting.
  const report = new Promise<{ outcome: string; live: number }[]>((resolve) => {
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
      if (stdout.includes('\n')) resolve(JSON.parse(stdout.slice(0, stdout.indexOf('\n'))) as { outcome: string; live: number }[]);
    });
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const deadline = new Promise<'deadline'>((resolve) => setTimeout(() => resolve('deadline'), DEADLINE_MS).unref());
  try {
    const results = await Promise.race([report, exited.then(() => report), deadline]);
    assert.notEqual(results, 'deadline', `no report from the child: ${stderr}`);
    assert.equal((results as unknown[]).length, HOSTS);
    for (const r of results as { outcome: string; live: number }[]) {
      assert.match(r.outcome, /did not finish within [\d.]+ s and was stopped/);
      assert.equal(r.live, 0, `a worker outlived close(): ${stdout}`);
    }
    assert.equal(await Promise.race([exited, deadline]), 0, `the child did not exit on its own: ${stderr}`);
  } finally {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }
});
