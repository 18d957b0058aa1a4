/**
 * Validation is on, or says why not (issue 17): YANG that cannot be read whole (a file
 * that does not parse, an import not found, an augment whose target is missing) fails
 * runService with YangLoadError and `try` with exit 2, naming the module, what is missing
 * and the folders searched; --no-validate runs anyway. A namespace no model was given for
 * is said once. The server warns at start and at every reload, and its transaction line
 * says what the check could not cover.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runService, YangLoadError } from '../../src/devkit/index.ts';
import type { ServiceModule } from '../../src/service/module.ts';
import { startStack, tempDir, writeFiles } from '../service/harness.ts';
import { WIRE } from '../wire.ts';

const REPO = fileURLToPath(new URL('../../', import.meta.url));
const CONFIG =
  '<services xmlns="http://clicon.org/controller"><svc xmlns="urn:t:svc"><name>a</name></svc></services>' +
  '<devices xmlns="http://clicon.org/controller"><device><name>dev1</name><config/></device></devices>';
const SVC_YANG = `module svc { yang-version 1.1; namespace "urn:t:svc"; prefix s;
  import clixon-controller { prefix ctrl; }
  augment "/ctrl:services" { list svc { key name; leaf name { type string; } } } }`;

// Writes a leaf in a namespace no YANG is given for.
const MODULE: ServiceModule = {
  SERVICE: 'svc',
  setup: (root) => {
    root.devices!.getEntry('device', 'dev1')!.child('config')!.create('box', { attributes: { xmlns: 'urn:t:nomodel' } }).create('size', { data: '1' });
  },
};

const BROKEN: Record<string, [string, RegExp]> = {
  'a missing import': [
    'module dev { yang-version 1.1; namespace "urn:t:dev"; prefix d; import dev-types { prefix dt; } leaf x { type dt:t; } }',
    /dev left out: .*dev\.yang:1:\d+: module dev-types not found in the YANG search path \(searched [^)]*yang[^)]*\)/,
  ],
  'a missing ;': ['module dev { yang-version 1.1; namespace "urn:t:dev"; prefix d;\n  leaf x { type string }\n}', /dev left out: .*dev\.yang:2:\d+: expected ';' or '\{'/],
  'an augment whose target is missing': [
    'module dev { yang-version 1.1; namespace "urn:t:dev"; prefix d; import svc { prefix s; } augment "/s:nothing" { leaf y { type string; } } }',
    /dev\.yang:1:\d+: augment target \/s:nothing not found/,
  ],
};

function folder(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'yang-problems-'));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

test('runService: YANG not read whole is a YangLoadError naming the module, what is missing and the folders; validate: false runs', async (t) => {
  for (const [what, [text, expect]] of Object.entries(BROKEN)) {
    const yang = folder({ 'svc.yang': SVC_YANG, 'dev.yang': text });
    t.after(() => rmSync(yang, { recursive: true, force: true }));
    const err = await runService(MODULE, CONFIG, { yangDirs: [yang] }).then(
      () => undefined,
      (e: unknown) => e,
    );
    assert.ok(err instanceof YangLoadError, `${what}: ${String(err)}`);
    assert.match(err.message, expect, what);
    assert.ok(err.message.includes(`YANG folders searched: ${yang}`), err.message);
    const off = await runService(MODULE, CONFIG, { yangDirs: [yang], validate: false });
    assert.equal(off.validation, undefined, what);
    assert.equal(off.edits.length, 1, what);
  }
});

test('runService: the namespaces no model judged are named in the result', async (t) => {
  const yang = folder({ 'svc.yang': SVC_YANG });
  t.after(() => rmSync(yang, { recursive: true, force: true }));
  const r = await runService(MODULE, CONFIG, { yangDirs: [yang] });
  assert.deepEqual(r.validation?.unchecked, ['urn:t:nomodel']);
});

function runTry(args: string[]): { status: number | null; out: string } {
  const r = spawnSync(process.execPath, ['--import', 'tsx', join(REPO, 'src/try.ts'), ...args, '--no-color'], {
    cwd: REPO,
    encoding: 'utf8',
    env: { ...process.env, NO_COLOR: '1' },
    timeout: 120_000,
  });
  return { status: r.status, out: `${r.stdout}${r.stderr}` };
}

test('try: a missing import exits 2 naming it and the folders searched; --no-validate runs; unchecked namespaces are said once', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'try-problems-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const mod = join(dir, 'mod');
  mkdirSync(mod);
  writeFileSync(join(mod, 'package.json'), '{"type":"module"}');
  writeFileSync(join(mod, 'svc.yang'), SVC_YANG);
  writeFileSync(
    join(mod, 'svc.ts'),
    `export const SERVICE = 'svc';
export function setup(root: any): void {
  root.devices.getEntry('device', 'dev1').child('config').create('box', { attributes: { xmlns: 'urn:t:nomodel' } }).create('size', { data: '1' });
}
`,
  );
  const cfg = join(dir, 'config.xml');
  writeFileSync(cfg, CONFIG);
  const devices = join(dir, 'device-yang');
  mkdirSync(devices);
  writeFileSync(join(devices, 'dev.yang'), BROKEN['a missing import']![0]);

  const failed = runTry([mod, cfg, 'svc', 'a', '--yang', devices]);
  assert.equal(failed.status, 2, failed.out);
  assert.match(failed.out, /module dev-types not found in the YANG search path/);
  assert.ok(failed.out.includes(devices), failed.out);

  const off = runTry([mod, cfg, 'svc', 'a', '--yang', devices, '--no-validate']);
  assert.equal(off.status, 0, off.out);

  rmSync(join(devices, 'dev.yang'));
  const ok = runTry([mod, cfg, 'svc', 'a', '--yang', devices]);
  assert.equal(ok.status, 0, ok.out);
  assert.equal(ok.out.match(/not checked, no YANG model for namespace urn:t:nomodel/g)?.length, 1, ok.out);
});

// testsvc writing one parameter per params entry; the device model is clixon-example's table.
const TESTSVC = `
export const SERVICE = 'testsvc';
export function setup(root: any): void {
  for (const inst of root.services?.getElements('testsvc') ?? []) {
    for (const dev of root.devices?.getElements('device') ?? []) {
      const e = dev.child('config').child('table').create('parameter', { attributes: { 'cl:creator': "testsvc[name='" + inst.child('name').getData() + "']", 'xmlns:cl': 'http://clicon.org/lib' } });
      e.create('name', { data: 'p' });
      e.create('value', { data: 'v' });
    }
  }
}
`;
const DEVICE_YANG = `module clixon-example { yang-version 1.1; namespace "urn:example:clixon"; prefix ex;
  container table { list parameter { key name; leaf name { type string; } leaf value { type string; } } } }`;

test('server --validate: YANG problems are warned at start and at every reload, and the transaction line says the check was partial', async (t) => {
  const dir = tempDir();
  const modules = join(dir, 'modules');
  writeFiles(modules, { 'testsvc.ts': TESTSVC });
  copyFileSync(join(WIRE, 'testsvc@2026-01-01.yang'), join(modules, 'testsvc@2026-01-01.yang'));
  const devices = join(dir, 'device-yang');
  mkdirSync(devices);
  writeFileSync(join(devices, 'clixon-example.yang'), DEVICE_YANG);
  writeFileSync(join(devices, 'dev.yang'), BROKEN['a missing import']![0]);
  const { server, op } = await startStack(t, dir, { args: ['--validate', '--yang', devices] });
  await server.waitFor(/YANG problem, what it defines is not checked: dev left out: .*module dev-types not found/);
  await server.waitFor(new RegExp(`YANG folders searched: .*${devices}`));

  const mark = server.lines.length;
  server.child.kill('SIGHUP');
  await server.waitFor(/YANG problem, what it defines is not checked: dev left out/, mark);

  const r = await op.apply('<testsvc xmlns="urn:example:testsvc"><name>s1</name></testsvc>');
  assert.equal(r.result, 'SUCCESS', JSON.stringify(r));
  await server.waitFor(/validate \d+ ms \(1 YANG problem\(s\) at load: what they define is not checked\)/);
});

test('server without --validate says validation is off and how to turn it on', async (t) => {
  const dir = tempDir();
  writeFiles(join(dir, 'modules'), { 'testsvc.ts': TESTSVC });
  const { server } = await startStack(t, dir, {});
  await server.waitFor(/validation off: --validate \(or -d\) checks/);
});
