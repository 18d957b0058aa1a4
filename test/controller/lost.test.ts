/**
 * What the real controller does with a transaction whose service server goes away
 * mid-transaction, and that the next commit is served: the server killed, the connection
 * dropped under a live server, and a reply held back until the server's deadline (the
 * server then hangs up and answers on a new connection). Between server and controller
 * sits a proxy this test controls.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, createConnection, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createDecoder, Session, rpc } from '../../src/netconf/index.ts';
import { cli, CONFIG_FILE, configure, deviceParams, moduleDir, reset, serve, SOCK, testsvcModule } from './rig.ts';
import { startServer, type ServerProcess } from '../service/harness.ts';

/** The controller's wait in this test, seconds: the server's requests get 7 s of it, modules 6 s. */
const SERVICE_TIMEOUT_S = 8;

interface Proxy {
  path: string;
  /** From the next request whose text matches, nothing more goes from the controller to the server on that connection. */
  holdRepliesAfter(match: RegExp): void;
  /** Drops every connection, both sides. */
  dropAll(): void;
  close(): Promise<void>;
}

/** A UNIX-socket proxy to the controller's socket. */
async function startProxy(): Promise<Proxy> {
  const dir = mkdtempSync(join(tmpdir(), 'tsapi-proxy-'));
  const path = join(dir, 'proxy.sock');
  const pairs = new Set<[Socket, Socket]>();
  let hold: RegExp | undefined;
  const server = createServer((client) => {
    const upstream = createConnection({ path: SOCK });
    const pair: [Socket, Socket] = [client, upstream];
    pairs.add(pair);
    let held = false;
    const requests = createDecoder('chunked');
    client.on('data', (d: Buffer) => {
      for (const xml of requests.push(d)) {
        if (hold && hold.test(xml)) {
          hold = undefined;
          held = true;
        }
      }
      upstream.write(d);
    });
    upstream.on('data', (d: Buffer) => {
      if (!held) client.write(d);
    });
    const end = (): void => {
      client.destroy();
      upstream.destroy();
      pairs.delete(pair);
    };
    client.on('close', end).on('error', end);
    upstream.on('close', end).on('error', end);
  });
  await new Promise<void>((resolve) => server.listen(path, resolve));
  return {
    path,
    holdRepliesAfter: (match) => (hold = match),
    dropAll: () => {
      for (const [a, b] of pairs) {
        a.destroy();
        b.destroy();
      }
    },
    close: async () => {
      for (const [a, b] of pairs) {
        a.destroy();
        b.destroy();
      }
      await new Promise<void>((resolve) => server.close(() => resolve()));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The controller's record of tid: state, result, origin and reason. */
async function transaction(tid: string): Promise<Record<string, string>> {
  const s = await Session.connect({ path: SOCK, timeout: 60_000 });
  try {
    const t = (await s.rpc(rpc.transactionsQuery({ user: s.user, tid }))).find('data/transactions/transaction');
    const out: Record<string, string> = {};
    for (const c of t?.getChildren() ?? []) if (c.getChildren().length === 0) out[c.getName()] = String(c.getData() ?? '');
    return out;
  } finally {
    await s.close();
  }
}

/** services/service-timeout as the controller holds it (undefined: not set). */
async function serviceTimeout(): Promise<string | undefined> {
  const s = await Session.connect({ path: SOCK, timeout: 60_000 });
  try {
    const reply = await s.rpc(rpc.getConfig({ user: s.user, source: 'running', xpath: '/ctrl:services/ctrl:service-timeout' }));
    const v = reply.find('data/services/service-timeout')?.getData();
    return v === undefined || v === null ? undefined : String(v);
  } finally {
    await s.close();
  }
}

function backendLogSince(offset: number): string {
  const pidFile = /<CLICON_BACKEND_PIDFILE>([^<]+)<\/CLICON_BACKEND_PIDFILE>/.exec(readFileSync(CONFIG_FILE, 'utf8'))?.[1];
  if (!pidFile) return '';
  return readFileSync(join(dirname(pidFile), 'backend.log'), 'utf8').slice(offset);
}

function backendLogSize(): number {
  return backendLogSince(0).length;
}

/** A commit of a new instance pushes its parameter to both devices; then back to no instances. */
async function nextCommitServed(instance: string): Promise<void> {
  await configure('set', 'services', 'testsvc', instance, 'params', 'q');
  assert.match(await configure('commit'), /OK/);
  assert.deepEqual(await deviceParams(), { dev1: [`q=${instance}`], dev2: [`q=${instance}`] });
  await reset();
}

describe('a transaction whose service server goes away, on the real controller', () => {
  let timeoutBefore: string | undefined;
  const go = join(mkdtempSync(join(tmpdir(), 'tsapi-go-')), 'go');
  // Instance 'held' waits for the go file; devices other than dev1 and dev2 are left alone.
  const modules = moduleDir({
    'testsvc.ts': testsvcModule()
      .replace('(root, log, ctx) => {', 'async (root, log, ctx) => {')
      .replace("if (name === 'boom')", `if (name === 'held') while (!existsSync(${JSON.stringify(go)})) await new Promise((r) => setTimeout(r, 20));\n    if (name === 'boom')`)
      .replace("for (const dev of root.devices?.getElements('device') ?? []) {", "for (const dev of (root.devices?.getElements('device') ?? []).filter((d) => ['dev1', 'dev2'].includes(String(d.child('name')?.getData())))) {")
      .replace("import { parseTemplate", "import { existsSync } from 'node:fs';\nimport { parseTemplate"),
  });
  const pidFile = join(dirname(modules), 'server.pid');

  before(async () => {
    timeoutBefore = await serviceTimeout();
    await configure('set', 'services', 'service-timeout', String(SERVICE_TIMEOUT_S));
    await configure('commit');
  });

  after(async () => {
    rmSync(go, { force: true });
    const server = await serve(modules);
    await reset().catch(() => undefined);
    // The CLI deletes a leaf by its value.
    if (timeoutBefore === undefined) await configure('delete', 'services', 'service-timeout', String(SERVICE_TIMEOUT_S));
    else await configure('set', 'services', 'service-timeout', timeoutBefore);
    await configure('commit');
    await server.stop();
  });

  /** Our server through a fresh proxy, subscribed, the controller reset; both stopped after `fn`. */
  async function throughProxy(fn: (proxy: Proxy, server: ServerProcess) => Promise<void>): Promise<void> {
    const proxy = await startProxy();
    const server = startServer(['-F', '-l', 'o', '-d', '-s', proxy.path, '-m', modules, '-p', pidFile]);
    try {
      await server.waitFor(/waiting for services-commit/);
      await reset();
      await fn(proxy, server);
    } finally {
      await server.stop();
      await proxy.close();
    }
  }

  /** Starts a CLI commit of instance `name` (resolves with its output when the controller is done) and the tid our server saw. */
  async function commitHeld(server: ServerProcess, name: string): Promise<{ output: Promise<string>; tid: string }> {
    rmSync(go, { force: true });
    await configure('set', 'services', 'testsvc', name, 'params', 'p1');
    const from = server.lines.length;
    const output = cli('-m', 'configure', 'commit').then((r) => r.output);
    const line = await server.waitFor(/services-commit tid \d+/, from);
    return { output, tid: /tid (\d+)/.exec(line)![1]! };
  }

  it('the server killed mid-transaction: the controller waits out its service-timeout, then fails the transaction; a new server (stale pid file) serves the next commit', async () => {
    const server = startServer(['-F', '-l', 'o', '-d', '-s', SOCK, '-m', modules, '-p', pidFile]);
    await server.waitFor(/waiting for services-commit/);
    await reset();
    const log = backendLogSize();
    const { output, tid } = await commitHeld(server, 'held');
    const killedAt = Date.now();
    server.child.kill('SIGKILL');
    await server.exited;
    const during = await transaction(tid);
    const out = await output;
    const waited = (Date.now() - killedAt) / 1000;
    const done = await transaction(tid);
    console.log(`killed: tid ${tid} after the kill ${JSON.stringify(during)}; CLI after ${waited.toFixed(1)} s: ${out.trim()}; then ${JSON.stringify(done)}`);
    console.log(`backend.log: ${backendLogSince(log).trim()}`);
    assert.equal(during.state, 'ACTIONS');
    assert.match(out, /Timeout waiting for service daemon/);
    assert.equal(done.result, 'FAILED');
    assert.equal(done.reason, 'Timeout waiting for service daemon');
    await configure('discard');

    const next = await serve(modules);
    try {
      await nextCommitServed('after1');
    } finally {
      await next.stop();
    }
  });

  it('the connection dropped under a live server: the server logs the tid unanswered and reconnects; the controller fails the transaction at its timeout; the next commit is served', async () => {
    await throughProxy(async (proxy, server) => {
      const log = backendLogSize();
      const { output, tid } = await commitHeld(server, 'held');
      const from = server.lines.length;
      proxy.dropAll();
      writeFileSync(go, '');
      const unanswered = await server.waitFor(new RegExp(`tid ${tid}: not answered`), from);
      await server.waitFor(/waiting for services-commit/, from);
      const out = await output;
      const done = await transaction(tid);
      console.log(`dropped: server: ${unanswered}; CLI: ${out.trim()}; controller: ${JSON.stringify(done)}`);
      console.log(`backend.log: ${backendLogSince(log).trim()}`);
      // EOF, or EPIPE when the server wrote first.
      assert.match(unanswered, /the backend closed the connection|the connection to the backend was lost/);
      assert.match(out, /Timeout waiting for service daemon/);
      assert.equal(done.result, 'FAILED');
      assert.equal(server.grep(new RegExp(`<transaction-error .*<tid>${tid}</tid>`)).length, 0, 'no answer sent for it');
      await configure('discard');

      await nextCommitServed('after2');
    });
  });

  it("a reply held back past the server's deadline: the server hangs up, and its transaction-error on a new connection is taken for that transaction; the next commit is served", async () => {
    await throughProxy(async (proxy, server) => {
      const log = backendLogSize();
      proxy.holdRepliesAfter(/<get-config><source><actions/);
      await configure('set', 'services', 'testsvc', 'h1', 'params', 'p1');
      const from = server.lines.length;
      const started = Date.now();
      const out = (await cli('-m', 'configure', 'commit')).output;
      const took = (Date.now() - started) / 1000;
      const tid = /services-commit tid (\d+)/.exec(server.lines.slice(from).join('\n'))?.[1] ?? '';
      const done = await transaction(tid);
      console.log(`held back: CLI after ${took.toFixed(1)} s: ${out.trim()}; controller: ${JSON.stringify(done)}`);
      console.log(`server: ${server.grep(new RegExp(`tid ${tid}:`), from).join(' | ')}`);
      console.log(`backend.log: ${backendLogSince(log).trim()}`);
      assert.match(out, /failed in tsapi/);
      assert.match(out, /timed out after \d+ ms waiting for reply to <get-config>/);
      assert.equal(done.result, 'FAILED');
      assert.equal(done.origin, 'tsapi');
      // Origin tsapi: our answer came first (the controller's own timeout would say Actions).
      await configure('discard');

      await nextCommitServed('after3');
    });
  });
});
