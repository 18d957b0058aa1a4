/**
 * The server with --validate against the simulated controller over its socket: a change
 * that fits the YANG commits; a misspelled leaf ends the transaction with transaction-error
 * naming the path and the module's own file:line, and nothing reaches the devices.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { deviceParams, startStack, tempDir, writeFiles } from '../service/harness.ts';
import { WIRE } from '../wire.ts';

// testsvc, writing `valeu` for a param named typo.
const MODULE = `
export const SERVICE = 'testsvc';
export function setup(root: any, _log: unknown, ctx: { instance?: string }): void {
  for (const inst of root.services?.getElements('testsvc') ?? []) {
    const name = inst.child('name').getData();
    if (ctx.instance !== undefined && name !== ctx.instance) continue;
    for (const dev of root.devices?.getElements('device') ?? []) {
      const table = dev.child('config').child('table');
      for (const p of inst.getElements('params')) {
        const e = table.create('parameter', { attributes: { 'cl:creator': "testsvc[name='" + name + "']", 'xmlns:cl': 'http://clicon.org/lib' } });
        e.create('name', { data: p.getData() });
        e.create(p.getData() === 'typo' ? 'valeu' : 'value', { data: 'v1' });
      }
    }
  }
}
`;

// The device model of the simulated devices' table (as clixon's example has it).
const DEVICE_YANG = `module clixon-example {
  yang-version 1.1; namespace "urn:example:clixon"; prefix ex;
  container table { list parameter { key name; leaf name { type string; } leaf value { type string; } } }
}`;

const svc = (name: string, ...params: string[]): string =>
  `<testsvc xmlns="urn:example:testsvc"><name>${name}</name>${params.map((p) => `<params>${p}</params>`).join('')}</testsvc>`;

test('server --validate: a fitting change commits, a misspelled leaf is refused with path and module file:line', async (t) => {
  const dir = tempDir();
  const modules = join(dir, 'modules');
  writeFiles(modules, { 'testsvc.ts': MODULE });
  copyFileSync(join(WIRE, 'testsvc@2026-01-01.yang'), join(modules, 'testsvc@2026-01-01.yang'));
  const devices = join(dir, 'device-yang');
  mkdirSync(devices);
  writeFileSync(join(devices, 'clixon-example@2026-01-01.yang'), DEVICE_YANG);
  const { s, op } = await startStack(t, dir, { args: ['--validate', '--yang', devices] });

  const ok = await op.apply(svc('s1', 'p1'));
  assert.equal(ok.result, 'SUCCESS', JSON.stringify(ok));
  assert.deepEqual(deviceParams(s, 'dev1'), ['p1=v1']);

  const bad = await op.apply(svc('s2', 'typo'));
  assert.equal(bad.result, 'FAILED', JSON.stringify(bad));
  assert.match(bad.reason!, /^\nService modules' changes not sent: the change does not fit the YANG schema:\n/);
  assert.match(bad.reason!, /\/devices\/device\[name='dev1'\]\/config\/table\/parameter\[name='typo'\]\/valeu: unknown element valeu/);
  assert.match(bad.reason!, new RegExp(`created at ${modules}/testsvc\\.ts:12`));
  assert.deepEqual(deviceParams(s, 'dev1'), ['p1=v1']);
});

test('-d turns validation on, and so does -d -d (frames whole)', async (t) => {
  for (const args of [['-d'], ['-d', '-d']]) {
    const dir = tempDir();
    const modules = join(dir, 'modules');
    writeFiles(modules, { 'testsvc.ts': MODULE });
    copyFileSync(join(WIRE, 'testsvc@2026-01-01.yang'), join(modules, 'testsvc@2026-01-01.yang'));
    writeFileSync(join(modules, 'clixon-example@2026-01-01.yang'), DEVICE_YANG);
    const { op } = await startStack(t, dir, { args });
    const bad = await op.apply(svc('s2', 'typo'));
    assert.equal(bad.result, 'FAILED', `${args.join(' ')}: ${JSON.stringify(bad)}`);
    assert.match(bad.reason!, /valeu: unknown element valeu/);
  }
});
