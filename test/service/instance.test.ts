/**
 * One library instance, whatever the module's folder: .ts, .mts, .js and .mjs modules in
 * folders outside the repo (no package.json, `"type": "commonjs"`, `"type": "module"`),
 * importing the API as `clixon-tsapi` or by a relative or absolute path, build nodes with
 * parseTemplate and add() them into the tree they are given: under the server, `try` and
 * runService(). An Element of another copy of the library is refused with a clear error.
 */
import { spawn } from 'node:child_process';
import { cpSync, mkdirSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runService } from '../../src/devkit/index.ts';
import { ModuleRunError } from '../../src/service/runner.ts';
import { parseString, type Element } from '../../src/xml/index.ts';
import { cleanup, deviceParams, Operator, REPO, startServer, stopAfter, sim, tempDir, TEST_CONFIG } from './harness.ts';

const SERVICES = '<services xmlns="http://clicon.org/controller"><testsvc xmlns="urn:example:testsvc"><name>a</name></testsvc></services>';
const CONFIG = `${SERVICES}${TEST_CONFIG}`;

/** A testsvc module that adds, on every device, a parameter named `variant` built by parseTemplate from `from`. */
function moduleSource(from: string, variant: string, typed: boolean): string {
  const head = typed ? `import { parseTemplate, type XmlNode } from '${from}';\n` : `import { parseTemplate } from '${from}';\n`;
  const root = typed ? 'root: XmlNode' : 'root';
  return `${head}
export const SERVICE = 'testsvc';
const PARAM = '<parameter xmlns:cl="http://clicon.org/lib" cl:creator="testsvc[name=\\'{{I}}\\']"><name>{{N}}</name><value>v</value></parameter>';
export function setup(${root}) {
  for (const inst of root.services?.getElements('testsvc') ?? []) {
    for (const dev of root.devices?.getElements('device') ?? []) {
      const cfg = dev.child('config') ?? dev.create('config');
      const table = cfg.child('table') ?? cfg.create('table', { attributes: { xmlns: 'urn:example:clixon' } });
      table.add(parseTemplate(PARAM, { I: inst.child('name').getData(), N: '${variant}' }));
    }
  }
}
`;
}

/**
 * Module folders under `<dir>/mods` (plain: no package.json, cjs, esm), and a helper in
 * `<dir>/common` that a module imports. Returns the variant names every device should get.
 */
function writeModules(dir: string): string[] {
  const mods = join(dir, 'mods');
  const rel = (from: string, file: string): string => relative(from, join(REPO, file)).split('\\').join('/');
  const files: Record<string, (folder: string) => string> = {
    'plain/pkg.ts': () => moduleSource('clixon-tsapi', 'plain-pkg-ts', true),
    'plain/rel.ts': (f) => moduleSource(rel(f, 'src/xml/index.ts'), 'plain-rel-ts', true),
    // Names apart from the .ts ones: tsx resolves x.js to a sibling x.ts, as TypeScript does.
    'plain/pkgjs.js': () => moduleSource('clixon-tsapi', 'plain-pkgjs-js', false),
    'plain/abs.mjs': () => moduleSource(join(REPO, 'src/index.ts'), 'plain-abs-mjs', false),
    'cjs/pkg.ts': () => moduleSource('clixon-tsapi', 'cjs-pkg-ts', true),
    'cjs/rel.js': (f) => moduleSource(rel(f, 'src/index.ts'), 'cjs-rel-js', false),
    'esm/pkg.mts': () => moduleSource('clixon-tsapi', 'esm-pkg-mts', true),
    'esm/rel.ts': (f) => moduleSource(rel(f, 'src/xml/index.ts'), 'esm-rel-ts', true),
    'esm/pkgmjs.mjs': () => moduleSource('clixon-tsapi', 'esm-pkgmjs-mjs', false),
    // A module whose nodes come from a helper file outside the module folder, itself importing the package.
    'plain/helped.ts': () => moduleSource('../../common/helper.ts', 'plain-helped-ts', true),
  };
  for (const [name, source] of Object.entries(files)) {
    const folder = join(mods, name.split('/')[0]!);
    mkdirSync(folder, { recursive: true });
    writeFileSync(join(mods, name), source(folder));
  }
  writeFileSync(join(mods, 'cjs/package.json'), '{"type":"commonjs"}');
  writeFileSync(join(mods, 'esm/package.json'), '{"type":"module"}');
  mkdirSync(join(dir, 'common'));
  writeFileSync(join(dir, 'common/helper.ts'), "export { parseTemplate, type XmlNode } from 'clixon-tsapi';\n");
  return Object.keys(files)
    .map((n) => n.replace(/[/.]/g, '-'))
    .sort();
}

