/**
 * The package as a user installs it: `npm pack`, the tarball installed into an empty
 * folder (offline, from the npm cache that `npm ci` filled: the install folder's lockfile
 * is built from ours), then the installed `clixon-tsapi server` runs a module folder
 * elsewhere (no package.json) whose module imports `clixon-tsapi`, against the simulator,
 * and the installed `clixon-tsapi check` checks the installed example.
 */
import { execFile, spawn } from 'node:child_process';
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { deviceParams, Operator, REPO, ServerProcess, sim, stopAfter, tempDir } from '../service/harness.ts';

const exec = promisify(execFile);
const NPM = join(process.execPath, '..', 'npm');

interface LockEntry {
  dev?: boolean;
  [field: string]: unknown;
}

/** A lockfile for a folder depending on the tarball alone: our runtime entries (same hoisted paths) plus the package. */
function installLock(tarball: string): { pkg: object; lock: object } {
  const ours = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as Record<string, unknown>;
  const lock = JSON.parse(readFileSync(join(REPO, 'package-lock.json'), 'utf8')) as { packages: Record<string, LockEntry> };
  const runtime = Object.entries(lock.packages).filter(([path, e]) => path !== '' && e.dev !== true);
  const dependencies = { 'clixon-tsapi': `file:${tarball}` };
  const self = { version: ours.version, resolved: `file:${tarball}`, dependencies: ours.dependencies, bin: ours.bin, engines: ours.engines };
  // The installing project's own choice, as for ours: esbuild's postinstall is not needed.
  const pkg = { private: true, dependencies, allowScripts: { esbuild: false } };
  return { pkg, lock: { lockfileVersion: 3, requires: true, packages: { '': { dependencies }, ...Object.fromEntries(runtime), 'node_modules/clixon-tsapi': self } } };
}

const MODULE = `import { parseTemplate, type ServiceModule } from 'clixon-tsapi';
export const SERVICE = 'testsvc';
const PARAM = '<parameter xmlns:cl="http://clicon.org/lib" cl:creator="testsvc[name=\\'{{I}}\\']"><name>{{P}}</name><value>installed</value></parameter>';
export const setup: ServiceModule['setup'] = (root) => {
  for (const inst of root.services?.getElements('testsvc') ?? []) {
    for (const dev of root.devices?.getElements('device') ?? []) {
      const table = dev.child('config')?.child('table');
      for (const p of inst.getElements('params')) table?.add(parseTemplate(PARAM, { I: inst.child('name')?.getData() ?? '', P: p.getData() }));
    }
  }
};
`;

test('npm pack, install into an empty folder, run the installed server on a module folder elsewhere', { timeout: 180_000 }, async (t) => {
  const dir = tempDir('tsapi-pack-');
  const { stdout } = await exec(NPM, ['pack', '--silent', '--pack-destination', dir], { cwd: REPO });
  const tarball = join(dir, stdout.trim().split('\n').pop()!);
  const install = join(dir, 'install');
  mkdirSync(install);
  const { pkg, lock } = installLock(tarball);
  writeFileSync(join(install, 'package.json'), JSON.stringify(pkg));
  writeFileSync(join(install, 'package-lock.json'), JSON.stringify(lock));
  const installed = await exec(NPM, ['ci', '--offline', '--no-audit', '--no-fund'], { cwd: install });
  assert.doesNotMatch(installed.stderr, /npm (warn|error)/, installed.stderr);

  const modules = join(dir, 'controller-modules');
  mkdirSync(modules);
  writeFileSync(join(modules, 'testsvc.ts'), MODULE);
  const s = await sim(dir);
  const child = spawn(join(install, 'node_modules/.bin/clixon-tsapi'), ['server', '-F', '-l', 'o', '-s', s.path!, '-m', modules, '-p', join(dir, 'pid')], {
    cwd: dir,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, NODE_TEST_CONTEXT: '', NO_COLOR: '1' },
  });
  const server = new ServerProcess(child);
  stopAfter(t, dir, server, () => s);
  await server.waitFor(/waiting for services-commit/);
  // The server runs from the installed copy, not from this checkout.
  const pid = readFileSync(join(dir, 'pid'), 'utf8').trim();
  assert.ok(readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(join(install, 'node_modules/.bin/clixon-tsapi')));
  const op = await Operator.connect(s.path!);
  t.after(() => op.close());
  const outcome = await op.apply('<testsvc xmlns="urn:example:testsvc"><name>a</name><params>p1</params><params>p2</params></testsvc>');
  assert.equal(outcome.result, 'SUCCESS', `${outcome.reason ?? ''}\n${server.lines.join('\n')}`);
  assert.deepEqual(deviceParams(s, 'dev1'), ['p1=installed', 'p2=installed']);

  // check ships with what it needs (fast-check): the installed command checks the installed banner example.
  const config = join(dir, 'banner.xml');
  writeFileSync(config, `<services xmlns="http://clicon.org/controller"><banner xmlns="urn:example:banner"><name>motd</name><text>Hi</text><device>dev1</device></banner></services><devices xmlns="http://clicon.org/controller">${['dev1', 'dev2'].map((d) => `<device><name>${d}</name><module-set><module><name>openconfig-system</name><namespace>http://openconfig.net/yang/system</namespace></module></module-set><config/></device>`).join('')}</devices>`);
  const checked = await exec(join(install, 'node_modules/.bin/clixon-tsapi'), ['check', join(install, 'node_modules/clixon-tsapi/modules/banner'), config, '--runs', '3', '--seed', '1'], {
    cwd: dir,
    env: { ...process.env, NODE_TEST_CONTEXT: '', NO_COLOR: '1' },
  });
  assert.match(checked.stdout, /^checked banner\[name='motd'\] from the config; 3 generated cases of banner/m);
  assert.match(checked.stdout, /^OK$/m);
});
