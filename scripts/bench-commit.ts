/**
 * Benchmark of one services-commit cycle at scale: the simulated controller holds 1000
 * devices × 100 interfaces; a module sets one creator-tagged leaf on every device. Prints
 * the cycle time (services-commit notification to transaction-actions-done), the number
 * and bytes of edit-configs against the config read, and where the time went (worker
 * parse, modules, edit serialize, socket incl. the controller's own work, main thread rest).
 * Baseline in the same run: sending each touched device whole, as the Python server does.
 * Targets: cycle < 1.5 s; edit-config bytes < 5% of the config size.
 * Then the narrowed module again with --validate (the change checked against the YANG, and
 * origins captured in the modules' one run so that a misfit names its line): its cost against
 * the cycle without it, target < 10%. In-process figures too.
 *
 * With each round, the module worker's own heap (collected): before the run and while it
 * holds the tree, against the config text read (target ≤ 1.5×, and back to the baseline
 * after: the next round's before); the machine's load (/proc/loadavg) at the start and end.
 * The script re-runs itself with --expose-gc, which lets the worker measure.
 *
 *   npx tsx scripts/bench-commit.ts [--devices 1000] [--interfaces 100] [--rounds 3]
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cac } from 'cac';
import { logger } from '../src/log.ts';
import { ServiceServer, type TransactionReport } from '../src/service/server.ts';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseString, type XmlNode } from '../src/xml/index.ts';
import { captureOrigins } from '../src/xml/origin.ts';
import { SchemaSet, validateChanges } from '../src/yang/validate.ts';
import { startBenchStack } from './lib/bench.ts';

const CTRL = 'http://clicon.org/controller';

if (typeof (globalThis as { gc?: unknown }).gc !== 'function') {
  const r = spawnSync(process.execPath, ['--expose-gc', '--import', 'tsx', ...process.argv.slice(1)], { stdio: 'inherit' });
  process.exit(r.status ?? 1);
}
const loadavg = (): string => {
  try {
    return readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
  } catch {
    return 'unknown (no /proc/loadavg)';
  }
};

const cli = cac('bench-commit');
cli.option('--devices <n>', 'devices', { default: 1000 }).option('--interfaces <n>', 'interfaces per device', { default: 100 }).option('--rounds <n>', 'commits to time', { default: 3 });
const { options } = cli.parse();
const DEVICES = Number(options.devices);
const IFACES = Number(options.interfaces);
const ROUNDS = Number(options.rounds);

const stack = await startBenchStack({ devices: DEVICES, interfaces: IFACES });
const configBytes = stack.configBytes;
process.stdout.write(`bench-commit: ${DEVICES} devices × ${IFACES} interfaces, config ${(configBytes / 1e6).toFixed(1)} MB; load ${loadavg()}\n`);

const log = logger('bench');
log.level = 1;

/**
 * The cycle less the controller's RPC wait (the simulated controller runs in this process:
 * its time is the wait) and less the worker's heap measuring (collections the benchmark asks for).
 */
function ownTime(r: TransactionReport): number {
  return r.totalMs - r.rpcs.reduce((a, x) => a + x.waitMs, 0) - (r.timings?.heap?.measureMs ?? 0);
}