const params = (names: string[]): string[] => names.map((n) => `${n}=v`).sort();

test('runService: every module shares the one instance', async (t) => {
  const dir = tempDir('tsapi-inst-');
  t.after(() => cleanup(dir));
  const variants = writeModules(dir);
  const r = await runService(join(dir, 'mods'), CONFIG, { instance: "testsvc[name='a']" });
  for (const dev of ['dev1', 'dev2']) {
    const diff = r.diff.get(dev) ?? '';
    for (const v of variants) assert.match(diff, new RegExp(`<name>${v}</name>`), `${dev}: ${v} missing in\n${diff}`);
  }
});

test('try: every module shares the one instance', async (t) => {
  const dir = tempDir('tsapi-inst-');
  t.after(() => cleanup(dir));
  const variants = writeModules(dir);
  writeFileSync(join(dir, 'config.xml'), CONFIG);
  const child = spawn(process.execPath, [join(REPO, 'bin/clixon-tsapi.mjs'), 'try', join(dir, 'mods'), join(dir, 'config.xml'), 'testsvc', 'a', '--no-color', '-q'], {
    cwd: dir,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  assert.equal(code, 0, out);
  for (const v of variants) assert.equal(out.split(`<name>${v}</name>`).length - 1, 2, `${v} once per device in\n${out}`);
});

test('server: every module shares the one instance', async (t) => {
  const dir = tempDir('tsapi-inst-');
  const variants = writeModules(dir);
  const s = await sim(dir);
  const server = startServer(['-F', '-l', 'o', '-s', s.path!, '-m', join(dir, 'mods'), '-p', join(dir, 'pid')]);
  stopAfter(t, dir, server, () => s);
  await server.waitFor(/waiting for services-commit/);
  const op = await Operator.connect(s.path!);
  t.after(() => op.close());
  const outcome = await op.apply('<testsvc xmlns="urn:example:testsvc"><name>a</name></testsvc>');
  assert.equal(outcome.result, 'SUCCESS', `${outcome.reason ?? ''}\n${server.lines.join('\n')}`);
  for (const dev of ['dev1', 'dev2']) assert.deepEqual(deviceParams(s, dev), params(variants));
});

test('an Element of another copy of the library is refused, saying so, never a TypeError', async (t) => {
  const dir = tempDir('tsapi-inst-');
  t.after(() => cleanup(dir));
  // Another copy: this repo's xml folder installed elsewhere.
  cpSync(join(REPO, 'src/xml'), join(dir, 'other/src/xml'), { recursive: true });
  writeFileSync(join(dir, 'other/package.json'), '{"name":"clixon-tsapi","type":"module"}');
  mkdirSync(join(dir, 'mods'));
  writeFileSync(join(dir, 'mods/foreign.ts'), moduleSource(join(dir, 'other/src/xml/index.ts'), 'foreign', true));
  await assert.rejects(runService(join(dir, 'mods'), CONFIG, { instance: "testsvc[name='a']" }), (err: unknown) => {
    assert.ok(err instanceof ModuleRunError, String(err));
    const cause = err.error;
    assert.ok(cause instanceof Error && !(cause instanceof TypeError), String(cause));
    assert.equal(cause.name, 'ForeignElementError');
    assert.match(cause.message, /another copy of clixon-tsapi \(file:\/\/.*other\/src\/xml\/element\.ts\)/);
    assert.match(cause.message, /Import the API as 'clixon-tsapi'/);
    return true;
  });
});

test('add() of something that is no Element is an XmlTreeError naming what it got', () => {
  const root = parseString('<a/>');
  assert.throws(() => root.add('b' as unknown as Element), { name: 'XmlTreeError', message: 'add() takes an Element, got string' });
  assert.throws(() => root.add(undefined as unknown as Element), { name: 'XmlTreeError', message: 'add() takes an Element, got undefined' });
});
