/**
 * Benchmark of one services-commit cycle at scale: the simulated controller holds 1000
 * devices × 100 interfaces; a module sets one creator-tagged leaf on every device. Prints
 * the cycle time (services-commit notification to transaction-actions-done), the number
 * and bytes of edit-configs against the config read, and where the time went (worker
 * parse, modules, edit serialize, socket incl. the controller's own work, main thread rest).
 * Baseline in the same run: sending each touched device whole, as the Python server does.
 * Targets: cycle < 1.5 s; edit-config bytes < 5% of the config size.
 * Then the narrowed module again with --validate (the change checked against the YANG;
 * stacks are captured only in a second run when something does not fit): its cost against
 * the cycle without it, target < 10%. In-process figures too, and what capturing a stack
 * per created node in every run would have cost.
 *
 *   npx tsx scripts/bench-commit.ts [--devices 1000] [--interfaces 100] [--rounds 3]
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cac } from 'cac';
import { logger } from '../src/log.ts';
import { Session, rpc } from '../src/netconf/index.ts';
import { ServiceServer, type TransactionReport } from '../src/service/server.ts';
import { startSimulator } from '../src/sim/index.ts';
import { parseString, type XmlNode } from '../src/xml/index.ts';
import { captureOrigins } from '../src/xml/origin.ts';
import { SchemaSet, validateChanges } from '../src/yang/validate.ts';
import { pathToFileURL } from 'node:url';

const CTRL = 'http://clicon.org/controller';
const cli = cac('bench-commit');
cli.option('--devices <n>', 'devices', { default: 1000 }).option('--interfaces <n>', 'interfaces per device', { default: 100 }).option('--rounds <n>', 'commits to time', { default: 3 });
const { options } = cli.parse();
const DEVICES = Number(options.devices);
const IFACES = Number(options.interfaces);
const ROUNDS = Number(options.rounds);

const dir = mkdtempSync(join(tmpdir(), 'tsapi-bench-'));
mkdirSync(join(dir, 'yang'));
mkdirSync(join(dir, 'modules'));
writeFileSync(join(dir, 'modules', 'package.json'), '{"type":"module"}');
writeFileSync(
  join(dir, 'yang', 'bench@2026-01-01.yang'),
  `module bench { yang-version 1.1; namespace "urn:example:bench"; prefix b; import clixon-controller { prefix ctrl; }
  augment "/ctrl:services" { list bench { key name; leaf name { type string; } leaf contact { type string; } uses ctrl:created-by-service; } } }`,
);
// The device model the module writes into, for the --validate round.
writeFileSync(
  join(dir, 'yang', 'sys@2026-01-01.yang'),
  'module sys { yang-version 1.1; namespace "urn:example:sys"; prefix s; container system { leaf contact { type string { length "1..64"; pattern "[^@]+@[^@]+"; } } } }',
);
// The same module twice: reading the whole config, and narrowed to what it needs (SERVICE_XPATH).
const moduleText = (narrow: boolean): string => `export const SERVICE = 'bench';
${narrow ? `export const SERVICE_XPATH = "/ctrl:services/b:bench | /ctrl:devices/ctrl:device/ctrl:name";
export const SERVICE_NAMESPACES = { ctrl: '${CTRL}', b: 'urn:example:bench' };` : ''}
export function setup(root: any, _log: unknown, ctx: { instance?: string }): void {
  for (const inst of root.services.getElements('bench')) {
    const name = inst.child('name').getData();
    if (ctx.instance !== undefined && ctx.instance !== name) continue;
    const contact = inst.child('contact').getData();
    for (const dev of root.devices.getElements('device')) {
      const cfg = dev.child('config') ?? dev.create('config');
      const sys = cfg.child('system') ?? cfg.create('system', { attributes: { xmlns: 'urn:example:sys' } });
      sys.create('contact', { data: contact, attributes: { 'cl:creator': "bench[name='" + name + "']", 'xmlns:cl': 'http://clicon.org/lib' } });
    }
  }
}
`;

function deviceXml(i: number): string {
  let ifs = '';
  for (let k = 0; k < IFACES; k++) {
    ifs += `<interface><name>eth${k}</name><description>uplink ${k} of device ${i}</description><type>ethernetCsmacd</type><enabled>true</enabled><mtu>1500</mtu></interface>`;
  }
  return (
    `<device><name>dev${i}</name><enabled>true</enabled><description>bench device ${i}</description><user>admin</user><conn-type>NETCONF_SSH</conn-type><port>830</port><addr>127.0.0.1</addr>` +
    `<config><interfaces xmlns="urn:ietf:params:xml:ns:yang:ietf-interfaces">${ifs}</interfaces></config></device>`
  );
}
let config = `<devices xmlns="${CTRL}">`;
for (let i = 0; i < DEVICES; i++) config += deviceXml(i);
config += '</devices>';

process.stdout.write(`bench-commit: ${DEVICES} devices × ${IFACES} interfaces, config ${(config.length / 1e6).toFixed(1)} MB\n`);
const sock = join(dir, 'controller.sock');
const sim = await startSimulator({ path: sock, config, yangDirs: [join(dir, 'yang')] });
const configBytes = config.length;
config = '';

const log = logger('bench');
log.level = 1;
const s = await Session.connect({ path: sock, user: 'admin', timeout: 600_000 });
const outcomes = new Map<string, (n: XmlNode) => void>();
s.on('notification', (n) => {
  const ct = n.child('controller-transaction');
  const tid = ct?.child('tid')?.getData();
  if (ct && tid !== undefined) outcomes.get(tid)?.(ct);
});
await s.rpc(rpc.createSubscription({ user: 'admin', stream: 'controller-transaction' }));
let round = 0;

async function runMode(narrow: boolean, validate = false): Promise<TransactionReport | undefined> {
  writeFileSync(join(dir, 'modules', 'bench.ts'), moduleText(narrow));
  const server = new ServiceServer({
    sockPath: sock,
    modulePaths: [join(dir, 'modules')],
    watch: false,
    ...(validate ? { validate: true, yangDirs: [join(dir, 'yang')] } : {}),
    log,
    logLevel: 1,
    onModuleLog: () => undefined,
  });
  const reports: TransactionReport[] = [];
  server.on('transaction', (r: TransactionReport) => reports.push(r));
  const connected = new Promise<void>((resolve) => server.once('connected', () => resolve()));
  await server.start();
  await connected;
  process.stdout.write(`\n${narrow ? 'module narrows its read with SERVICE_XPATH' : 'module reads the whole config'}${validate ? ', with --validate' : ''}:\n`);
  const rows: TransactionReport[] = [];
  for (let i = 0; i < ROUNDS; i++, round++) {
    await s.rpc(
      rpc.editConfig({
        user: 'admin',
        target: 'candidate',
        config: `<services xmlns="${CTRL}"><bench xmlns="urn:example:bench"><name>b</name><contact>noc-${round}@example.com</contact></bench></services>`,
      }),
    );
    const wall0 = performance.now();
    const reply = await s.rpc(rpc.controllerCommit({ user: 'admin', push: 'COMMIT', actions: 'CHANGE', source: 'ds:candidate' }));
    const tid = reply.child('tid')?.getData() ?? '';
    const outcome = await new Promise<XmlNode>((resolve) => outcomes.set(tid, resolve));
    const wall = performance.now() - wall0;
    const r = reports.find((x) => x.tid === tid);
    if (!r || outcome.child('result')?.getData() !== 'SUCCESS') {
      process.stdout.write(`round ${i}: ${outcome.dumps()}\n`);
      process.exitCode = 1;
      break;
    }
    rows.push(r);
    const t = r.timings!;
    const rest = r.totalMs - r.socketMs - t.parseMs - t.modulesMs - t.serializeMs - (t.validateMs ?? 0);
    const pct = (x: number): string => `${((100 * x) / r.totalMs).toFixed(0)}%`;
    process.stdout.write(
      `  round ${i}: cycle ${r.totalMs.toFixed(0)} ms (commit to outcome ${wall.toFixed(0)} ms); ` +
        `edit-config ${r.edits} × ${(r.editBytes / r.edits / 1024).toFixed(0)} KB = ${(r.editBytes / 1024).toFixed(0)} KB for ${r.creators} tagged nodes; ` +
        `config read ${(r.configBytes / 1e6).toFixed(2)} MB\n` +
        `    parse ${t.parseMs.toFixed(0)} ms (${pct(t.parseMs)}), modules ${t.modulesMs.toFixed(0)} ms (${pct(t.modulesMs)}), ` +
        `${t.validateMs !== undefined ? `validate ${t.validateMs.toFixed(0)} ms (${pct(t.validateMs)}), ` : ''}serialize ${t.serializeMs.toFixed(0)} ms (${pct(t.serializeMs)}), socket ${r.socketMs.toFixed(0)} ms (${pct(r.socketMs)}), main thread rest ${rest.toFixed(0)} ms (${pct(rest)})\n` +
        `    socket by RPC (controller+transfer / reply parse here): ${r.rpcs.map((x) => `${x.name} ${x.waitMs.toFixed(0)}/${x.parseMs.toFixed(0)} ms`).join(', ')}\n`,
    );
  }
  await server.stop();
  if (rows.length === 0) return undefined;
  const sorted = [...rows].sort((a, b) => a.totalMs - b.totalMs);
  const med = sorted[Math.floor(sorted.length / 2)]!;
  // Against the size of the whole config (what the Python server reads, and about what it sends: each device whole).
  const ratio = med.editBytes / configBytes;
  // The simulated controller runs in this process: its time is the RPC wait, so the server's own time is the rest.
  const own = med.totalMs - med.rpcs.reduce((a, x) => a + x.waitMs, 0);
  process.stdout.write(
    `  server's own time (cycle less the controller's RPC wait) ${own.toFixed(0)} ms (target < 1500 ms: ${own < 1500 ? 'met' : 'NOT met'})\n` +
    `  median cycle ${med.totalMs.toFixed(0)} ms (target < 1500 ms: ${med.totalMs < 1500 ? 'met' : 'NOT met'}); ` +
      `edit-config ${(med.editBytes / 1024).toFixed(0)} KB = ${(ratio * 100).toFixed(2)}% of the ${(configBytes / 1e6).toFixed(1)} MB config (target < 5%: ${ratio < 0.05 ? 'met' : 'NOT met'}); ` +
      `baseline, devices sent whole: ${(configBytes / med.editBytes).toFixed(0)}× these bytes\n`,
  );
  return med;
}

await runMode(false);
const plain = await runMode(true);
const checked = await runMode(true, true);
if (plain && checked) {
  // The server's own time (less the controller's wait), which validation adds to; the cycle for scale.
  const own = (r: TransactionReport): number => r.totalMs - r.rpcs.reduce((a, x) => a + x.waitMs, 0);
  const extra = checked.timings!.validateMs!;
  process.stdout.write(
    `\nvalidation cost (median rounds): validate ${extra.toFixed(0)} ms, ${((100 * extra) / plain.totalMs).toFixed(1)}% of the ${plain.totalMs.toFixed(0)} ms cycle without it ` +
      `(server's own time ${own(plain).toFixed(0)} → ${own(checked).toFixed(0)} ms; target < 10%: ${extra < 0.1 * plain.totalMs ? 'met' : 'NOT met'})\n`,
  );
}
// The same cost measured in this process, without the controller and the other rounds' noise:
// validateChanges after the module's run, and (for comparison) the module's run with origin
// capture, which is paid only when a change does not fit; medians of 7.
{
  const { setup } = (await import(pathToFileURL(join(dir, 'modules', 'bench.ts')).href)) as { setup: (root: XmlNode, log: unknown, ctx: object) => void };
  const schemas = SchemaSet.fromDirs([join(dir, 'modules'), join(dir, 'yang')])!;
  let xml = `<services xmlns="${CTRL}"><bench xmlns="urn:example:bench"><name>b</name><contact>noc@example.com</contact></bench></services><devices xmlns="${CTRL}">`;
  for (let i = 0; i < DEVICES; i++) xml += `<device><name>dev${i}</name></device>`;
  xml += '</devices>';
  const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const plainRuns: number[] = [];
  const capturedRuns: number[] = [];
  const validateRuns: number[] = [];
  for (let i = 0; i < 7; i++) {
    for (const capture of [false, true]) {
      const root = parseString(xml);
      captureOrigins(capture);
      const t0 = performance.now();
      setup(root, log, {});
      const t1 = performance.now();
      captureOrigins(false);
      (capture ? capturedRuns : plainRuns).push(t1 - t0);
      if (capture) continue;
      const issues = validateChanges(root, schemas);
      validateRuns.push(performance.now() - t1);
      if (issues.length) throw new Error(issues.map((x) => x.message).join('; '));
    }
  }
  const cost = median(validateRuns);
  const cycle = plain?.totalMs;
  process.stdout.write(
    `in-process, ${DEVICES} created subtrees: module ${median(plainRuns).toFixed(1)} ms; validateChanges ${cost.toFixed(1)} ms` +
      (cycle !== undefined ? ` = ${((100 * cost) / cycle).toFixed(1)}% of the ${cycle.toFixed(0)} ms cycle (target < 10%: ${cost < 0.1 * cycle ? 'met' : 'NOT met'})` : '') +
      `; a stack per created node in every run would add ${(median(capturedRuns) - median(plainRuns)).toFixed(1)} ms (paid only in the second run of a change that does not fit)\n`,
  );
}
await s.close();
await sim.close();
rmSync(dir, { recursive: true, force: true });
