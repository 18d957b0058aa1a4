/**
 * The service server process end to end against the simulated controller: the protocol
 * of one services-commit, the error paths, hot reload, queued notifications, backend
 * restart, post-commit hooks, module filter.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DEADLINE_MS, waitUntil } from '../deadline.ts';
import { deviceParams, Operator, type Outcome, REPO, sim, startServer, startStack, stopAfter, tempDir, TESTSVC, writeFiles } from './harness.ts';

function assertSuccess(o: Outcome): void {
  assert.equal(o.result, 'SUCCESS', `tid ${o.tid}: ${o.result} ${o.origin ?? ''} ${o.reason ?? ''}`);
}

const svc = (name: string, ...params: string[]): string =>
  `<testsvc xmlns="urn:example:testsvc"><name>${name}</name>${params.map((p) => `<params>${p}</params>`).join('')}</testsvc>`;

test('one services-commit: user, get-config, only the change as edit-config, done; device config lands', async (t) => {
  const dir = tempDir();
  writeFiles(join(dir, 'modules'), { 'testsvc.ts': TESTSVC });
  const { s, server, op: alice } = await startStack(t, dir, { args: ['-d'], user: 'alice' });

  const from = server.lines.length;
  const o = await alice.apply(svc('s1', 'p1', 'p2'));
  assert.equal(o.result, 'SUCCESS', JSON.stringify(o));
  assert.deepEqual(deviceParams(s, 'dev1'), ['p1=v1', 'p2=v1']);
  assert.deepEqual(deviceParams(s, 'dev2'), ['p1=v1', 'p2=v1']);

  const sent = server.grep(/send: <rpc/, from);
  // The user is learnt first; every later RPC of the transaction carries alice.
  assert.match(sent[0]!, /<get cl:content="nonconfig" xmlns:cl="http:\/\/clicon.org\/lib">.*co:tid='\d+'/);
  // How long the controller waits for the answer: its services/service-timeout, if set.
  assert.match(sent[1]!, /username="alice".*<get-config><source><running\/><\/source>.*\/ctrl:services\/ctrl:service-timeout/);
  assert.match(sent[2]!, /username="alice".*<get-config><source><actions/);
  assert.match(sent[3]!, /username="alice".*<edit-config><target><actions .*<default-operation>merge/);
  assert.match(sent[4]!, /username="alice".*<transaction-actions-done .*<service>testsvc<\/service>/);
  // Only what the module added travels: no untouched leaves of other subtrees, no services.
  assert.ok(!sent[3]!.includes('<services'), sent[3]);
  assert.equal(sent.length, 5);

  // Removing a param: the controller pre-removes, the module re-adds only p1.
  await alice.edit(`<testsvc xmlns="urn:example:testsvc" xmlns:nc="urn:ietf:params:xml:ns:netconf:base:1.0"><name>s1</name><params nc:operation="remove">p2</params></testsvc>`);
  const o2 = await alice.outcome(await alice.commit());
  assert.equal(o2.result, 'SUCCESS');
  assert.deepEqual(deviceParams(s, 'dev1'), ['p1=v1']);
});

test('module error, module timeout, rpc-error from edit-config: one transaction-error each, then service goes on', async (t) => {
  const dir = tempDir();
  const hangDir = tempDir();
  // The hang runs in a server of its own with a 1 s limit, so that no other commit has to beat that limit.
  writeFiles(join(hangDir, 'modules'), { 'hang.ts': `export const SERVICE = 'ssh-users';\nexport function setup(): void { for (;;) {} }\n` });
  writeFiles(join(dir, 'modules'), {
    'testsvc.ts': TESTSVC,
    'bad.ts': [
      "export const SERVICE = 'banner';",
      'export function setup(root: any): void {',
      "  const dev = root.devices.child('device');",
      "  const t = dev.child('config').child('table');",
      "  t.create('parameter', { attributes: { 'nc:operation': 'delete' } }).create('name', { data: 'nosuch' });",
      '}',
    ].join('\n'),
  });
  const [{ s, server, op }, hung] = await Promise.all([startStack(t, dir), startStack(t, hangDir, { args: ['--timeout', '1'] })]);

  const boom = await op.apply(svc('boom', 'x'));
  assert.equal(boom.result, 'FAILED');
  assert.equal(boom.origin, 'tsapi');
  assert.match(boom.reason!, /Service module testsvc returned an error:\n\nboom requested/);
  assert.match(boom.reason!, /testsvc\.ts/);
  await op.edit(`<testsvc xmlns="urn:example:testsvc" xmlns:nc="urn:ietf:params:xml:ns:netconf:base:1.0" nc:operation="remove"><name>boom</name></testsvc>`);

  const loads = hung.server.grep(/modules loaded/).length;
  const hang = await hung.op.apply('<ssh-users xmlns="http://clicon.org/ssh-users"><instance>h</instance></ssh-users>');
  assert.equal(hang.result, 'FAILED');
  assert.match(hang.reason!, /Service module ssh-users .*\n\ndid not finish within 1 s/s);
  assert.match(hang.reason!, /hang\.ts/);
  // The stopped worker is replaced by a fresh one holding the modules.
  await hung.server.waitFor(/modules loaded/, hung.server.lines.findLastIndex((l) => /transaction-error/.test(l)));
  assert.equal(hung.server.grep(/modules loaded/).length, loads + 1);

  const refused = await op.apply('<banner xmlns="urn:example:banner"><name>b</name><text>hi</text></banner>');
  assert.equal(refused.result, 'FAILED');
  assert.match(refused.reason!, /edit-config .* refused .*\n\n.*(not exist|missing)/is);
  await op.edit(`<banner xmlns="urn:example:banner" xmlns:nc="urn:ietf:params:xml:ns:netconf:base:1.0" nc:operation="remove"><name>b</name></banner>`);

  // After all that, a good commit is served.
  const ok = await op.apply(svc('s1', 'p1'));
  assert.equal(ok.result, 'SUCCESS', JSON.stringify(ok));
  assert.deepEqual(deviceParams(s, 'dev1'), ['p1=v1']);
  assert.equal(server.grep(/tid \d+: transaction-error:/).length, 2);
});

test('hot reload: an edited module runs on the next commit; a broken edit fails its service with file and line, others run', async (t) => {
  const dir = tempDir();
  const mdir = join(dir, 'modules');
  writeFiles(mdir, { 'testsvc.ts': TESTSVC, 'lib/value.ts': "export const SUFFIX = '-a';\n", 'banner.ts': BANNER_WITH_HELPER });
  const { s, server, op } = await startStack(t, dir, { modules: mdir, args: ['-d'] });
  await server.waitFor(/for module changes/);

  assertSuccess(await op.apply(svc('s1', 'p1')));
  assert.deepEqual(deviceParams(s, 'dev1'), ['p1=v1']);

  let mark = server.lines.length;
  writeFileSync(join(mdir, 'testsvc.ts'), TESTSVC.replace("const VALUE = 'v1'", "const VALUE = 'v2'"));
  await server.waitFor(/modules loaded/, mark);
  assertSuccess(await op.apply(svc('s1', 'p1', 'p3')));
  assert.deepEqual(deviceParams(s, 'dev1'), ['p1=v2', 'p3=v2']);

  // A file the module imports from its folder is fresh too.
  mark = server.lines.length;
  writeFileSync(join(mdir, 'lib/value.ts'), "export const SUFFIX = '-b';\n");
  await server.waitFor(/modules loaded/, mark);
  assertSuccess(await op.apply('<banner xmlns="urn:example:banner"><name>b</name><text>hi</text></banner>'));
  assert.equal(bannerOf(s, 'dev1'), 'hi-b');

  mark = server.lines.length;
  writeFileSync(join(mdir, 'testsvc.ts'), TESTSVC.replace("const VALUE = 'v1';", "const VALUE = ;"));
  await server.waitFor(/modules loaded/, mark);
  assert.ok(server.grep(/testsvc\.ts:\d+:\d+/, mark).length > 0, server.lines.slice(mark).join('\n'));
  const broken = await op.apply(svc('s1', 'p1', 'p4'));
  assert.equal(broken.result, 'FAILED');
  assert.match(broken.reason!, /Service module testsvc failed to load:\n\n.*testsvc\.ts:\d+:\d+/s);
  // Its device config was not dropped.
  assert.deepEqual(deviceParams(s, 'dev1'), ['p1=v2', 'p3=v2']);
  await op.discard();
  // SIGHUP reloads everything too.
  mark = server.lines.length;
  server.child.kill('SIGHUP');
  await server.waitFor(/SIGHUP: reloading/, mark);
  await server.waitFor(/modules loaded/, mark);
  // Another service still runs.
  assertSuccess(await op.apply('<banner xmlns="urn:example:banner"><name>b</name><text>ho</text></banner>'));
  assert.equal(bannerOf(s, 'dev1'), 'ho-b');
});

const BANNER_WITH_HELPER = `
import type { ServiceModule } from '${REPO}src/service/module.ts';
import { SUFFIX } from './lib/value.ts';
export const SERVICE = 'banner';
export const setup: ServiceModule['setup'] = (root) => {
  for (const b of root.services?.getElements('banner') ?? []) {
    for (const dev of root.devices?.getElements('device') ?? []) {
      const cfg = dev.child('config')!;
      const sys = cfg.child('system') ?? cfg.create('system', { attributes: { xmlns: 'http://openconfig.net/yang/system' } });
      sys.create('login-banner', { data: b.child('text')!.getData() + SUFFIX, attributes: { 'cl:creator': "banner[name='" + b.child('name')!.getData() + "']", 'xmlns:cl': 'http://clicon.org/lib' } });
    }
  }
};
`;

function bannerOf(s: Awaited<ReturnType<typeof sim>>, device: string): string | undefined {
  return s.datastore('running').find(`devices/device[name='${device}']/config/system/login-banner`)?.getData();
}

test('notifications arriving during a transaction are queued and answered in order', async (t) => {
  const dir = tempDir();
  const go = join(dir, 'go');
  writeFiles(join(dir, 'modules'), {
    'testsvc.ts': TESTSVC,
    // Holds its transaction until the test has seen the next services-commit arrive.
    'slow.ts': `import { existsSync } from 'node:fs';\nexport const SERVICE = 'banner';\nexport async function setup(): Promise<void> { while (!existsSync(${JSON.stringify(go)})) await new Promise((r) => setTimeout(r, 20)); }\n`,
  });
  // The controller gives up on the slow one after 1 s and starts the next transaction meanwhile.
  const { s, server, op } = await startStack(t, dir, { args: ['-d'], simOptions: { serviceTimeout: 1000 } });

  const slow = await op.apply('<banner xmlns="urn:example:banner"><name>b</name><text>x</text></banner>');
  assert.equal(slow.result, 'FAILED');
  assert.equal(slow.reason, 'Timeout waiting for service daemon');
  // The next one is not raced against 1 s: controller and server both go by a long service-timeout, however long
  // the server takes to reach it (set by a plain commit, which runs no services).
  await op.edit(`<banner xmlns="urn:example:banner" xmlns:nc="urn:ietf:params:xml:ns:netconf:base:1.0" nc:operation="remove"><name>b</name></banner>`);
  await op.edit(`<service-timeout>${DEADLINE_MS / 1000}</service-timeout>`);
  await op.commitPlain();
  s.setServiceTimeout(undefined);
  await op.edit(svc('s1', 'p1'));
  const tid = await op.commit();
  await server.waitFor(new RegExp(`recv: <notification.*<services-commit.*<tid>${tid}</tid>`));
  writeFileSync(go, '');
  assertSuccess(await op.outcome(tid));
  assert.deepEqual(deviceParams(s, 'dev1'), ['p1=v1']);
  // The slow transaction is answered (its late answer refused by the controller) before the next one starts.
  // Ordered by stdout lines only: the refusal is logged on stderr, which may interleave either way.
  const order = server
    .grep(/services-commit tid \d+|send: .*<transaction-actions-done/)
    .map((l) => /services-commit tid \d+/.exec(l)?.[0] ?? `actions-done ${/<tid>(\d+)<\/tid>/.exec(l)?.[1]}`);
  const prev = Number(slow.tid);
  assert.deepEqual(order.slice(0, 3), [`services-commit tid ${prev}`, `actions-done ${prev}`, `services-commit tid ${tid}`], server.lines.join('\n'));
  assert.equal(server.grep(new RegExp(`tid ${prev}: the controller refused`)).length, 1);
});

test('SIGTERM during a transaction: it is finished and answered, then the server exits 0', async (t) => {
  const dir = tempDir();
  const go = join(dir, 'go');
  writeFiles(join(dir, 'modules'), {
    'held.ts': [
      "import { existsSync } from 'node:fs';",
      "import type { ServiceModule } from '" + REPO + "src/service/module.ts';",
      "export const SERVICE = 'testsvc';",
      "export const setup: ServiceModule['setup'] = async (root) => {",
      `  while (!existsSync(${JSON.stringify(go)})) await new Promise((r) => setTimeout(r, 20));`,
      "  const t = root.devices!.child('device')!.child('config')!.child('table')!;",
      "  t.create('parameter', { attributes: { 'cl:creator': \"testsvc[name='s1']\", 'xmlns:cl': 'http://clicon.org/lib' } }).create('name', { data: 'late' }).getParent()!.create('value', { data: 'x' });",
      '};',
    ].join('\n'),
  });
  const { s, server, op } = await startStack(t, dir);
  await op.edit(svc('s1', 'p1'));
  const tid = await op.commit();
  await server.waitFor(new RegExp(`services-commit tid ${tid}`));
  server.child.kill('SIGTERM');
  await server.waitFor(/SIGTERM: finishing/);
  writeFileSync(go, '');
  assertSuccess(await op.outcome(tid));
  assert.deepEqual(deviceParams(s, 'dev1'), ['late=x']);
  assert.equal(await server.exited, 0);
});

test('backend restart: the server reconnects, subscribes again and serves', async (t) => {
  const dir = tempDir();
  writeFiles(join(dir, 'modules'), { 'testsvc.ts': TESTSVC });
  let s = await sim(dir);
  const path = s.path!;
  const server = startServer(['-F', '-l', 'o', '-s', path, '-m', join(dir, 'modules'), '-p', join(dir, 'pid')]);
  stopAfter(t, dir, server, () => s);
  await server.waitFor(/waiting for services-commit/);
  await s.close();
  await server.waitFor(/backend connection closed/);
  s = await sim(dir, { path });
  const mark = server.lines.length;
  await server.waitFor(/waiting for services-commit/, mark);
  const op = await Operator.connect(path);
  t.after(() => op.close());
  assertSuccess(await op.apply(svc('s1', 'p1')));
  assert.deepEqual(deviceParams(s, 'dev2'), ['p1=v1']);
});

test('post-commit hooks run on SUCCESS, post-commit-failed hooks on FAILED, with result', async (t) => {
  const dir = tempDir();
  const marks = join(dir, 'hooks.log');
  writeFiles(join(dir, 'modules'), {
    'hooked.ts': `
import { appendFileSync } from 'node:fs';
import type { ServiceModule } from '${REPO}src/service/module.ts';
export const SERVICE = 'testsvc';
const note = (s: string) => appendFileSync(${JSON.stringify(marks)}, s + '\\n');
export const setup: ServiceModule['setup'] = (_r, _l, ctx) => { if (ctx.instance === 'boom') throw new Error('no'); note('setup ' + ctx.instance); };
export const setupPreCommit: ServiceModule['setup'] = (_r, _l, ctx) => note('pre ' + ctx.instance);
export const setupPostCommit: ServiceModule['setup'] = (root, _l, ctx) => note('post ' + ctx.instance + ' ' + ctx.result + ' ' + (root.services ? 'config' : 'none'));
export const setupPostCommitFailed: ServiceModule['setup'] = (_r, _l, ctx) => note('failed ' + ctx.instance + ' ' + ctx.result);
`,
  });
  const { server, op } = await startStack(t, dir);
  assertSuccess(await op.apply(svc('s1', 'p1')));
  await server.waitFor(/running setupPostCommit hooks/);
  assert.equal((await op.apply(svc('boom', 'p1'))).result, 'FAILED');
  await server.waitFor(/running setupPostCommitFailed hooks/);
  await waitUntil('the post-commit-failed hook', () => readFileSync(marks, 'utf8').includes('failed boom FAILED'));
  assert.deepEqual(readFileSync(marks, 'utf8').trim().split('\n'), ['pre s1', 'setup s1', 'post s1 SUCCESS config', 'pre boom', 'failed boom FAILED']);
});

test('module filter: a filtered module does not run', async (t) => {
  const dir = tempDir();
  writeFiles(join(dir, 'modules'), { 'testsvc.ts': TESTSVC });
  const { s, server, op } = await startStack(t, dir, { args: ['-e', 'other,testsvc'] });
  assert.ok(server.grep(/modules loaded: none/).length > 0, server.lines.join('\n'));
  assertSuccess(await op.apply(svc('s1', 'p1')));
  assert.deepEqual(deviceParams(s, 'dev1'), []);
});

test('start-up: subscribed while the modules load; a services-commit arriving first is answered once, after they load', async (t) => {
  const dir = tempDir();
  const go = join(dir, 'go');
  writeFiles(join(dir, 'modules'), {
    'testsvc.ts': TESTSVC,
    // Its import does not finish until the test creates `go`: a slow load the test controls.
    'gate.ts': `import { existsSync } from 'node:fs';\nwhile (!existsSync(${JSON.stringify(go)})) await new Promise((r) => setTimeout(r, 20));\nexport const SERVICE = 'gate';\nexport function setup(): void {}\n`,
  });
  // The controller waits long enough for any load (its default is short on the real one).
  const s = await sim(dir, { services: `<service-timeout>${DEADLINE_MS / 1000}</service-timeout>` });
  const server = startServer(['-F', '-l', 'o', '-d', '-s', s.path!, '-m', join(dir, 'modules'), '-p', join(dir, 'pid')]);
  stopAfter(t, dir, server, () => s);
  await server.waitFor(/waiting for services-commit/);
  const op = await Operator.connect(s.path!);
  t.after(() => op.close());

  await op.edit(svc('s1', 'p1'));
  const tid = await op.commit();
  const arrived = new RegExp(`services-commit tid ${tid}`);
  await server.waitFor(arrived);
  assert.equal(server.grep(/modules loaded/).length, 0, 'the load is still held');
  writeFileSync(go, '');
  assertSuccess(await op.outcome(tid));
  assert.deepEqual(deviceParams(s, 'dev1'), ['p1=v1']);
  assert.equal(server.grep(new RegExp(`send: .*<transaction-(actions-done|error)\\b.*<tid>${tid}</tid>`)).length, 1, server.lines.join('\n'));
  assert.ok(server.lines.findIndex((l) => /modules loaded/.test(l)) > server.lines.findIndex((l) => arrived.test(l)));
});
