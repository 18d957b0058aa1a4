/**
 * Benchmark of -d on a big config: the server process (as a user starts it, log to stdout,
 * read here through a pipe) runs the same services-commit on a ~15 MB config without -d,
 * with -d, with -d -P and with -d -d (frames whole), the modes taking turns each round.
 * Prints each transaction's cycle (the server's own transaction line: services-commit to
 * transaction-actions-done) and log bytes, then per mode the medians and the ratio to the
 * run without -d in the same process. Target: -d at most 1.2× the cycle without.
 *
 *   npx tsx scripts/bench-debug.ts [--devices 950] [--interfaces 100] [--rounds 3]
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cac } from 'cac';
import { startBenchStack, type BenchStack } from './lib/bench.ts';

const SERVER = fileURLToPath(new URL('../src/server.ts', import.meta.url));
const cli = cac('bench-debug');
cli.option('--devices <n>', 'devices', { default: 950 }).option('--interfaces <n>', 'interfaces per device', { default: 100 }).option('--rounds <n>', 'commits to time per mode', { default: 3 });
const { options } = cli.parse();
const ROUNDS = Number(options.rounds);

const stack = await startBenchStack({ devices: Number(options.devices), interfaces: Number(options.interfaces) });
stack.writeModule(false);
process.stdout.write(`bench-debug: ${options.devices} devices × ${options.interfaces} interfaces, config ${(stack.configBytes / 1e6).toFixed(1)} MB, read whole by the module\n`);

/** The server process and its stdout, as lines, with a count of the bytes. */
class ServerLog {
  bytes = 0;
  private buf = '';
  private waiters: { re: RegExp; resolve: (m: RegExpExecArray) => void }[] = [];
  readonly exited: Promise<void>;
  private readonly child;

  constructor(args: string[], s: BenchStack) {
    this.child = spawn(process.execPath, ['--import', 'tsx', SERVER, '-F', '-l', 'o', '-s', s.sock, '-m', s.modules, '-p', join(s.dir, 'pid'), ...args], {
      stdio: ['ignore', 'pipe', 'inherit'],
      env: { ...process.env, NO_COLOR: '1' },
    });
    this.exited = new Promise((resolve) => this.child.once('exit', () => resolve()));
    this.child.stdout.setEncoding('utf8');
    this.child.stdout.on('data', (d: string) => {
      this.bytes += Buffer.byteLength(d);
      this.buf += d;
      // Only the start of each line matters here: a whole frame line is megabytes.
      let nl: number;
      while ((nl = this.buf.indexOf('\n')) >= 0) {
        const line = this.buf.slice(0, Math.min(nl, 500));
        this.buf = this.buf.slice(nl + 1);
        for (const w of [...this.waiters]) {
          const m = w.re.exec(line);
          if (m) {
            this.waiters.splice(this.waiters.indexOf(w), 1);
            w.resolve(m);
          }
        }
      }
    });
  }

  next(re: RegExp): Promise<RegExpExecArray> {
    return new Promise((resolve) => this.waiters.push({ re, resolve }));
  }

  async stop(): Promise<void> {
    this.child.kill('SIGTERM');
    await this.exited;
  }
}

interface Row {
  mode: string;
  cycleMs: number;
  wallMs: number;
  logBytes: number;
  /** The server's transaction line: where the time went. */
  line: string;
}

/** One timed transaction of a fresh server in `mode`, after one that warms it up (worker, JIT). */
async function runOnce(mode: string, args: string[]): Promise<Row | undefined> {
  const server = new ServerLog(args, stack);
  await server.next(/waiting for services-commit/);
  let row: Row | undefined;
  for (let i = 0; i < 2; i++) {
    const before = server.bytes;
    const done = server.next(/tid (\d+): (done|failed) in (\d+) ms.*/);
    const { outcome, wallMs } = await stack.commit();
    const m = await done;
    if (m[2] !== 'done' || outcome.child('result')?.getData() !== 'SUCCESS') {
      process.stdout.write(`${mode}: failed: ${outcome.dumps()}\n`);
      process.exitCode = 1;
      row = undefined;
      break;
    }
    row = { mode, cycleMs: Number(m[3]), wallMs, logBytes: server.bytes - before, line: m[0] };
  }
  await server.stop();
  return row;
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

const modes: [string, string[]][] = [
  ['without -d', []],
  ['-d', ['-d']],
  ['-d -P', ['-d', '-P']],
  ['-d -d (whole)', ['-d', '-d']],
];
// The modes take turns round by round, so that a busy machine's drift weighs on all of them alike.
const rows = new Map<string, Row[]>(modes.map(([mode]) => [mode, []]));
for (let round = 0; round < ROUNDS && !process.exitCode; round++) {
  for (const [mode, args] of modes) {
    const r = await runOnce(mode, args);
    if (!r) break;
    rows.get(mode)!.push(r);
    process.stdout.write(`  round ${round} ${mode}: cycle ${r.cycleMs} ms, commit to outcome ${r.wallMs.toFixed(0)} ms, log ${(r.logBytes / 1e3).toFixed(1)} kB\n    ${r.line}\n`);
  }
}
const base = rows.get('without -d')!;
if (!process.exitCode && base.length > 0) {
  process.stdout.write(`\nmedian of ${base.length} rounds; ratio to without -d: of the medians, and the median of the per-round ratios\n`);
  for (const [mode] of modes) {
    const rs = rows.get(mode)!;
    const cycle = median(rs.map((r) => r.cycleMs));
    const ratio = cycle / median(base.map((r) => r.cycleMs));
    const paired = median(rs.map((r, i) => r.cycleMs / base[i]!.cycleMs));
    const target = mode === '-d' ? ` (target ≤ 1.2: ${Math.max(ratio, paired) <= 1.2 ? 'met' : 'NOT met'})` : '';
    process.stdout.write(
      `  ${mode}: cycle ${cycle} ms, commit to outcome ${median(rs.map((r) => r.wallMs)).toFixed(0)} ms, log ${(median(rs.map((r) => r.logBytes)) / 1e3).toFixed(1)} kB; ` +
        `${ratio.toFixed(2)}× / ${paired.toFixed(2)}×${target}\n`,
    );
  }
}
await stack.close();
