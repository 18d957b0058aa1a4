/**
 * `check`: each property is found, with its path and the module's line, on a module that
 * breaks it (test/devkit/check/<property>.ts, testsvc modules on the rig's two devices);
 * the module without the faults (fixed.ts) and the example modules pass, on the config's
 * instances and on generated ones; generated failures are shrunk and reproducible by seed;
 * what needs YANG is noted when it is missing; the command's exit status and JSON.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { copyFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { check, formatCheck, type CheckFailure, type CheckResult } from '../../src/devkit/index.ts';
import { instanceArgs } from '../../src/devkit/check.ts';
import { cleanup, REPO, tempDir } from '../service/harness.ts';

const HERE = fileURLToPath(new URL('./check/', import.meta.url));
const YANG = join(HERE, 'yang');
const CONFIG = readFileSync(join(HERE, 'config.xml'), 'utf8');
const fixture = (name: string): string => join(HERE, `${name}.ts`);
/** `file:line` of the line of a fixture that holds `code`: where check must point. */
const lineOf = (name: string, code: string): string => {
  const i = readFileSync(fixture(name), 'utf8').split('\n').findIndex((l) => l.includes(code));
  assert.ok(i >= 0, `${code} in ${name}.ts`);
  return `${fixture(name)}:${i + 1}`;
};
const A = "testsvc[name='a']";
const B = "testsvc[name='b']";
const value = (dev: string, param: string): string => `/devices/device[name='${dev}']/config/table/parameter[name='${param}']/value`;
const properties = (r: CheckResult): string[] => [...new Set(r.failures.map((f) => f.property))].sort();
const find = (r: CheckResult, f: Pick<CheckFailure, 'property' | 'path'>): CheckFailure | undefined => r.failures.find((x) => x.property === f.property && x.path === f.path);

/** Two instances sharing param x. */
const SHARED = CONFIG.replace('<params>y</params>', '<params>x</params>');

test('determinism: a timestamp in the value, found on both instances with the line', async () => {
  const r = await check(fixture('determinism'), CONFIG, { yangDirs: [YANG], runs: 0 });
  assert.deepEqual(properties(r), ['determinism'], formatCheck(r));
  for (const [inst, param] of [[A, 'a.x'], [B, 'b.y']] as const) {
    const f = find(r, { property: 'determinism', path: value('dev1', param) });
    assert.ok(f, formatCheck(r));
    assert.deepEqual(f.instances, [inst]);
    assert.deepEqual(f.origins, [lineOf('determinism', 'new Date()')]);
  }
});

test('idempotence: a value counting the applies changes on apply services', async () => {
  const r = await check(fixture('idempotence'), CONFIG, { yangDirs: [YANG], runs: 0 });
  assert.deepEqual(properties(r), ['idempotence'], formatCheck(r));
  const f = find(r, { property: 'idempotence', path: value('dev2', 'a.x') });
  assert.ok(f, formatCheck(r));
  assert.match(f.message, /^apply services \(every instance again\) changes .*: '1' \(before\), '2' \(after\)$/);
  assert.deepEqual(f.instances, [A]);
  assert.deepEqual(f.origins, [lineOf('idempotence', 'String(count)')]);
});

test('clean delete: an untagged parameter is left on every device', async () => {
  const r = await check(fixture('clean-delete'), CONFIG, { yangDirs: [YANG], runs: 0 });
  assert.deepEqual(properties(r), ['clean-delete'], formatCheck(r));
  for (const dev of ['dev1', 'dev2']) {
    const f = find(r, { property: 'clean-delete', path: `/devices/device[name='${dev}']/config/table/parameter[name='b.y']` });
    assert.ok(f, formatCheck(r));
    assert.match(f.message, new RegExp(`^left on ${dev} after deleting testsvc\\[name='b'\\]`));
    assert.deepEqual(f.origins, [lineOf('clean-delete', "table.create('parameter')")]);
  }
});

test('clean delete: a parameter two instances make alike goes with either, as the controller deletes by path', async () => {
  const r = await check(fixture('shared'), SHARED, { yangDirs: [YANG], runs: 0 });
  assert.deepEqual(properties(r), ['clean-delete'], formatCheck(r));
  const f = r.failures.find((x) => x.instances[0] === A && x.device === 'dev1');
  assert.equal(f?.path, "/devices/device[name='dev1']/config/table/parameter[name='x']", formatCheck(r));
  assert.equal(f.message, `deleting ${A} removes ${f.path}, which is there without ${A} (${B} created it too)`);
  assert.deepEqual(f.origins, [lineOf('shared', "table.create('parameter'")]);
});