async function runMode(narrow: boolean, validate = false): Promise<TransactionReport | undefined> {
  stack.writeModule(narrow);
  const server = new ServiceServer({
    sockPath: stack.sock,
    modulePaths: [stack.modules],
    watch: false,
    ...(validate ? { validate: true, yangDirs: [join(stack.dir, 'yang')] } : {}),
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
  for (let i = 0; i < ROUNDS; i++) {
    const { tid, outcome, wallMs: wall } = await stack.commit();
    const r = reports.find((x) => x.tid === tid);
    if (!r || outcome.child('result')?.getData() !== 'SUCCESS') {
      process.stdout.write(`round ${i}: ${outcome.dumps()}\n`);
      process.exitCode = 1;
      break;
    }
    rows.push(r);
    const t = r.timings!;
    const rest = r.totalMs - r.socketMs - t.parseMs - t.modulesMs - t.serializeMs - (t.validateMs ?? 0) - (t.heap?.measureMs ?? 0);
    const pct = (x: number): string => `${((100 * x) / r.totalMs).toFixed(0)}%`;
    process.stdout.write(
      `  round ${i}: cycle ${r.totalMs.toFixed(0)} ms (commit to outcome ${wall.toFixed(0)} ms); ` +
        `edit-config ${r.edits} × ${(r.editBytes / r.edits / 1024).toFixed(0)} KB = ${(r.editBytes / 1024).toFixed(0)} KB for ${r.creators} tagged nodes; ` +
        `config read ${(r.configBytes / 1e6).toFixed(2)} MB\n` +
        `    parse ${t.parseMs.toFixed(0)} ms (${pct(t.parseMs)}), modules ${t.modulesMs.toFixed(0)} ms (${pct(t.modulesMs)}), ` +
        `${t.validateMs !== undefined ? `validate ${t.validateMs.toFixed(0)} ms (${pct(t.validateMs)}), ` : ''}serialize ${t.serializeMs.toFixed(0)} ms (${pct(t.serializeMs)}), socket ${r.socketMs.toFixed(0)} ms (${pct(r.socketMs)}), main thread rest ${rest.toFixed(0)} ms (${pct(rest)})\n` +
        `    socket by RPC (controller+transfer / reply parse here): ${r.rpcs.map((x) => `${x.name} ${x.waitMs.toFixed(0)}/${x.parseMs.toFixed(0)} ms`).join(', ')}\n` +
        (t.cpu
          ? `    worker CPU time: parse ${t.cpu.parseMs.toFixed(0)} ms, modules ${t.cpu.modulesMs.toFixed(0)} ms, ${t.cpu.validateMs !== undefined ? `validate ${t.cpu.validateMs.toFixed(0)} ms, ` : ''}serialize ${t.cpu.serializeMs.toFixed(0)} ms = ${(t.cpu.parseMs + t.cpu.modulesMs + t.cpu.serializeMs + (t.cpu.validateMs ?? 0)).toFixed(0)} ms\n`
          : '    worker CPU time: not measured (no /proc/thread-self/schedstat here, or no --expose-gc)\n') +
        (t.heap
          ? `    worker heap (collected, ${t.heap.measureMs.toFixed(0)} ms measuring, left out of the times): before ${(t.heap.beforeBytes / 1e6).toFixed(0)} MB, holding the tree ${(t.heap.duringBytes / 1e6).toFixed(0)} MB = ` +
            `${(t.heap.duringBytes / r.configBytes).toFixed(2)}× the ${(r.configBytes / 1e6).toFixed(1)} MB read (the tree's share ${((t.heap.duringBytes - t.heap.beforeBytes) / r.configBytes).toFixed(2)}×; target ≤ 1.5×)\n`
          : '    worker heap: not measured (the worker has no gc: run with --expose-gc)\n'),
    );
  }
  await server.stop();
  if (rows.length === 0) return undefined;
  const sorted = [...rows].sort((a, b) => a.totalMs - b.totalMs);
  const med = sorted[Math.floor(sorted.length / 2)]!;
  // Against the size of the whole config (what the Python server reads, and about what it sends: each device whole).
  const ratio = med.editBytes / configBytes;
  const own = ownTime(med);
  process.stdout.write(
    `  server's own time (cycle less the controller's RPC wait and the heap measuring) ${own.toFixed(0)} ms (target < 1500 ms: ${own < 1500 ? 'met' : 'NOT met'})` +
    (med.timings?.cpu ? `; of it the worker's CPU time ${(med.timings.cpu.parseMs + med.timings.cpu.modulesMs + med.timings.cpu.serializeMs + (med.timings.cpu.validateMs ?? 0)).toFixed(0)} ms` : '') +
    `; load ${loadavg()}\n` +
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
  // Validation's cost is the check plus the origin capture in the modules' one run (in modulesMs); the cycle for scale.
  const own = ownTime;
  const capture = Math.max(0, checked.timings!.modulesMs - plain.timings!.modulesMs);
  const extra = checked.timings!.validateMs! + capture;
  process.stdout.write(
    `\nvalidation cost (median rounds): validate ${checked.timings!.validateMs!.toFixed(0)} ms + origin capture ${capture.toFixed(0)} ms = ${((100 * extra) / plain.totalMs).toFixed(1)}% of the ${plain.totalMs.toFixed(0)} ms cycle without it ` +
      `(server's own time ${own(plain).toFixed(0)} → ${own(checked).toFixed(0)} ms; target < 10%: ${extra < 0.1 * plain.totalMs ? 'met' : 'NOT met'})\n`,
  );
}
// The same cost measured in this process, without the controller and the other rounds' noise:
// the module's run without and with origin capture (on whenever validation is), and
// validateChanges after it; medians of 7.
{
  const { setup } = (await import(pathToFileURL(join(stack.modules, 'bench.ts')).href)) as { setup: (root: XmlNode, log: unknown, ctx: object) => void };
  const schemas = SchemaSet.fromDirs([stack.modules, join(stack.dir, 'yang')]).requireWhole();
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
  const cost = median(validateRuns) + median(capturedRuns) - median(plainRuns);
  const cycle = plain?.totalMs;
  process.stdout.write(
    `in-process, ${DEVICES} created subtrees: module ${median(plainRuns).toFixed(1)} ms, ${median(capturedRuns).toFixed(1)} ms with origin capture; validateChanges ${median(validateRuns).toFixed(1)} ms` +
      (cycle !== undefined ? `; capture + validate = ${((100 * cost) / cycle).toFixed(1)}% of the ${cycle.toFixed(0)} ms cycle (target < 10%: ${cost < 0.1 * cycle ? 'met' : 'NOT met'})` : '') +
      '\n',
  );
}
await stack.close();
process.stdout.write(`load at the end: ${loadavg()}\n`);

