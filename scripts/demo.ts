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
import { applyServices, CommandClient, showDevices } from '../src/sim/commands.ts';

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

const sim = await startSimulator({ path: sock, config: join(REPO, 'src/sim/demo/config.xml'), yangDirs: [join(REPO, 'modules')] });
say(`simulated controller on ${sock} (two devices, one ssh-users instance "admins" not yet applied)`);

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
  c.close();
  const ok = sim.datastore('running').find("devices/device[name='dev1']/config/system/aaa/authentication/users/user[username='alice']") !== undefined;
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
