/**
 * The services-commit cycle on the real controller, driven from its own CLI as an operator
 * would: commit diff, commit push (read back from the devices), a module error and its
 * reason in the CLI output, removal, several instances, instance delete, apply services,
 * post-commit hooks, a module slower than the controller's timeout, and a commit by
 * another user whose name our server's RPCs carry.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { CONTROLLER_NS as CTRL, Session, rpc } from '../../src/netconf/index.ts';
import type { ServerProcess } from '../service/harness.ts';
import { cli, CONFIG_FILE, configure, deviceParams, moduleDir, reset, serve, SOCK, testsvcModule } from './rig.ts';

describe('services-commit cycle on the real controller', () => {
  let server: ServerProcess;
  let hookFile: string;

  before(async () => {
    const dir = moduleDir({});
    hookFile = join(dirname(dir), 'hooks.log');
    const hooks = `
import { appendFileSync } from 'node:fs';
export const setupPostCommit: ServiceModule['setup'] = (_root, _log, ctx) => appendFileSync(${JSON.stringify(hookFile)}, 'post ' + ctx.tid + ' ' + ctx.result + '\\n');
export const setupPostCommitFailed: ServiceModule['setup'] = (_root, _log, ctx) => appendFileSync(${JSON.stringify(hookFile)}, 'failed ' + ctx.tid + ' ' + ctx.result + '\\n');
`;
    // 'slow' never finishes: the controller's timeout is what it runs into.
    const module = testsvcModule(hooks).replace(
      "if (name === 'boom')",
      "if (name === 'slow') await new Promise(() => {});\n    if (name === 'boom')",
    ).replace('(root, log, ctx) => {', 'async (root, log, ctx) => {');
    const { writeFileSync } = await import('node:fs');
    writeFileSync(join(dir, 'testsvc.ts'), module);
    // As deployed: the controller's own config file (socket, YANG folders), frames logged.
    server = await serve(dir, ['-f', CONFIG_FILE]);
    await reset();
  });

  after(async () => {
    await reset().catch(() => undefined);
    await server?.stop();
  });

  const hookLines = (): string[] => (existsSync(hookFile) ? readFileSync(hookFile, 'utf8').trim().split('\n') : []);

  it('commit diff shows what the module would do on each device and changes nothing; commit pushes it', async () => {
    await configure('set', 'services', 'testsvc', 's1', 'params', 'p1');
    await configure('set', 'services', 'testsvc', 's1', 'params', 'p2');
    const diff = await configure('commit', 'diff');
    for (const d of ['dev1', 'dev2']) assert.match(diff, new RegExp(`${d}:\\n(\\+.*\\n)*\\+\\s+<table xmlns="urn:example:clixon">`), diff);
    assert.match(diff, /\+\s+<name>p1<\/name>\n\+\s+<value>s1<\/value>/);
    assert.match(diff, /\+\s+<name>p2<\/name>/);
    assert.match(diff, /OK\s*$/);
    assert.deepEqual(await deviceParams(), { dev1: [], dev2: [] });

    const out = await configure('commit');
    assert.match(out, /OK/);
    assert.deepEqual(await deviceParams(), { dev1: ['p1=s1', 'p2=s1'], dev2: ['p1=s1', 'p2=s1'] });
  });

  it('a module error: its reason, naming the module, in the CLI output; the devices are untouched', async () => {
    await configure('set', 'services', 'testsvc', 'boom', 'params', 'x');
    const r = await cli('-m', 'configure', 'commit');
    assert.match(r.output, /failed in tsapi/);
    assert.match(r.output, /Service module testsvc returned an error:\s+boom requested/);
    assert.match(r.output, /testsvc\.ts for instance boom/);
    await configure('discard');
    assert.deepEqual(await deviceParams(), { dev1: ['p1=s1', 'p2=s1'], dev2: ['p1=s1', 'p2=s1'] });
  });

  it('removing a param removes it from the devices', async () => {
    await configure('delete', 'services', 'testsvc', 's1', 'params', 'p2');
    await configure('commit');
    assert.deepEqual(await deviceParams(), { dev1: ['p1=s1'], dev2: ['p1=s1'] });
  });

  it('two instances in one commit are served in one transaction', async () => {
    const from = server.lines.length;
    await configure('set', 'services', 'testsvc', 's2', 'params', 'q1');
    await configure('set', 'services', 'testsvc', 's3', 'params', 'q2');
    await configure('commit');
    const seen = server.grep(/services-commit tid \d+:/, from);
    assert.equal(seen.length, 1, seen.join('\n'));
    assert.match(seen[0]!, /testsvc\[name='s2'\]/);
    assert.match(seen[0]!, /testsvc\[name='s3'\]/);
    const all = ['p1=s1', 'q1=s2', 'q2=s3'];
    assert.deepEqual(await deviceParams(), { dev1: all, dev2: all });
  });

  it('deleting an instance removes only what it created', async () => {
    await configure('delete', 'services', 'testsvc', 's2');
    await configure('commit');
    assert.deepEqual(await deviceParams(), { dev1: ['p1=s1', 'q2=s3'], dev2: ['p1=s1', 'q2=s3'] });
  });

  it('apply services re-applies one instance, then all', async () => {
    const from = server.lines.length;
    const one = await cli('-m', 'configure', 'apply', 'services', 'testsvc', 's1');
    assert.match(one.output, /OK/);
    await server.waitFor(/services-commit tid \d+: testsvc\[name='s1'\]$/, from);
    const all = await cli('-m', 'configure', 'apply', 'services');
    assert.match(all.output, /OK/);
    await server.waitFor(/services-commit tid \d+: all services/, from);
    assert.deepEqual(await deviceParams(), { dev1: ['p1=s1', 'q2=s3'], dev2: ['p1=s1', 'q2=s3'] });
  });

  it('post-commit hooks ran after each transaction we served: SUCCESS, and FAILED for the module error', () => {
    const lines = hookLines();
    assert.ok(lines.some((l) => /^post \d+ SUCCESS$/.test(l)), lines.join('\n'));
    assert.ok(lines.some((l) => /^failed \d+ FAILED$/.test(l)), lines.join('\n'));
  });

  it("a module slower than the controller's timeout: our error naming it reaches the user; the next commit is served", async () => {
    await configure('set', 'services', 'testsvc', 'slow', 'params', 'z');
    const r = await cli('-m', 'configure', 'commit');
    assert.match(r.output, /failed in tsapi/, r.output);
    assert.match(r.output, /Service module testsvc returned an error:\s+did not finish within [\d.]+ s and was stopped/);
    assert.doesNotMatch(r.output, /Timeout waiting for service daemon/);
    await configure('discard');
    await configure('set', 'services', 'testsvc', 's4', 'params', 'r1');
    await configure('commit');
    assert.deepEqual(await deviceParams(), { dev1: ['p1=s1', 'q2=s3', 'r1=s4'], dev2: ['p1=s1', 'q2=s3', 'r1=s4'] });
  });

  it("a commit by another user: the server's RPCs for it carry that user", async () => {
    const alice = await Session.connect({ path: SOCK, user: 'alice', timeout: 60_000 });
    try {
      await alice.rpc(rpc.editConfig({ user: 'alice', target: 'candidate', config: `<services xmlns="${CTRL}"><testsvc xmlns="urn:example:testsvc"><name>s5</name><params>a1</params></testsvc></services>` }));
      const reply = await alice.rpc(rpc.controllerCommit({ user: 'alice', device: '*', push: 'COMMIT', actions: 'CHANGE', source: 'ds:candidate' }));
      const tid = String(reply.child('tid')?.getData());
      await server.waitFor(new RegExp(`tid ${tid}: done`));
      const sent = server.grep(/send: <rpc /).filter((l) => l.includes(`<tid>${tid}</tid>`) || l.includes(`'${tid}'`));
      assert.ok(sent.length >= 2, sent.join('\n'));
      const own = server.grep(/send: <rpc .*username="alice"/);
      assert.ok(own.some((l) => /<get-config><source><actions/.test(l)), own.join('\n'));
      assert.ok(own.some((l) => /<edit-config><target><actions/.test(l)), own.join('\n'));
      assert.ok(own.some((l) => new RegExp(`<transaction-actions-done .*<tid>${tid}</tid>`).test(l)), own.join('\n'));
    } finally {
      await alice.close().catch(() => undefined);
    }
  });
});
