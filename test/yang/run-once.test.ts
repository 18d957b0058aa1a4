/**
 * A change that does not fit the YANG is reported from the modules' one run: setup runs once
 * per instance per transaction (a module that allocates from an IPAM or files a ticket must
 * not do it twice), and each issue still names the module line that made the node, also when
 * one node shape comes from two lines (origin sampling, src/xml/origin.ts).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runService } from '../../src/devkit/index.ts';
import { SchemaValidationError } from '../../src/yang/validate.ts';
import { startStack, tempDir, writeFiles } from '../service/harness.ts';
import { WIRE } from '../wire.ts';

const DEVICE_YANG = `module clixon-example {
  yang-version 1.1; namespace "urn:example:clixon"; prefix ex;
  container table { list parameter { key name; leaf name { type string; } leaf value { type uint8; } } }
}`;

/**
 * testsvc writing one parameter per param on every device; every setup call appends a line
 * to CALLS. Param `typo` is written as `valeu`; param `big` gets a value out of uint8's range
 * from a line of its own (the same node shape as the good values').
 */
const moduleSource = (calls: string): string => `import { appendFileSync } from 'node:fs';
export const SERVICE = 'testsvc';
export function setup(root: any, _log: unknown, ctx: { instance?: string }): void {
  appendFileSync(${JSON.stringify(calls)}, (ctx.instance ?? '*') + '\\n');
  for (const inst of root.services?.getElements('testsvc') ?? []) {
    const name = inst.child('name').getData();
    if (ctx.instance !== undefined && name !== ctx.instance) continue;
    for (const dev of root.devices?.getElements('device') ?? []) {
      const table = dev.child('config').child('table') ?? dev.child('config').create('table', { attributes: { xmlns: 'urn:example:clixon' } });
      for (const p of inst.getElements('params')) {
        const e = table.create('parameter', { attributes: { 'cl:creator': "testsvc[name='" + name + "']", 'xmlns:cl': 'http://clicon.org/lib' } });
        e.create('name', { data: p.getData() });
        if (p.getData() === 'typo') e.create('valeu', { data: '1' }); // LINE:typo
        else if (p.getData() === 'big') e.create('value', { data: '300' }); // LINE:big
        else e.create('value', { data: '7' }); // LINE:good
      }
    }
  }
}
`;

/** The line of the marker comment in the module's source. */
function lineOf(source: string, marker: string): number {
  return source.split('\n').findIndex((l) => l.includes(`// LINE:${marker}`)) + 1;
}

function moduleFolder(): { dir: string; modules: string; calls: string; source: string } {
  const dir = tempDir();
  const modules = join(dir, 'modules');
  const calls = join(dir, 'calls.txt');
  const source = moduleSource(calls);
  writeFiles(modules, { 'testsvc.ts': source });
  writeFileSync(calls, '');
  copyFileSync(join(WIRE, 'testsvc@2026-01-01.yang'), join(modules, 'testsvc@2026-01-01.yang'));
  writeFileSync(join(modules, 'clixon-example@2026-01-01.yang'), DEVICE_YANG);
  return { dir, modules, calls, source };
}

const callsIn = (file: string): string[] => readFileSync(file, 'utf8').split('\n').filter(Boolean);

const svc = (name: string, ...params: string[]): string =>
  `<testsvc xmlns="urn:example:testsvc"><name>${name}</name>${params.map((p) => `<params>${p}</params>`).join('')}</testsvc>`;

function config(devices: number, ...instances: string[]): string {
  let xml = `<services xmlns="http://clicon.org/controller">${instances.join('')}</services><devices xmlns="http://clicon.org/controller">`;
  for (let i = 1; i <= devices; i++) xml += `<device><name>dev${i}</name><config><table xmlns="urn:example:clixon"/></config></device>`;
  return `${xml}</devices>`;
}

async function refusal(run: Promise<unknown>): Promise<SchemaValidationError> {
  try {
    await run;
  } catch (err) {
    if (err instanceof SchemaValidationError) return err;
    throw err;
  }
  assert.fail('expected the change to be refused');
}

test('runService: a misfit is reported with its line, and setup ran once per instance', async () => {
  const { modules, calls, source } = moduleFolder();
  const err = await refusal(runService(modules, config(2, svc('a', 'p1', 'typo'), svc('b', 'p2')), { instance: ['testsvc a', 'testsvc b'] }));
  assert.deepEqual(callsIn(calls), ['a', 'b']);
  const typos = err.issues.filter((i) => i.path.endsWith('/valeu'));
  assert.equal(typos.length, 2, err.message);
  for (const issue of typos) assert.equal(issue.origin, `${modules}/testsvc.ts:${lineOf(source, 'typo')}`);
});

test('one node shape made by two lines: the bad value is traced to its own line, not the first one that made the shape', async () => {
  const { modules, calls, source } = moduleFolder();
  // 40 good values from one line first (sampling settles on it), then one bad value from another line.
  const params = Array.from({ length: 40 }, (_, i) => `p${i}`);
  const err = await refusal(runService(modules, config(3, svc('a', ...params, 'big')), { instance: 'testsvc a' }));
  assert.deepEqual(callsIn(calls), ['a']);
  assert.equal(err.issues.length, 3, err.message);
  for (const issue of err.issues) {
    assert.match(issue.path, /parameter\[name='big'\]\/value$/);
    assert.match(issue.message, /300/);
    assert.equal(issue.origin, `${modules}/testsvc.ts:${lineOf(source, 'big')}`);
  }
});

test('server --validate: a misfit ends the transaction naming the line, after one run of setup', async (t) => {
  const { dir, modules, calls, source } = moduleFolder();
  const { op } = await startStack(t, dir, { args: ['--validate'] });
  writeFileSync(calls, '');
  const bad = await op.apply(svc('s2', 'p1', 'typo'));
  assert.equal(bad.result, 'FAILED', JSON.stringify(bad));
  assert.match(bad.reason!, new RegExp(`valeu: unknown element valeu\\b.*created at ${modules}/testsvc\\.ts:${lineOf(source, 'typo')}\\)`));
  assert.deepEqual(callsIn(calls), ['s2']);
});
