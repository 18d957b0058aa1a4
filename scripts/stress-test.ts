/**
 * Stress run of the test suite: `npm test` N times in a row while M busy processes keep
 * the CPUs loaded, as CI on a shared machine would. Prints each run's outcome and time,
 * the names of the tests that failed in it (keeping the failing run's whole output in a
 * file), and runs passed/failed at the end. Exit status 1 when any run failed.
 *
 *   npx tsx scripts/stress-test.ts [--runs 5] [--busy 4] [--run-limit 1200]
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cac } from 'cac';

const REPO = fileURLToPath(new URL('..', import.meta.url));
const cli = cac('stress-test');
cli.option('--runs <n>', 'how many times to run the suite', { default: 5 });
cli.option('--busy <n>', 'busy processes loading the CPUs meanwhile', { default: 4 });
cli.option('--run-limit <s>', 'a run still going after this long is stopped and counted as failed', { default: 1200 });
const options = cli.parse().options;
const RUNS = Number(options.runs);
const BUSY = Number(options.busy);
const RUN_LIMIT_MS = Number(options.runLimit) * 1000;

interface RunResult {
  code: number | null;
  seconds: number;
  failing: string[];
  output: string;
}

/** Names of the failing tests in TAP output: every `not ok` line at any depth, minus skips and todos. */
function failingTests(tap: string): string[] {
  const names: string[] = [];
  for (const line of tap.split('\n')) {
    const m = /^\s*not ok \d+ - (.*)$/.exec(line);
    if (!m || /#\s*(SKIP|TODO)\b/i.test(m[1]!)) continue;
    names.push(m[1]!.trim());
  }
  return names;
}

function startBusy(n: number): ChildProcess[] {
  return Array.from({ length: n }, () => spawn(process.execPath, ['-e', 'for (;;) {}'], { stdio: 'ignore' }));
}

/** The suite under way, stopped with us on Ctrl-C. */
let running: ChildProcess | undefined;

/** One `npm test`, TAP output (the runner's reporter when not on a terminal), in its own process group. */
function runSuite(): Promise<RunResult> {
  const t0 = performance.now();
  const child = spawn('npm', ['test'], { cwd: REPO, detached: true, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NO_COLOR: '1' } });
  let output = '';
  child.stdout!.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
  running = child;
  let overran = false;
  const limit = setTimeout(() => {
    overran = true;
    killGroup(child);
  }, RUN_LIMIT_MS);
  return new Promise((resolve) => {
    child.once('close', (code) => {
      clearTimeout(limit);
      running = undefined;
      const failing = failingTests(output);
      if (overran) failing.push(`(the run was still going after ${RUN_LIMIT_MS / 1000} s and was stopped)`);
      resolve({ code: overran ? null : code, seconds: (performance.now() - t0) / 1000, failing, output });
    });
  });
}

function killGroup(child: ChildProcess): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, 'SIGKILL');
  } catch {
    // The group is gone already.
  }
}

const busy = startBusy(BUSY);
const stopBusy = (): void => {
  for (const b of busy) b.kill('SIGKILL');
};
process.once('SIGINT', () => {
  stopBusy();
  if (running) killGroup(running);
  process.exit(130);
});

const logDir = mkdtempSync(join(tmpdir(), 'tsapi-stress-'));
process.stdout.write(`stress: ${RUNS} runs of npm test, ${BUSY} busy processes; outputs of failed runs in ${logDir}\n`);
let passed = 0;
try {
  for (let i = 1; i <= RUNS; i++) {
    const load = loadavg()[0]!.toFixed(1);
    const r = await runSuite();
    const ok = r.code === 0 && r.failing.length === 0;
    if (ok) passed += 1;
    else writeFileSync(join(logDir, `run-${i}.tap`), r.output);
    const line = `run ${i}/${RUNS}: ${ok ? 'passed' : 'FAILED'} in ${r.seconds.toFixed(1)} s (load average ${load} at start)${ok ? '' : `: ${r.failing.join('; ') || `exit ${r.code}`}`}`;
    process.stdout.write(`${line}\n`);
  }
} finally {
  stopBusy();
}
process.stdout.write(`\nruns passed ${passed}/${RUNS}, failed ${RUNS - passed}/${RUNS} (${BUSY} busy processes on this machine)\n`);
process.exitCode = passed === RUNS ? 0 : 1;
