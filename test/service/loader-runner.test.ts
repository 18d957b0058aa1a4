/**
 * The loader (which files, what a broken or incomplete file gives) and the runner (which
 * module runs for which entry, with what context, in what order; errors named).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findModuleFiles, loadModules, ModulePathError } from '../../src/service/loader.ts';
import { BrokenModuleError, ModuleRunError, parseServiceEntry, runServices, brokenFor } from '../../src/service/runner.ts';
import type { LoadedModule, ServiceContext } from '../../src/service/module.ts';
import { parseString } from '../../src/xml/index.ts';
import { logger } from '../../src/log.ts';
import { deviceModels } from '../../src/models/index.ts';

function tempModules(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'tsapi-mod-'));
  writeFileSync(join(dir, 'package.json'), '{"type":"module"}');
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(join(dir, name, '..'), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
  return dir;
}

test('findModuleFiles: module extensions, recursive, skips .d.ts, # and ~ names, filtered names', (t) => {
  const dir = tempModules({
    'a.ts': '',
    'b.mjs': '',
    'sub/c.mts': '',
    'sub/deep/d.js': '',
    'types.d.ts': '',
    '#e.ts#': '',
    'f.ts~': '',
    '.#g.ts': '',
    'h.py': '',
    'skipme.ts': '',
  });
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const files = findModuleFiles([dir], ['skipme']).map((f) => f.slice(dir.length + 1));
  assert.deepEqual(files.sort(), ['a.ts', 'b.mjs', 'sub/c.mts', 'sub/deep/d.js']);
});

test('findModuleFiles: a missing path is an error naming it', () => {
  assert.throws(() => findModuleFiles(['/nonexistent/modules']), (e: unknown) => e instanceof ModulePathError && e.message.includes('/nonexistent/modules'));
});

test('loadModules: good module, incomplete module, broken module with file and line', async (t) => {
  const dir = tempModules({
    'good.ts': "export const SERVICE = 'good';\nexport const SERVICE_XPATH = '/services';\nexport function setup(): void {}\n",
    'nosetup.ts': "export const SERVICE = 'x';\n",
    'broken.ts': "export const SERVICE = 'brk';\nexport function setup(): void {\n  const = 1;\n}\n",
    'throws.ts': "export const SERVICE = 'thr';\nthrow new Error('at import');\n",
  });
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const { modules, failures } = await loadModules(findModuleFiles([dir]));
  assert.deepEqual(modules.map((m) => [m.name, m.module.SERVICE, m.module.SERVICE_XPATH]), [['good', 'good', '/services']]);
  const byName = new Map(failures.map((f) => [f.name, f]));
  assert.equal(byName.get('nosetup')!.kind, 'contract');
  assert.match(byName.get('nosetup')!.error, /setup/);
  assert.equal(byName.get('broken')!.kind, 'import');
  assert.equal(byName.get('broken')!.service, 'brk');
  assert.match(byName.get('broken')!.error, /broken\.ts:3:/);
  assert.equal(byName.get('throws')!.service, 'thr');
  assert.match(byName.get('throws')!.error, /throws\.ts:2:\d+: at import/);
});

test('parseServiceEntry: key and instance, quotes, bare name', () => {
  assert.deepEqual(parseServiceEntry("testsvc[name='s1']"), { service: 'testsvc', key: 'name', instance: 's1', raw: "testsvc[name='s1']" });
  assert.deepEqual(parseServiceEntry('ssh-users[instance="a b"]'), { service: 'ssh-users', key: 'instance', instance: 'a b', raw: 'ssh-users[instance="a b"]' });
  assert.deepEqual(parseServiceEntry('banner'), { service: 'banner', raw: 'banner' });
});

function mod(service: string, calls: string[], extra: Partial<LoadedModule['module']> = {}): LoadedModule {
  return {
    file: `/m/${service}.ts`,
    name: service,
    module: {
      SERVICE: service,
      setup: (_root, _log, ctx: ServiceContext) => {
        calls.push(`${service}.setup(${ctx.instance ?? '*'})`);
      },
      ...extra,
    },
  };
}

const log = logger('test');

test('runServices: pre-commit hooks first, then setup per module per listed instance; context filled', async () => {
  const calls: string[] = [];
  const seen: ServiceContext[] = [];
  const a = mod('a', calls, {
    setupPreCommit: (_r, _l, ctx) => {
      calls.push(`a.pre(${ctx.instance})`);
    },
  });
  const b = mod('b', calls, {
    setup: async (root, _l, ctx) => {
      seen.push(ctx);
      root.child('services')!.create('touched', { data: ctx.instance ?? '' });
    },
  });
  const root = parseString('<services/>');
  const models = deviceModels({ r1: ['m1'] });
  const res = await runServices(
    root,
    [a, b, mod('c', calls)],
    { tid: '7', user: 'alice', diff: true, entries: [parseServiceEntry("a[name='x']"), parseServiceEntry("b[name='y']"), parseServiceEntry("a[name='z']")] },
    log,
    { models },
  );
  assert.deepEqual(calls, ['a.pre(x)', 'a.pre(z)', 'a.setup(x)', 'a.setup(z)']);
  assert.deepEqual(seen, [{ tid: '7', user: 'alice', service: 'b', instance: 'y', services: ['a', 'b'], diff: true, models }]);
  assert.equal(seen[0]!.models.hasModel('r1', 'm1'), true);
  assert.equal(root.find('services/touched')!.getData(), 'y');
  assert.deepEqual(res.served, ['a', 'b']);
});

test('runServices: no entries runs every module once without instance', async () => {
  const calls: string[] = [];
  const res = await runServices(parseString('<x/>'), [mod('a', calls), mod('b', calls)], { tid: '1', user: 'u', diff: false, entries: [] }, log);
  assert.deepEqual(calls, ['a.setup(*)', 'b.setup(*)']);
  assert.deepEqual(res.served, []);
});

test('runServices: a throwing module is a ModuleRunError naming service, file, function, instance', async () => {
  const bad = mod('bad', [], {
    setup: () => {
      throw new Error('boom requested');
    },
  });
  await assert.rejects(
    runServices(parseString('<x/>'), [bad], { tid: '1', user: 'u', diff: false, entries: [parseServiceEntry("bad[name='boom']")] }, log),
    (e: unknown) => e instanceof ModuleRunError && e.service === 'bad' && e.file === '/m/bad.ts' && e.fn === 'setup' && e.instance === 'boom' && e.message.includes('boom requested'),
  );
});

test('runServices: post-commit phases call only their hook, with result and reason', async () => {
  const calls: string[] = [];
  const m = mod('a', calls, {
    setupPostCommit: (_r, _l, ctx) => {
      calls.push(`post(${ctx.result})`);
    },
    setupPostCommitFailed: (_r, _l, ctx) => {
      calls.push(`failed(${ctx.result},${ctx.reason})`);
    },
  });
  const txn = { tid: '1', user: 'u', diff: false, entries: [parseServiceEntry("a[name='i']")] };
  await runServices(parseString('<x/>'), [m], txn, log, { phase: 'post-commit', result: 'SUCCESS' });
  await runServices(parseString('<x/>'), [m], txn, log, { phase: 'post-commit-failed', result: 'FAILED', reason: 'r' });
  assert.deepEqual(calls, ['post(SUCCESS)', 'failed(FAILED,r)']);
});

test('broken modules stop only transactions of their service (or re-apply all)', async () => {
  const broken = [
    { file: '/m/b.ts', name: 'b', kind: 'import' as const, error: 'syntax', service: 'b' },
    { file: '/m/helper.ts', name: 'helper', kind: 'contract' as const, error: 'no SERVICE' },
    { file: '/m/c.ts', name: 'c', kind: 'contract' as const, error: 'SERVICE_XPATH: no prefix', service: 'c' },
  ];
  // A module that imported but breaks the contract stops its own service too.
  assert.equal(brokenFor(broken, [parseServiceEntry("c[name='x']")]).length, 1);
  assert.deepEqual(brokenFor(broken, [parseServiceEntry("a[name='x']")]), []);
  assert.equal(brokenFor(broken, [parseServiceEntry("b[name='x']")]).length, 1);
  assert.equal(brokenFor(broken, []).length, 2);
  const calls: string[] = [];
  await assert.rejects(
    runServices(parseString('<x/>'), [mod('a', calls)], { tid: '1', user: 'u', diff: false, entries: [] }, log, { broken }),
    BrokenModuleError,
  );
  assert.deepEqual(calls, []);
});