test('conflict: two instances set one value, both named with their lines; nothing else is blamed for it', async () => {
  const r = await check(fixture('conflict'), SHARED, { yangDirs: [YANG], runs: 0 });
  assert.deepEqual(properties(r), ['conflict'], formatCheck(r));
  const f = find(r, { property: 'conflict', path: value('dev1', 'x') });
  assert.ok(f, formatCheck(r));
  assert.deepEqual(f.instances, [A, B]);
  assert.match(f.message, /'a' and 'b'; the one committed last wins$/);
  const line = lineOf('conflict', '{ data: name }');
  assert.deepEqual(f.origins, [line, line]);
  assert.match(formatCheck(r), new RegExp(`at ${line.replace(REPO, '').replace(/^\//, '').replace(/[.[\]]/g, '\\$&')} \\(testsvc\\[name='a'\\]\\)`));
});

test('order: the lowest free slot goes to whichever instance came first', async () => {
  const r = await check(fixture('order'), CONFIG, { yangDirs: [YANG], runs: 0 });
  const f = find(r, { property: 'order', path: value('dev1', 'slot-1') });
  assert.ok(f, formatCheck(r));
  assert.match(f.message, /'a\.x' \(committed testsvc\[name='a'\], testsvc\[name='b'\]\), 'b\.y' \(committed testsvc\[name='b'\], testsvc\[name='a'\]\)/);
  assert.deepEqual(f.instances, [A, B]);
  assert.deepEqual(f.origins, [lineOf('order', '{ data: id }')]);
  // The slots also outlive a delete: b keeps slot-2 where, without a, it would have slot-1.
  assert.deepEqual(properties(r), ['clean-delete', 'order'], formatCheck(r));
});

test('the module without the faults keeps all five, on the config and on generated instances', async () => {
  const r = await check(fixture('fixed'), CONFIG, { yangDirs: [YANG], runs: 15, seed: 7 });
  assert.ok(r.ok, formatCheck(r));
  assert.deepEqual(r.instances, [A, B]);
  assert.deepEqual(r.generated, [{ service: 'testsvc', cases: 15, refused: 0 }]);
  assert.deepEqual(r.notes, []);
  assert.match(formatCheck(r), /^ok {3}determinism, idempotence, clean-delete, conflict, order$/m);
});

test('generated instances: a conflict the config does not show is found, shrunk to one instance with one param, and found again from the seed', async () => {
  const run = (): Promise<CheckResult> => check(fixture('conflict'), CONFIG, { yangDirs: [YANG], runs: 25, seed: 5 });
  const r = await run();
  assert.deepEqual(properties(r), ['conflict'], formatCheck(r));
  const f = r.failures[0]!;
  assert.equal(f.generated?.length, 1, formatCheck(r));
  const generated = f.generated![0]!;
  assert.match(generated, /^<testsvc xmlns="urn:example:testsvc"><name>[^<]+<\/name><params>[xy]<\/params><\/testsvc>$/);
  assert.ok(f.instances.includes(`testsvc[name='${/<name>([^<]+)/.exec(generated)![1]}']`), JSON.stringify(f.instances));
  assert.deepEqual((await run()).failures, r.failures);
});

test('the example modules keep all five (with the device models, so conflicts are judged)', async () => {
  const oc = join(REPO, 'test/fixtures/yang/openconfig');
  for (const [module, config] of [['modules/banner', 'test/modules/banner.xml'], ['modules/ssh-users', 'test/modules/ssh-users.xml']]) {
    const r = await check(join(REPO, module!), readFileSync(join(REPO, config!), 'utf8'), { yangDirs: [oc], runs: 20, seed: 3 });
    assert.ok(r.ok, formatCheck(r));
    assert.equal(r.generated[0]!.cases, 20);
    assert.ok(r.generated[0]!.refused < 20, `${module}: some generated cases judged`);
  }
});

