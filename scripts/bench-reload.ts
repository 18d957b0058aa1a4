/**
 * Benchmark of hot reload: the time from writing a module file to the new code being live
 * (the fresh worker loaded and swapped in), split into the file watcher's notice and the
 * worker load, and checked by a commit that must run the new code. Baseline in the same
 * run: a reload asked for directly (the SIGHUP path), without a file change or watcher.
 *
 *   npx tsx scripts/bench-reload.ts [--rounds 5]
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cac } from 'cac';
import { logger } from '../src/log.ts';
import { Session } from '../src/netconf/index.ts';
import { ServiceServer } from '../src/service/server.ts';
import { startSimulator } from '../src/sim/index.ts';
import type { XmlNode } from '../src/xml/index.ts';

const CTRL = 'http://clicon.org/controller';
const cli = cac('bench-reload');
cli.option('--rounds <n>', 'reloads to time', { default: 5 });
const ROUNDS = Number(cli.parse().options.rounds);

const dir = mkdtempSync(join(tmpdir(), 'tsapi-reload-'));
const mdir = join(dir, 'modules');
mkdirSync(mdir);
mkdirSync(join(dir, 'yang'));
writeFileSync(join(mdir, 'package.json'), '{"type":"module"}');
writeFileSync(
  join(dir, 'yang', 'rl@2026-01-01.yang'),
  `module rl { namespace "urn:example:rl"; prefix rl; import clixon-controller { prefix ctrl; }
  augment "/ctrl:services" { list rl { key name; leaf name { type string; } uses ctrl:created-by-service; } } }`,
);
const moduleText = (version: number): string => `export const SERVICE = 'rl';
export function setup(root: any): void {
  for (const dev of root.devices.getElements('device')) {
    const cfg = dev.child('config') ?? dev.create('config');
    cfg.create('version', { data: '${version}', attributes: { xmlns: 'urn:example:rl', 'cl:creator': "rl[name='a']", 'xmlns:cl': 'http://clicon.org/lib' } });
  }
}
`;
writeFileSync(join(mdir, 'rl.ts'), moduleText(0));

const sock = join(dir, 'controller.sock');
const sim = await startSimulator({
  path: sock,
  yangDirs: [join(dir, 'yang')],
  config: `<devices xmlns="${CTRL}"><device><name>d1</name><enabled>true</enabled><config/></device></devices>`,
});
const log = logger('bench');
log.level = 1;
const server = new ServiceServer({ sockPath: sock, modulePaths: [mdir], log, logLevel: 1, onModuleLog: () => undefined });
const connected = new Promise<void>((resolve) => server.once('connected', () => resolve()));
await server.start();
await connected;

const rpc = (body: string): string => `<rpc xmlns="urn:ietf:params:xml:ns:netconf:base:1.0" username="admin" message-id="1">${body}</rpc>`;
const s = await Session.connect({ path: sock, user: 'admin', timeout: 60_000 });
const outcomes = new Map<string, (n: XmlNode) => void>();
s.on('notification', (n) => {
  const tid = n.child('controller-transaction')?.child('tid')?.getData();
  if (tid !== undefined) outcomes.get(tid)?.(n);
});
await s.rpc(rpc('<create-subscription xmlns="urn:ietf:params:xml:ns:netmod:notification"><stream>controller-transaction</stream></create-subscription>'));
await s.rpc(rpc(`<edit-config><target><candidate/></target><config><services xmlns="${CTRL}"><rl xmlns="urn:example:rl"><name>a</name></rl></services></config></edit-config>`));

// Baseline: a reload asked for directly (as SIGHUP does), no file change and no watcher.
const base: number[] = [];
for (let i = 0; i < 3; i++) {
  await new Promise((r) => setTimeout(r, 1000));
  const t0 = performance.now();
  await server.host.reload();
  base.push(performance.now() - t0);
}

const rows: { notice: number; live: number }[] = [];
for (let v = 1; v <= ROUNDS; v++) {
  await new Promise((r) => setTimeout(r, 1000));
  const changed = new Promise<number>((resolve) => server.once('moduleChanged', () => resolve(performance.now())));
  const reloaded = new Promise<number>((resolve) => server.once('reloaded', () => resolve(performance.now())));
  const t0 = performance.now();
  writeFileSync(join(mdir, 'rl.ts'), moduleText(v));
  const t1 = await changed;
  const t2 = await reloaded;
  rows.push({ notice: t1 - t0, live: t2 - t0 });
  // The next commit must run version v.
  const reply = await s.rpc(rpc(`<controller-commit xmlns="${CTRL}"><device>*</device><push>COMMIT</push><actions>FORCE</actions><service-instance>rl[name='a']</service-instance><source>ds:candidate</source></controller-commit>`));
  const tid = reply.child('tid')?.getData() ?? '';
  await new Promise((resolve) => outcomes.set(tid, resolve));
  const got = sim.datastore('running').find("devices/device[name='d1']/config/version")?.getData();
  process.stdout.write(`reload ${v}: watcher noticed after ${(t1 - t0).toFixed(0)} ms, new code live after ${(t2 - t0).toFixed(0)} ms; next commit ran version ${got}\n`);
  if (got !== String(v)) process.exitCode = 1;
}
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const live = median(rows.map((r) => r.live));
const b = median(base);
process.stdout.write(
  `\nmedian file write → new code live: ${live.toFixed(0)} ms (watcher ${median(rows.map((r) => r.notice)).toFixed(0)} ms + 50 ms debounce + load)\n` +
    `baseline, reload asked for directly (SIGHUP path): ${b.toFixed(0)} ms; the file-watch path adds ${(live - b).toFixed(0)} ms (${(live / b).toFixed(2)}×)\n`,
);

await s.close();
await server.stop();
await sim.close();
rmSync(dir, { recursive: true, force: true });
