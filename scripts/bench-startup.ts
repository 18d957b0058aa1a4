/**
 * Benchmark of the server's start-up: from launching `src/server.ts` (as the controller
 * does) to its first log line, to subscribed (services-commit and controller-transaction,
 * the log line saying so) and to its modules loaded, against the simulated controller.
 * Measured idle and with busy processes loading the CPUs. Baseline in the same run and
 * the same conditions: launching a bare `node --import tsx` process that prints one line.
 *
 *   npx tsx scripts/bench-startup.ts [--rounds 5] [--busy 4] [--modules modules]
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cac } from 'cac';
import { startSimulator } from '../src/sim/index.ts';

const REPO = fileURLToPath(new URL('..', import.meta.url));
const cli = cac('bench-startup');
cli.option('--rounds <n>', 'launches per condition', { default: 5 });
cli.option('--busy <n>', 'busy processes for the loaded condition (0: idle only)', { default: 4 });
cli.option('--modules <dir>', 'module path the server loads', { default: 'modules' });
const options = cli.parse().options;
const ROUNDS = Number(options.rounds);
const BUSY = Number(options.busy);
const MODULES = resolve(String(options.modules));

const dir = mkdtempSync(join(tmpdir(), 'tsapi-startup-'));
const sim = await startSimulator({ path: join(dir, 'controller.sock') });

/**
 * ms from spawn to the first line matching each pattern; the process is stopped after the
 * last one and awaited (the controller takes one services-commit subscriber at a time).
 */
function launch(args: string[], marks: Record<string, RegExp>): Promise<Record<string, number>> {
  const t0 = performance.now();
  const child = spawn(process.execPath, ['--import', 'tsx', ...args], { cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NO_COLOR: '1' } });
  const seen: Record<string, number> = {};
  let buf = '';
  return new Promise((done, fail) => {
    const onData = (d: Buffer): void => {
      const now = performance.now() - t0;
      buf += d.toString();
      for (const [name, re] of Object.entries(marks)) if (seen[name] === undefined && re.test(buf)) seen[name] = now;
      if (Object.keys(seen).length === Object.keys(marks).length) child.kill('SIGTERM');
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code) => {
      if (Object.keys(seen).length === Object.keys(marks).length) done(seen);
      else fail(new Error(`exited (${code}) before ${Object.keys(marks).join(', ')}:\n${buf}`));
    });
  });
}

const exited = (c: ChildProcess): Promise<void> => new Promise((r) => (c.exitCode !== null || c.signalCode !== null ? r() : c.once('exit', () => r())));

async function measure(label: string): Promise<void> {
  const rows: Record<string, number[]> = { baseline: [], first: [], subscribed: [], loaded: [] };
  for (let i = 0; i < ROUNDS; i++) {
    const base = await launch(['-e', 'console.log("up")'], { baseline: /up/ });
    rows.baseline!.push(base.baseline!);
    const pid = join(dir, `server-${i}.pid`);
    const r = await launch([join(REPO, 'src/server.ts'), '-F', '-l', 'o', '-s', sim.path!, '-m', MODULES, '-p', pid], {
      first: /clixon_server .* pid \d+/,
      subscribed: /waiting for services-commit/,
      loaded: /modules loaded/,
    });
    rows.first!.push(r.first!);
    rows.subscribed!.push(r.subscribed!);
    rows.loaded!.push(r.loaded!);
  }
  const med = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const b = med(rows.baseline!);
  const fmt = (name: string): string => {
    const xs = rows[name]!;
    return `${name.padEnd(11)} ${med(xs).toFixed(0).padStart(6)} ms  (${Math.min(...xs).toFixed(0)}-${Math.max(...xs).toFixed(0)})  ${(med(xs) / b).toFixed(2)}x baseline`;
  };
  const lead = rows.loaded!.map((l, i) => l - rows.subscribed![i]!);
  process.stdout.write(`\n${label}: launch → …, median of ${ROUNDS} (min-max)\n`);
  for (const name of ['baseline', 'first', 'subscribed', 'loaded']) process.stdout.write(`  ${fmt(name)}\n`);
  process.stdout.write(`  subscribed before the modules were loaded by ${med(lead).toFixed(0)} ms (median; negative: after)\n`);
}

let busy: ChildProcess[] = [];
try {
  process.stdout.write(`start-up of src/server.ts with modules from ${MODULES}; baseline: a bare node --import tsx process printing a line\n`);
  await measure('idle');
  if (BUSY > 0) {
    busy = Array.from({ length: BUSY }, () => spawn(process.execPath, ['-e', 'for (;;) {}'], { stdio: 'ignore' }));
    await measure(`loaded (${BUSY} busy processes)`);
  }
} finally {
  for (const c of busy) c.kill('SIGKILL');
  await Promise.all(busy.map(exited));
  await sim.close();
  rmSync(dir, { recursive: true, force: true });
}
