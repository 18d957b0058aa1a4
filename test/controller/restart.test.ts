/**
 * The server's life beside the real controller: the controller restarted under a running
 * server, and the controller starting and supervising our server itself through
 * CONTROLLER_ACTION_COMMAND, as the README sets it up, with its CLI's
 * `processes services status|stop|start|restart`.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { isAlive } from '../../src/service/pidfile.ts';
import { waitUntil } from '../deadline.ts';
import { cli, CONFIG_FILE, configure, deviceParams, moduleDir, REPO, reset, restartController, serve, testsvcModule } from './rig.ts';

describe('the controller restarted under a running server', () => {
  it('reconnects, subscribes again and serves the next commit', async () => {
    const server = await serve(moduleDir({ 'testsvc.ts': testsvcModule() }));
    try {
      await reset();
      const from = server.lines.length;
      await restartController();
      await server.waitFor(/waiting for services-commit/, from);
      await configure('set', 'services', 'testsvc', 'r1', 'params', 'x1');
      assert.match(await configure('commit'), /OK/);
      assert.deepEqual(await deviceParams(), { dev1: ['x1=r1'], dev2: ['x1=r1'] });
      await reset();
    } finally {
      await server.stop();
    }
  });
});

describe('the controller runs our server through CONTROLLER_ACTION_COMMAND', () => {
  const modules = moduleDir({ 'testsvc.ts': testsvcModule() });
  const base = dirname(modules);
  const pidFile = join(base, 'clixon_server.pid');
  const config = join(base, 'controller.xml');
  // The README's line, with this checkout's paths.
  const command = `${process.execPath} ${REPO}bin/clixon-tsapi-server.mjs -f ${config} -F -l s`;
  writeFileSync(
    config,
    readFileSync(CONFIG_FILE, 'utf8')
      .replace(/(<CONTROLLER_ACTION_COMMAND[^>]*>)[^<]*(<\/CONTROLLER_ACTION_COMMAND>)/, `$1${command}$2`)
      .replace(/(<CONTROLLER_PYAPI_MODULE_PATH[^>]*>)[^<]*(<\/CONTROLLER_PYAPI_MODULE_PATH>)/, `$1${modules}$2`)
      .replace(/(<CONTROLLER_PYAPI_PIDFILE[^>]*>)[^<]*(<\/CONTROLLER_PYAPI_PIDFILE>)/, `$1${pidFile}$2`),
  );
  // The controller starts it as its backend user: that user writes the pid file here.
  chmodSync(base, 0o777);

  const serverPid = (): number | undefined => (existsSync(pidFile) ? Number(readFileSync(pidFile, 'utf8').trim()) || undefined : undefined);
  const running = async (): Promise<boolean> => {
    const pid = serverPid();
    return pid !== undefined && isAlive(pid) && /running/i.test((await cli('processes', 'services', 'status')).output);
  };
  /** Every server process started with this test's config file: none may outlive a stop. */
  const ours = (): number[] => {
    const found: number[] = [];
    for (const p of readdirSyncSafe('/proc')) {
      if (!/^\d+$/.test(p)) continue;
      try {
        const cmd = readFileSync(`/proc/${p}/cmdline`, 'utf8');
        if (cmd.includes(config) && cmd.includes('clixon-tsapi-server')) found.push(Number(p));
      } catch {
        // gone meanwhile
      }
    }
    return found;
  };
  const served = async (instance: string, param: string): Promise<void> => {
    // Our session (hello transport ctrl:services) comes just before its subscriptions; a
    // commit in between would wait for a handler nobody is yet: then it is committed again.
    await waitUntil('our server session', async () => /ctrl:services/.test((await cli('show', 'sessions')).output));
    await configure('set', 'services', 'testsvc', instance, 'params', param);
    let out = (await cli('-m', 'configure', 'commit')).output;
    if (/Timeout waiting for service daemon/.test(out)) out = (await cli('-m', 'configure', 'commit')).output;
    assert.match(out, /OK/);
    const params = await deviceParams();
    assert.ok(params.dev1!.includes(`${param}=${instance}`), JSON.stringify(params));
  };

  after(async () => {
    await restartController();
    for (const pid of ours()) process.kill(pid, 'SIGKILL');
  });

  it('starts it with the controller; status, stop (no process left), start and restart work on it', async () => {
    await restartController(config);
    await waitUntil('the controller to start our server', running);
    await reset();
    await served('a1', 'p1');

    const first = serverPid()!;
    await cli('processes', 'services', 'stop');
    await waitUntil('our server to stop', () => ours().length === 0 && !isAlive(first));
    assert.match((await cli('processes', 'services', 'status')).output, /stopped/i);

    await cli('processes', 'services', 'start');
    await waitUntil('our server to start again', async () => (await running()) && serverPid() !== first);
    await served('a2', 'p2');

    const second = serverPid()!;
    await cli('processes', 'services', 'restart');
    await waitUntil('a new server after restart', async () => (await running()) && serverPid() !== second && !isAlive(second));
    await served('a3', 'p3');
    assert.equal(ours().length, 1, `one server process, got ${ours().join(', ')}`);
    await reset();
  });

  it('the controller going away takes our server with it (its next start starts a new one)', async () => {
    const pid = serverPid()!;
    await restartController();
    // Left running, it would hold the services-commit subscription unsupervised: the next
    // controller's own server could not subscribe and `processes services stop` would miss it.
    await waitUntil('our server to stop with its controller', () => ours().length === 0 && !isAlive(pid));
  });
});

function readdirSyncSafe(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}
