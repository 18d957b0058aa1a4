/**
 * `check`'s predictions against the real controller: for each property, the module of
 * test/devkit/check/ that breaks it is checked offline, then served to the controller and
 * driven from its CLI the way an operator would; the devices show the effect check
 * predicted (a value that changes on every `apply services`, a parameter left after
 * `delete services`, or gone with one of the two instances that made it, the last instance
 * winning, slots given by the order of the commits), and the module without the faults
 * (fixed.ts) shows none of them.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { check, formatCheck, type CheckResult } from '../../src/devkit/index.ts';
import type { ServerProcess } from '../service/harness.ts';
import { cli, configure, deviceParams, moduleDir, reset, serve } from './rig.ts';

const FIXTURES = fileURLToPath(new URL('../devkit/check/', import.meta.url));
const CONFIG = readFileSync(join(FIXTURES, 'config.xml'), 'utf8');
const YANG = join(FIXTURES, 'yang');

/** check's failures of one property, offline, on the fixtures' config (instances a: x, b: y). */
async function predicted(module: string, property: string): Promise<CheckResult['failures']> {
  const r = await check(join(FIXTURES, `${module}.ts`), CONFIG, { yangDirs: [YANG], runs: 0 });
  return r.failures.filter((f) => f.property === property);
}

/** The parameter name in a check path: `…/parameter[name='a.x']/value` → `a.x`. */
const paramOf = (path: string | undefined): string => /parameter\[name='([^']+)'\]/.exec(path ?? '')?.[1] ?? '';

/** Serves one fixture module (as testsvc.ts in a module folder outside the repo) for the tests in `fn`. */
function serving(module: string, fn: () => void): void {
  describe(`${module}.ts on the real controller`, () => {
    let server: ServerProcess;
    before(async () => {
      const dir = moduleDir({});
      // Into the devices that carry clixon-example only (ctx.models): the rig may hold others (oc1).
      const loop = "for (const device of root.devices?.getElements('device') ?? []) {";
      const text = readFileSync(join(FIXTURES, `${module}.ts`), 'utf8');
      if (!text.includes(loop)) throw new Error(`${module}.ts: no device loop to narrow`);
      writeFileSync(join(dir, 'testsvc.ts'), text.replace(loop, `${loop}\n      if (!ctx.models.hasModel(String(device.child('name')?.getData()), 'clixon-example')) continue;`));
      // As the server runs by default (no validation): what check predicts is the controller's own behaviour.
      server = await serve(dir, [], { plain: true });
      await reset();
    });
    after(async () => {
      await reset().catch(() => undefined);
      await server?.stop();
    });
    fn();
  });
}

const commitInstance = async (name: string, param: string): Promise<void> => {
  await configure('set', 'services', 'testsvc', name, 'params', param);
  assert.match(await configure('commit'), /OK/);
};
const applyAll = async (): Promise<void> => {
  const r = await cli('-m', 'configure', 'apply', 'services');
  assert.equal(r.code, 0, r.output);
};
const valueOf = (params: string[], name: string): string | undefined => params.find((p) => p.startsWith(`${name}=`))?.slice(name.length + 1);

serving('determinism', () => {
  it('check predicts a changing value; apply services changes it on the devices, every time', async () => {
    const failures = await predicted('determinism', 'determinism');
    assert.ok(failures.length > 0, 'check finds the timestamp');
    const param = paramOf(failures.find((f) => f.instances[0] === "testsvc[name='a']")?.path);
    assert.equal(param, 'a.x');
    await commitInstance('a', 'x');
    const seen = [valueOf((await deviceParams()).dev1!, param)];
    for (let i = 0; i < 2; i++) {
      await applyAll();
      seen.push(valueOf((await deviceParams()).dev1!, param));
    }
    assert.equal(new Set(seen).size, 3, `a new value on each apply: ${seen.join(', ')}`);
    for (const v of seen) assert.match(v ?? '', /^x at \d{4}-\d\d-\d\dT/);
  });
});

serving('idempotence', () => {
  it('check predicts 1 then 2 on apply services; the devices count up on each apply', async () => {
    const [f] = await predicted('idempotence', 'idempotence');
    assert.ok(f, 'check finds it');
    assert.match(f.message, /'1' \(before\), '2' \(after\)/);
    await commitInstance('a', 'x');
    assert.deepEqual((await deviceParams()).dev1, ['a.x=1']);
    await applyAll();
    assert.deepEqual((await deviceParams()).dev1, ['a.x=2']);
    await applyAll();
    assert.deepEqual((await deviceParams()).dev1, ['a.x=3']);
  });
});

