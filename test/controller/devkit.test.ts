/**
 * `try` against the real controller's own answer: for a service change, `try` on the
 * candidate config prints the same text as the controller CLI's `commit diff`.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { ServerProcess } from '../service/harness.ts';
import { client, configure, moduleDir, REPO, reset, serve, SOCK, testsvcModule } from './rig.ts';

function runTry(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['--import', 'tsx', join(REPO, 'src/try.ts'), ...args], { cwd: REPO, env: { ...process.env, NO_COLOR: '1' }, timeout: 180_000 }, (err, stdout, stderr) =>
      resolve({ code: err === null ? 0 : typeof err.code === 'number' ? err.code : 1, stdout, stderr }),
    );
  });
}

describe('try prints what the controller prints', () => {
  const modules = moduleDir({ 'testsvc.ts': testsvcModule() });
  let server: ServerProcess;

  before(async () => {
    server = await serve(modules);
    await reset();
  });

  after(async () => {
    await reset().catch(() => undefined);
    await server?.stop();
  });

  for (const [what, change] of [
    ['a new instance', [['set', 'services', 'testsvc', 'd1', 'params', 'n1'], ['set', 'services', 'testsvc', 'd1', 'params', 'n2']]],
    ['a changed instance', [['delete', 'services', 'testsvc', 'd1', 'params', 'n1'], ['set', 'services', 'testsvc', 'd1', 'params', 'n3']]],
  ] as const) {
    it(`${what}: the same per-device diff as commit diff`, async () => {
      for (const c of change) await configure(...c);
      const controller = await configure('commit', 'diff');
      const config = join(dirname(modules), 'candidate.xml');
      {
        await using cx = await client({ source: 'candidate', readOnly: true });
        writeFileSync(config, (await cx.getRoot()).dumps());
      }
      // The devices' module-sets from the controller: the module writes where clixon-example is.
      const ours = await runTry([modules, config, 'testsvc', 'd1', '--models', SOCK]);
      assert.equal(ours.code, 0, ours.stderr);
      assert.equal(ours.stdout.trimEnd(), controller.trimEnd());
      await configure('commit');
    });
  }
});
