/**
 * End-to-end smoke test (CI runs it): the simulated controller with two devices, the real
 * service server process on modules/, a commit of an ssh-users and a banner instance,
 * then a look at the devices' config in running. Exits 0 when all is there, else 1.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Session } from '../src/netconf/index.ts';
import { startSimulator } from '../src/sim/index.ts';
import type { XmlNode } from '../src/xml/index.ts';

const REPO = fileURLToPath(new URL('..', import.meta.url));
const CTRL = 'http://clicon.org/controller';
const rpc = (body: string): string => `<rpc xmlns="urn:ietf:params:xml:ns:netconf:base:1.0" username="admin" message-id="1">${body}</rpc>`;

const dir = mkdtempSync(join(tmpdir(), 'tsapi-smoke-'));
const sock = join(dir, 'controller.sock');
const failures: string[] = [];
const check = (ok: boolean, what: string): void => {
  process.stdout.write(`${ok ? 'ok  ' : 'FAIL'} ${what}\n`);
  if (!ok) failures.push(what);
};

const sim = await startSimulator({
  path: sock,
  yangDirs: [join(REPO, 'modules')],
  config:
    `<devices xmlns="${CTRL}">` +
    ['r1', 'r2'].map((d) => `<device><name>${d}</name><enabled>true</enabled><conn-type>NETCONF_SSH</conn-type><module-set><module><name>openconfig-system</name><namespace>http://openconfig.net/yang/system</namespace></module></module-set><config/></device>`).join('') +
    '</devices>',
});

const server = spawn(process.execPath, ['--import', 'tsx', join(REPO, 'src/server.ts'), '-F', '-l', 'o', '-s', sock, '-m', join(REPO, 'modules'), '-p', join(dir, 'server.pid')], {
  cwd: REPO,
  stdio: ['ignore', 'pipe', 'inherit'],
  env: { ...process.env, NO_COLOR: '1' },
});
let serverLog = '';
const ready = new Promise<void>((resolve, reject) => {
  const t = setTimeout(() => reject(new Error(`server not ready in 60 s:\n${serverLog}`)), 60_000);
  server.stdout!.on('data', (d: Buffer) => {
    serverLog += d.toString();
    if (serverLog.includes('waiting for services-commit')) {
      clearTimeout(t);
      resolve();
    }
  });
  server.once('exit', (code) => reject(new Error(`server exited (${code}):\n${serverLog}`)));
});

let exitCode = 1;
try {
  await ready;
  check(true, 'server connected and subscribed');
  const s = await Session.connect({ path: sock, user: 'admin', timeout: 30_000 });
  const outcomes = new Map<string, XmlNode>();
  const waiters = new Map<string, (n: XmlNode) => void>();
  s.on('notification', (n) => {
    const ct = n.child('controller-transaction');
    const tid = ct?.child('tid')?.getData();
    if (!ct || tid === undefined) return;
    outcomes.set(tid, ct);
    waiters.get(tid)?.(ct);
  });
  await s.rpc(rpc('<create-subscription xmlns="urn:ietf:params:xml:ns:netmod:notification"><stream>controller-transaction</stream></create-subscription>'));
  await s.rpc(
    rpc(
      `<edit-config><target><candidate/></target><config><services xmlns="${CTRL}">` +
        '<ssh-users xmlns="http://clicon.org/ssh-users"><instance>ops</instance><username><name>alice</name><ssh-key>ssh-ed25519 AAAAC3 alice</ssh-key><role>admin</role></username></ssh-users>' +
        '<banner xmlns="urn:example:banner"><name>motd</name><text>Authorized use only</text><device>r2</device></banner>' +
        '</services></config></edit-config>',
    ),
  );
  const reply = await s.rpc(rpc(`<controller-commit xmlns="${CTRL}"><device>*</device><push>COMMIT</push><actions>CHANGE</actions><source>ds:candidate</source></controller-commit>`));
  const tid = reply.child('tid')?.getData() ?? '';
  const outcome =
    outcomes.get(tid) ??
    (await new Promise<XmlNode>((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`no outcome for transaction ${tid}`)), 60_000);
      waiters.set(tid, (n) => (clearTimeout(t), resolve(n)));
    }));
  const result = outcome.child('result')?.getData();
  check(result === 'SUCCESS', `transaction ${tid} ${result ?? '?'} ${outcome.child('reason')?.getData() ?? ''}`.trim());
  const running = sim.datastore('running');
  for (const d of ['r1', 'r2']) {
    const user = running.find(`devices/device[name='${d}']/config/system/aaa/authentication/users/user[username='alice']`);
    check(user?.find('config/role')?.getData() === 'admin', `${d}: user alice with role admin`);
  }
  check(running.find("devices/device[name='r2']/config/system/config/login-banner")?.getData() === 'Authorized use only', 'r2: login banner set');
  check(running.find("devices/device[name='r1']/config/system/config/login-banner") === undefined, 'r1: no banner (not listed)');
  await s.close();
  server.kill('SIGTERM');
  const code = await new Promise<number | null>((resolve) => server.once('exit', resolve));
  check(code === 0, `server stopped on SIGTERM (exit ${code})`);
  exitCode = failures.length === 0 ? 0 : 1;
} catch (err) {
  process.stdout.write(`FAIL ${err instanceof Error ? err.message : String(err)}\n`);
} finally {
  if (server.exitCode === null && server.signalCode === null) server.kill('SIGKILL');
  await sim.close();
  rmSync(dir, { recursive: true, force: true });
}
process.stdout.write(exitCode === 0 ? 'smoke: passed\n' : `smoke: FAILED (${failures.length} checks)\n${serverLog}`);
process.exit(exitCode);
