/**
 * Supervision: whatever launches the server (node, the tsx CLI, npx, npm run, the bin), a
 * SIGTERM to the pid the supervisor started stops the server, with no orphan left. Also
 * the launcher recognition on sample command lines and a fake /proc.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { isLauncher, launcherChain, watchLaunchers } from '../../src/service/launchers.ts';
import { isAlive } from '../../src/service/pidfile.ts';
import { waitUntil } from '../deadline.ts';
import { REPO, ServerProcess, sim, tempDir } from './harness.ts';

const NODE_BIN = dirname(process.execPath);

const LAUNCHERS: Record<string, string[]> = {
  'node --import tsx': [process.execPath, '--import', 'tsx', 'src/server.ts'],
  'tsx CLI': [join(REPO, 'node_modules/.bin/tsx'), 'src/server.ts'],
  'npx tsx': [join(NODE_BIN, 'npx'), 'tsx', 'src/server.ts'],
  'npm run server': [join(NODE_BIN, 'npm'), 'run', 'server', '--'],
  'clixon-tsapi server': [join(REPO, 'bin/clixon-tsapi.mjs'), 'server'],
  'clixon-tsapi-server': [join(REPO, 'bin/clixon-tsapi-server.mjs')],
};

describe('a SIGTERM to the launcher stops the server', { concurrency: 2 }, () => {
  for (const [name, [command, ...args]] of Object.entries(LAUNCHERS)) {
    test(name, async (t) => {
      const dir = tempDir('tsapi-launch-');
      const modules = join(dir, 'modules');
      mkdirSync(modules);
      const s = await sim(dir);
      t.after(() => s.close());
      const pidFile = join(dir, 'server.pid');
      const child = spawn(command!, [...args, '-m', modules, '-s', s.path!, '-p', pidFile, '-F'], {
        cwd: REPO,
        stdio: ['ignore', 'pipe', 'pipe'],
        env: { ...process.env, PATH: `${NODE_BIN}:${process.env.PATH ?? ''}`, NODE_TEST_CONTEXT: '', CLIXON_TSAPI_LOG: '', NO_COLOR: '1' },
      });
      const server = new ServerProcess(child);
      let serverPid = 0;
      t.after(() => {
        // Only if the test failed: leave no server behind.
        if (serverPid > 0 && isAlive(serverPid)) process.kill(serverPid, 'SIGKILL');
      });
      await server.waitFor(/waiting for services-commit/);
      serverPid = Number(readFileSync(pidFile, 'utf8').trim());
      assert.ok(serverPid > 0 && isAlive(serverPid));
      child.kill('SIGTERM');
      await waitUntil(`server ${serverPid} to exit`, () => !isAlive(serverPid));
      await server.exited;
    });
  }
});

describe('launcher recognition', () => {
  test('npm, npx, sh -c and node running tsx/npm are launchers; the server and others are not', () => {
    assert.ok(isLauncher(['npm exec tsx src/server.ts']));
    assert.ok(isLauncher(['npx', 'tsx', 'src/server.ts']));
    assert.ok(isLauncher(['sh', '-c', "'tsx' src/server.ts"]));
    assert.ok(isLauncher(['node', '/x/node_modules/.bin/tsx', 'src/server.ts']));
    assert.ok(isLauncher(['/usr/bin/node', '/usr/lib/node_modules/npm/bin/npm-cli.js', 'run', 'server']));
    assert.ok(!isLauncher(['/usr/bin/node', '--import', 'tsx', 'src/server.ts']));
    assert.ok(!isLauncher(['node', '/usr/bin/clixon-tsapi', 'server']));
    assert.ok(!isLauncher(['sh', 'script.sh']));
    assert.ok(!isLauncher(['/usr/sbin/clixon_backend', '-f', 'controller.xml']));
  });

  test('the chain stops at the first non-launcher; the watch fires when a launcher is re-parented', async () => {
    const proc = tempDir('tsapi-proc-');
    const fake = (pid: number, ppid: number, argv: string[]): void => {
      mkdirSync(join(proc, String(pid)), { recursive: true });
      writeFileSync(join(proc, String(pid), 'stat'), `${pid} (some (odd) name) S ${ppid} 0 0`);
      writeFileSync(join(proc, String(pid), 'cmdline'), `${argv.join('\0')}\0`);
    };
    fake(100, 50, ['node', '--import', 'tsx', 'src/server.ts']);
    fake(50, 40, ['node', '/x/.bin/tsx', 'src/server.ts']);
    fake(40, 30, ['sh', '-c', 'tsx src/server.ts']);
    fake(30, 20, ['npm exec tsx src/server.ts']);
    fake(20, 1, ['/usr/sbin/clixon_backend']);
    const chain = launcherChain(100, proc);
    // The controller that started it all ends the chain.
    assert.deepEqual(chain.map((l) => [l.pid, l.ppid]), [[50, 40], [40, 30], [30, 20], [20, 1]]);
    const gone = new Promise<string>((resolve) => watchLaunchers(chain, resolve, 20, proc));
    // The watch's timer does not hold the process open (nor, alone, this test).
    const hold = setTimeout(() => undefined, 20_000);
    fake(40, 1, ['sh', '-c', 'tsx src/server.ts']);
    assert.match(await gone, /launcher 40 .* lost its parent 30/);
    clearTimeout(hold);
  });

  test('started by the controller itself: the server stops when the controller is gone', async () => {
    const proc = tempDir('tsapi-proc-');
    const fake = (pid: number, ppid: number, argv: string[]): void => {
      mkdirSync(join(proc, String(pid)), { recursive: true });
      writeFileSync(join(proc, String(pid), 'stat'), `${pid} (x) S ${ppid} 0 0`);
      writeFileSync(join(proc, String(pid), 'cmdline'), `${argv.join('\0')}\0`);
    };
    fake(100, 20, ['/usr/bin/node', '/opt/clixon-tsapi/bin/clixon-tsapi-server.mjs', '-F']);
    fake(20, 1, ['/usr/local/sbin/clixon_backend', '-f', 'controller.xml']);
    const chain = launcherChain(100, proc);
    assert.deepEqual(chain.map((l) => [l.pid, l.ppid]), [[20, 1]]);
    const gone = new Promise<string>((resolve) => watchLaunchers(chain, resolve, 20, proc));
    const hold = setTimeout(() => undefined, 20_000);
    rmSync(join(proc, '20'), { recursive: true });
    assert.match(await gone, /20 .*clixon_backend.* is gone/);
    clearTimeout(hold);
    // Started by anything else (a shell, a test, systemd), the server stays on its own.
    fake(100, 30, ['/usr/bin/node', 'server.mjs']);
    fake(30, 1, ['/usr/lib/systemd/systemd']);
    assert.deepEqual(launcherChain(100, proc), []);
  });
});
