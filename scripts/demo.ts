/**
 * `npm start`: the simulated controller seeded with src/sim/demo/config.xml and the
 * service server on modules/, showing one services-commit cycle end to end (commit diff,
 * then commit), then left running for you to edit a module and commit again, until
 * Ctrl-C. With `--once` it exits after the cycle (0 when it worked).
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cac } from 'cac';
import { setLogLevel } from '../src/log.ts';
import { startSimulator } from '../src/sim/index.ts';
import { applyServices, CommandClient, CommandError, showDevices } from '../src/sim/commands.ts';

const REPO = fileURLToPath(new URL('..', import.meta.url));
const cli = cac('demo');
cli.option('--once', 'Exit after the first cycle').option('--socket <path>', 'Simulator socket', { default: join(tmpdir(), 'clixon-sim.sock') });
cli.help();
const { options } = cli.parse();
if (options.help) process.exit(0);
const once = options.once === true;
const sock = String(options.socket);

setLogLevel(1);
const say = (s: string): void => void process.stdout.write(`${s}\n`);
const dir = mkdtempSync(join(tmpdir(), 'tsapi-demo-'));
if (existsSync(sock)) rmSync(sock);

const FIXTURES = join(REPO, 'test/fixtures/yang');
// A mixed network: two routers of one kind (the Clixon example model and OpenConfig
// system), one OpenConfig-only device; each kind's YANG compiled once.
const sim = await startSimulator({
  path: sock,
  config: join(REPO, 'src/sim/demo/config.xml'),
  yangDirs: [join(REPO, 'modules')],
  deviceKinds: {
    router: { yangDirs: [join(FIXTURES, 'clixon-example'), join(FIXTURES, 'clixon'), join(FIXTURES, 'openconfig')], modules: ['clixon-example', 'openconfig-system'], devices: ['dev*'] },
    openconfig: { yangDirs: [join(FIXTURES, 'openconfig')], modules: ['openconfig-system', 'openconfig-interfaces', 'iana-if-type'], devices: ['oc*'] },
  },
});
say(`simulated controller on ${sock} (a mixed network: routers dev1, dev2 and OpenConfig device oc1; one ssh-users instance "admins" not yet applied)`);

const server = spawn(process.execPath, ['--import', 'tsx', join(REPO, 'src/server.ts'), '-F', '-l', 'o', '-s', sock, '-m', join(REPO, 'modules'), '-p', join(dir, 'server.pid')], {
  cwd: REPO,
  stdio: ['ignore', 'pipe', 'pipe'],
  env: { ...process.env, ...(process.stdout.isTTY ? { FORCE_COLOR: '1' } : { NO_COLOR: '1' }) },
});
let pending = '';
const ready = new Promise<void>((resolve, reject) => {
  const onData = (d: Buffer): void => {
    pending += d.toString();
    let nl: number;
    while ((nl = pending.indexOf('\n')) >= 0) {
      const line = pending.slice(0, nl);
      pending = pending.slice(nl + 1);
      say(`  [server] ${line}`);
      if (line.includes('waiting for services-commit')) resolve();
    }
  };
  server.stdout!.on('data', onData);
  server.stderr!.on('data', onData);
  server.once('exit', (code) => reject(new Error(`the service server exited (${code})`)));
});

let stopping = false;
async function shutdown(code: number): Promise<never> {
  stopping = true;
  if (server.exitCode === null && server.signalCode === null) {
    server.kill('SIGTERM');
    await new Promise((r) => server.once('exit', r));
  }
  await sim.close();
  rmSync(dir, { recursive: true, force: true });
  process.exit(code);
}
process.on('SIGINT', () => void shutdown(0));
process.on('SIGTERM', () => void shutdown(0));

try {
  await ready;
  const c = await CommandClient.connect({ path: sock, user: 'admin' });
  say('\n> apply services diff   (the controller asks the server to run every service, shows what would change)');
  say(await applyServices(c, undefined, true));
  say('\n> apply services        (same, and pushed to the devices)');
  say(await applyServices(c));
  say('\n> show devices');
  say(await showDevices(c));
  say('\n> each device\'s models (get-device-schema)');
  for (const device of ['dev1', 'dev2', 'oc1']) {
    const names = (await c.rpc(`<get-device-schema xmlns="http://clicon.org/controller"><device>${device}</device></get-device-schema>`)).childrenNamed('schema').map((s) => s.childText('name') ?? '');
    say(`${device}: ${names.length} modules, ${names.filter((n) => n === 'clixon-example' || n === 'openconfig-system' || n === 'openconfig-interfaces').join(', ')}`);
  }
  say('\n> a clixon-example table on oc1 (it has no such model)');
  try {
    await c.rpc(`<edit-config><target><candidate/></target><config><devices xmlns="http://clicon.org/controller"><device><name>oc1</name><config><table xmlns="urn:example:clixon"><parameter><name>mtu</name><value>1500</value></parameter></table></config></device></devices></config></edit-config>`);
    say('accepted (it should not be)');
  } catch (err) {
    if (!(err instanceof CommandError)) throw err;
    say(`refused: ${err.message}`);
  }
  c.close();
  const running = sim.datastore('running');
  const ok = ['dev1', 'dev2', 'oc1'].every((d) => running.find(`devices/device[name='${d}']/config/system/aaa/authentication/users/user[username='alice']`) !== undefined);
  say(ok ? '\none services-commit cycle done: alice is on every device.' : '\nthe cycle did not put alice on the devices.');
  if (once) await shutdown(ok ? 0 : 1);
  say(
    [
      '',
      'Still running. Try, in another terminal:',
      `  edit modules/ssh-users/ssh-users.ts (the server reloads it on save), then`,
      `  npx tsx src/sim/cli.ts set --socket ${sock} '<ssh-users xmlns="http://clicon.org/ssh-users"><instance>admins</instance><username><name>bob</name><role>operator</role></username></ssh-users>'`,
      `  npx tsx src/sim/cli.ts commit-diff --socket ${sock}`,
      `  npx tsx src/sim/cli.ts commit --socket ${sock}`,
      'Ctrl-C stops both.',
    ].join('\n'),
  );
} catch (err) {
  if (!stopping) {
    say(`demo failed: ${err instanceof Error ? err.message : String(err)}`);
    await shutdown(1);
  }
}
