/**
 * What the real-controller suite needs of a running Clixon controller, given by its
 * controller.xml in CLIXON_CONTROLLER_CONFIG: its socket, its CLI (`clixon_cli -1`), a
 * reset to a known state, the devices' own config read back by a pull, and our server
 * started on a module folder outside the repo. The controller must hold the `testsvc`
 * service YANG (test/fixtures/wire) and devices dev1 and dev2 OPEN.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { readControllerConfig } from '../../src/service/config.ts';
import { Clixon, type ClixonOptions } from '../../src/client/index.ts';
import type { XmlNode } from '../../src/xml/index.ts';
import { REPO, startServer, tempDir, type ServerProcess } from '../service/harness.ts';
import { waitUntil } from '../deadline.ts';
import { isAlive } from '../../src/service/pidfile.ts';

export { REPO };

export const CONFIG_FILE = process.env.CLIXON_CONTROLLER_CONFIG ?? '';
export const SOCK = CONFIG_FILE === '' ? '' : (readControllerConfig(CONFIG_FILE).sock ?? '');
export const DEVICES = ['dev1', 'dev2'];

export interface CliResult {
  code: number;
  /** stdout and stderr together, as a user at the terminal sees them */
  output: string;
}

/** One controller CLI command (`clixon_cli -1`), e.g. `cli('-m', 'configure', 'commit', 'diff')`. */
export function cli(...args: string[]): Promise<CliResult> {
  return new Promise((resolve) => {
    execFile('clixon_cli', ['-f', CONFIG_FILE, '-1', ...args], { timeout: 120_000, maxBuffer: 64 << 20 }, (err, stdout, stderr) => {
      const code = err === null ? 0 : typeof err.code === 'number' ? err.code : 1;
      resolve({ code, output: `${stdout}${stderr}` });
    });
  });
}

/** A configure-mode CLI command that must not print an error. */
export async function configure(...args: string[]): Promise<string> {
  const r = await cli('-m', 'configure', ...args);
  if (r.code !== 0 || /error/i.test(r.output)) throw new Error(`clixon_cli configure ${args.join(' ')}: ${r.output}`);
  return r.output;
}

/** A client of the real controller; `user` defaults to the OS user. */
export function client(opts: Omit<ClixonOptions, 'sockpath'> = {}): Promise<Clixon> {
  return Clixon.connect({ sockpath: SOCK, timeout: 60_000, ...opts });
}

/**
 * Back to a known state: no candidate changes, no testsvc instance, no parameters on the
 * devices. Needs a service server subscribed (the deletion is a services-commit).
 */
export async function reset(): Promise<void> {
  await cli('-m', 'configure', 'discard');
  {
    await using cx = await client({ source: 'running', readOnly: true });
    const root = await cx.getRoot({ xpath: '/services' });
    for (const inst of root.services?.getElements('testsvc') ?? []) {
      await configure('delete', 'services', 'testsvc', String(inst.child('name')?.getData()));
    }
  }
  for (const d of DEVICES) await cli('-m', 'configure', 'delete', 'devices', 'device', d, 'config', 'table');
  const r = await cli('-m', 'configure', 'commit');
  if (!/OK/.test(r.output) && !/No changes/i.test(r.output)) throw new Error(`reset commit: ${r.output}`);
  const left = await deviceParams();
  if (DEVICES.some((d) => left[d]!.length > 0)) throw new Error(`reset left parameters on the devices: ${JSON.stringify(left)}`);
}

/**
 * The parameters each device itself holds (name=value, sorted): pulled from the devices
 * into running, then read, so that a config the controller only thinks it pushed shows.
 */
export async function deviceParams(): Promise<Record<string, string[]>> {
  await using cx = await client({ source: 'running', readOnly: true });
  await cx.pull();
  const root = await cx.getRoot({ xpath: '/devices/device/config' });
  const out: Record<string, string[]> = {};
  for (const d of DEVICES) {
    const table = root.find(`devices/device[name='${d}']/config/table`) as XmlNode | undefined;
    out[d] = (table?.getElements('parameter') ?? []).map((p) => `${p.child('name')?.getData()}=${p.child('value')?.getData()}`).sort();
  }
  return out;
}