serving('clean-delete', () => {
  it('check predicts the parameter left after the delete; delete services leaves it on both devices', async () => {
    const failures = await predicted('clean-delete', 'clean-delete');
    const left = failures.filter((f) => f.instances[0] === "testsvc[name='a']").map((f) => `${f.device} ${paramOf(f.path)}`);
    assert.deepEqual(left.sort(), ['dev1 a.x', 'dev2 a.x']);
    await commitInstance('a', 'x');
    await configure('delete', 'services', 'testsvc', 'a');
    assert.match(await configure('commit'), /OK/);
    const params = await deviceParams();
    assert.deepEqual(params, { dev1: ['a.x=x'], dev2: ['a.x=x'] });
  });
});

serving('conflict', () => {
  it('check predicts a and b both setting x; on the controller the last commit wins, silently', async () => {
    const [f] = (await check(join(FIXTURES, 'conflict.ts'), CONFIG.replace('<params>y</params>', '<params>x</params>'), { yangDirs: [YANG], runs: 0 })).failures;
    assert.equal(f?.property, 'conflict');
    assert.deepEqual(f.instances, ["testsvc[name='a']", "testsvc[name='b']"]);
    assert.equal(paramOf(f.path), 'x');
    await commitInstance('a', 'x');
    assert.deepEqual((await deviceParams()).dev1, ['x=a']);
    await commitInstance('b', 'x');
    assert.deepEqual((await deviceParams()).dev1, ['x=b'], 'b overwrote a, no error');
  });
});

serving('order', () => {
  it('check predicts slot-1 going to whichever came first; the devices agree, in both orders', async () => {
    const order = await predicted('order', 'order');
    const slot1 = order.find((f) => f.device === 'dev1' && paramOf(f.path) === 'slot-1');
    assert.ok(slot1, 'check finds it');
    assert.match(slot1.message, /'a\.x' \(committed testsvc\[name='a'\], testsvc\[name='b'\]\), 'b\.y' \(committed testsvc\[name='b'\], testsvc\[name='a'\]\)/);
    await commitInstance('a', 'x');
    await commitInstance('b', 'y');
    assert.deepEqual((await deviceParams()).dev1, ['slot-1=a.x', 'slot-2=b.y']);
    await reset();
    await commitInstance('b', 'y');
    await commitInstance('a', 'x');
    assert.deepEqual((await deviceParams()).dev1, ['slot-1=b.y', 'slot-2=a.x']);
  });
});

serving('shared', () => {
  it('check predicts that deleting a removes the parameter b made alike; the controller removes it from the devices', async () => {
    const [f] = (await check(join(FIXTURES, 'shared.ts'), CONFIG.replace('<params>y</params>', '<params>x</params>'), { yangDirs: [YANG], runs: 0 })).failures;
    assert.equal(f?.property, 'clean-delete');
    assert.match(f.message, /^deleting testsvc\[name='a'\] removes .*parameter\[name='x'\], which is there without testsvc\[name='a'\] \(testsvc\[name='b'\] created it too\)$/);
    await commitInstance('a', 'x');
    await commitInstance('b', 'x');
    assert.deepEqual((await deviceParams()).dev1, ['x=x']);
    await configure('delete', 'services', 'testsvc', 'a');
    assert.match(await configure('commit'), /OK/);
    assert.deepEqual(await deviceParams(), { dev1: [], dev2: [] }, 'gone, though b still wants it');
  });
});

serving('fixed', () => {
  it('check passes it; on the controller: no diff on apply services, nothing left after delete, both orders alike, no overwrite', async () => {
    const r = await check(join(FIXTURES, 'fixed.ts'), CONFIG, { yangDirs: [YANG], runs: 10 });
    assert.ok(r.ok, formatCheck(r));
    await commitInstance('a', 'x');
    await commitInstance('b', 'x');
    const committed = await deviceParams();
    assert.deepEqual(committed.dev1, ['a.x=x', 'b.x=x'], 'one parameter each, nothing overwritten');
    await applyAll();
    await applyAll();
    assert.deepEqual(await deviceParams(), committed, 'apply services changes nothing');
    await configure('delete', 'services', 'testsvc', 'a');
    assert.match(await configure('commit'), /OK/);
    assert.deepEqual(await deviceParams(), { dev1: ['b.x=x'], dev2: ['b.x=x'] }, 'a gone whole, b untouched');
    await reset();
    await commitInstance('b', 'x');
    await commitInstance('a', 'x');
    assert.deepEqual(await deviceParams(), committed, 'the other order gives the same config');
  });
});