test('without the device YANG a conflict is noted, not judged; without any YANG nothing is generated', async (t) => {
  const dir = tempDir('tsapi-check-');
  t.after(() => cleanup(dir));
  // Away from the fixtures' yang/ folder, which the YANG reader would find below the module's.
  copyFileSync(join(YANG, 'testsvc@2026-01-01.yang'), join(dir, 'testsvc@2026-01-01.yang'));
  copyFileSync(fixture('conflict'), join(dir, 'conflict.ts'));
  const r = await check(join(dir, 'conflict.ts'), SHARED, { runs: 0 });
  assert.ok(r.ok, formatCheck(r));
  assert.ok(r.notes.some((n) => n.startsWith('no YANG for urn:example:clixon, where the modules write')), r.notes.join('\n'));
  assert.ok(r.notes.some((n) => n.startsWith(`${A} and ${B} both set ${value('dev1', 'x')}; without its YANG`)), r.notes.join('\n'));

  const bare = tempDir('tsapi-check-');
  t.after(() => cleanup(bare));
  copyFileSync(fixture('fixed'), join(bare, 'fixed.ts'));
  const none = await check(join(bare, 'fixed.ts'), CONFIG, { seed: 1 });
  assert.deepEqual(none.generated, []);
  assert.ok(none.notes.some((n) => n.startsWith('no YANG beside the modules')), none.notes.join('\n'));
});

test('a module that throws: an error failure naming the instance and the line; bad input rejects', async () => {
  const module = {
    SERVICE: 'testsvc',
    setup: (root: import('../../src/xml/index.ts').XmlNode, _log: unknown, ctx: { instance?: string }) => {
      if (ctx.instance === 'b' && root.services?.getElements('testsvc').some((i) => i.child('name')?.getData() === 'b') === false) throw new Error('cannot delete b');
    },
  };
  const r = await check(module, CONFIG, { runs: 0 });
  assert.deepEqual(properties(r), ['error'], formatCheck(r));
  assert.match(r.failures[0]!.message, /^deleting testsvc\[name='b'\] fails: setup of testsvc \(<module>\) failed: cannot delete b$/);
  await assert.rejects(check(fixture('fixed'), CONFIG, { instances: "testsvc[name='zz']" }), { name: 'NoInstanceError' });
  await assert.rejects(check(fixture('fixed'), CONFIG, { instances: 'other x' }), { name: 'NoModuleError' });
  await assert.rejects(check(fixture('fixed'), '<foo/>'), { name: 'ConfigShapeError' });
});

test('instances on the command line: svc[key=v], svc value pairs, a last bare svc', () => {
  assert.deepEqual(instanceArgs(["testsvc[name='a']", 'testsvc', 'b', 'testsvc']), ["testsvc[name='a']", 'testsvc b', 'testsvc']);
});

/** The command as a user runs it. */
function cli(...args: string[]): Promise<{ code: number | null; out: string; err: string }> {
  const { NODE_TEST_CONTEXT: _, ...env } = process.env;
  const child = spawn(process.execPath, [join(REPO, 'bin/clixon-tsapi.mjs'), 'check', ...args], { cwd: REPO, env: { ...env, NO_COLOR: '1' } });
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  return new Promise((resolve) => child.once('exit', (code) => resolve({ code, out, err })));
}

test('clixon-tsapi check: exit 1 and the failures, 0 when all hold, 2 on bad input; --json', async () => {
  const config = join(HERE, 'config.xml');
  const bad = await cli(fixture('clean-delete'), config, 'testsvc', 'b', '--yang', YANG, '--runs', '0');
  assert.equal(bad.code, 1, bad.out + bad.err);
  assert.match(bad.out, /^checked testsvc\[name='b'\] from the config; seed \d+$/m);
  assert.match(bad.out, /^FAIL clean-delete: left on dev1 after deleting testsvc\[name='b'\]/m);
  assert.match(bad.out, new RegExp(`^ {4}at test/devkit/check/clean-delete\\.ts:${lineOf('clean-delete', "table.create('parameter')").split(':').pop()}$`, 'm'));

  const good = await cli(fixture('fixed'), config, '--yang', YANG, '--runs', '3', '--json', '--seed', '9');
  assert.equal(good.code, 0, good.out + good.err);
  const json = JSON.parse(good.out) as CheckResult;
  assert.equal(json.ok, true);
  assert.equal(json.seed, 9);
  assert.deepEqual(json.generated, [{ service: 'testsvc', cases: 3, refused: 0 }]);

  const missing = await cli(fixture('fixed'), join(HERE, 'nothing.xml'));
  assert.equal(missing.code, 2);
  assert.match(missing.err, /^error: cannot read config .*nothing\.xml/);
  const unknown = await cli(fixture('fixed'), config, 'testsvc', 'zz', '--json');
  assert.equal(unknown.code, 2);
  assert.equal((JSON.parse(unknown.out) as { error: { kind: string } }).error.kind, 'input');
});