/**
 * The testsvc module of the recordings (what testsvc.py does), plus anything in `extra`,
 * as a user writes it in the controller's module folder: the API imported by package
 * name, each parameter built from a template and `add()`ed (one library instance or bust).
 * Only into devices that carry clixon-example (ctx.models): the rig may hold others (oc1).
 */
export function testsvcModule(extra = ''): string {
  return `import { parseTemplate, type ServiceModule } from 'clixon-tsapi';
export const SERVICE = 'testsvc';
const PARAM = '<parameter xmlns:cl="http://clicon.org/lib" cl:creator="testsvc[name=\\'{{INSTANCE}}\\']"><name>{{NAME}}</name><value>{{INSTANCE}}</value></parameter>';
export const setup: ServiceModule['setup'] = (root, log, ctx) => {
  for (const inst of root.services?.getElements('testsvc') ?? []) {
    const name = String(inst.child('name')?.getData());
    if (ctx.instance !== undefined && name !== ctx.instance) continue;
    if (name === 'boom') throw new Error('boom requested');
    for (const dev of root.devices?.getElements('device') ?? []) {
      if (!ctx.models.hasModel(String(dev.child('name')?.getData()), 'clixon-example')) continue;
      const cfg = dev.child('config') ?? dev.create('config');
      const table = cfg.child('table') ?? cfg.create('table', { attributes: { xmlns: 'urn:example:clixon' } });
      for (const p of inst.getElements('params')) {
        table.add(parseTemplate(PARAM, { INSTANCE: name, NAME: String(p.getData()) }).child('parameter')!);
      }
    }
  }
};
${extra}`;
}

/** A module folder outside the repo, as a controller's module path is. */
export function moduleDir(files: Record<string, string>): string {
  const dir = join(tempDir('tsapi-ctrl-'), 'modules');
  mkdirSync(dir, { recursive: true });
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, name)), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
  return dir;
}

/**
 * Our server on the real controller's socket (foreground, stdout), subscribed: with -d
 * (frames logged, validation on: each device's config against its models from the
 * controller), or with `plain` neither, as the server runs by default.
 */
export async function serve(modules: string, args: string[] = [], opts: { plain?: boolean } = {}): Promise<ServerProcess> {
  const server = startServer(['-F', '-l', 'o', ...(opts.plain ? [] : ['-d']), '-s', SOCK, '-m', modules, '-p', join(dirname(modules), 'server.pid'), ...args]);
  await server.waitFor(/waiting for services-commit/, 0, 300_000);
  return server;
}

const BACKEND_PIDFILE_RE = /<CLICON_BACKEND_PIDFILE>([^<]+)<\/CLICON_BACKEND_PIDFILE>/;

/**
 * Stops the controller backend and starts it again from its running datastore with
 * `configFile` (default: the suite's), then opens the devices and waits for them OPEN.
 */
export async function restartController(configFile = CONFIG_FILE): Promise<void> {
  const pidFile = BACKEND_PIDFILE_RE.exec(readFileSync(CONFIG_FILE, 'utf8'))?.[1];
  if (!pidFile) throw new Error(`no CLICON_BACKEND_PIDFILE in ${CONFIG_FILE}`);
  const pid = Number(readFileSync(pidFile, 'utf8').trim());
  process.kill(pid, 'SIGTERM');
  await waitUntil(`controller pid ${pid} to exit`, () => !isAlive(pid));
  const log = join(dirname(pidFile), 'backend.log');
  await new Promise<void>((resolve, reject) =>
    execFile('clixon_backend', ['-f', configFile, '-s', 'running', '-l', `f${log}`], { timeout: 120_000 }, (err) => (err ? reject(err) : resolve())),
  );
  await waitUntil('the controller to answer', async () => (await cli('show', 'version')).code === 0);
  await cli('connection', 'open');
  await waitUntil('dev1 and dev2 OPEN', async () => {
    const out = (await cli('show', 'connections')).output;
    return DEVICES.every((d) => new RegExp(`^${d}\\s+OPEN`, 'm').test(out));
  });
}
