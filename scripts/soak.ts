/**
 * Soak: the service server process (as deployed: its own process, modules in a worker)
 * against the simulated controller, for N commits and then M hot reloads (each a module
 * save followed by a commit). Prints the server's RSS every few commits and reloads, and
 * the summary: RSS after warm-up (the first fifth of the commits) against the end, in MB
 * and as a ratio. Every commit must end SUCCESS; a reload that does not load, or a commit
 * that fails, stops the run with exit 1.
 *
 *   npx tsx scripts/soak.ts [--commits 1000] [--reloads 100] [--every 50] [--devices 20] [--interfaces 50]
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cac } from 'cac';
import { startBenchStack } from './lib/bench.ts';

const cli = cac('soak');
cli.option('--commits <n>', 'commits', { default: 1000 });
cli.option('--reloads <n>', 'hot reloads, each followed by a commit', { default: 100 });
cli.option('--every <n>', 'commits between two RSS figures (reloads: a fifth of it)', { default: 50 });
cli.option('--devices <n>', 'devices in the config', { default: 20 });
cli.option('--interfaces <n>', 'interfaces per device', { default: 50 });
const o = cli.parse().options as Record<string, string | number>;
const COMMITS = Number(o.commits);
const RELOADS = Number(o.reloads);
const EVERY = Number(o.every);
const RELOAD_EVERY = Math.max(1, Math.round(EVERY / 5));

const SERVER = fileURLToPath(new URL('../src/server.ts', import.meta.url));
const stack = await startBenchStack({ devices: Number(o.devices), interfaces: Number(o.interfaces) });
stack.writeModule(false);
const child = spawn(process.execPath, ['--import', 'tsx', SERVER, '-F', '-l', 'o', '-s', stack.sock, '-m', stack.modules, '-p', join(stack.dir, 'server.pid')], {
  stdio: ['ignore', 'pipe', 'pipe'],
  env: { ...process.env, NO_COLOR: '1' },
});
let loads = 0;
let subscribed = false;
const wake: (() => void)[] = [];
let out = '';
const onData = (d: Buffer): void => {
  out += d.toString();
  for (let nl = out.indexOf('\n'); nl >= 0; nl = out.indexOf('\n')) {
    const line = out.slice(0, nl);
    out = out.slice(nl + 1);
    if (/modules loaded/.test(line)) loads++;
    if (/waiting for services-commit/.test(line)) subscribed = true;
    if (/ERROR|WARN/.test(line)) console.log(`server: ${line}`);
  }
  for (const w of wake.splice(0)) w();
};
child.stdout.on('data', onData);
child.stderr.on('data', onData);

async function until(what: string, cond: () => boolean): Promise<void> {
  const deadline = Date.now() + 300_000;
  while (!cond()) {
    if (Date.now() > deadline || child.exitCode !== null) throw new Error(`soak: no ${what}`);
    await new Promise<void>((resolve) => {
      wake.push(resolve);
      setTimeout(resolve, 1000);
    });
  }
}

/** The server process's resident set, MB (worker threads included: they share the process). */
function rssMb(): number {
  const kb = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'))?.[1];
  return Number(kb) / 1024;
}

async function commit(what: string): Promise<number> {
  const { outcome, wallMs } = await stack.commit();
  const result = outcome.child('result')?.getData();
  if (result !== 'SUCCESS') throw new Error(`soak: ${what}: ${result} ${outcome.child('reason')?.getData() ?? ''}`);
  return wallMs;
}

let exit = 0;
try {
  await until('subscription and modules', () => subscribed && loads >= 1);
  console.log(`soak: ${COMMITS} commits, then ${RELOADS} hot reloads each with a commit; config ${(stack.configBytes / 1e6).toFixed(1)} MB; server pid ${child.pid}`);
  const series: number[] = [];
  let wall = 0;
  for (let i = 1; i <= COMMITS; i++) {
    wall += await commit(`commit ${i}`);
    if (i % EVERY === 0 || i === 1) {
      series.push(rssMb());
      console.log(`commit ${String(i).padStart(5)}: RSS ${rssMb().toFixed(0)} MB, mean commit ${(wall / i).toFixed(0)} ms`);
    }
  }
  const warm = series[Math.min(series.length - 1, Math.ceil(series.length / 5))] ?? series[0]!;
  const afterCommits = rssMb();
  for (let j = 1; j <= RELOADS; j++) {
    const before = loads;
    stack.writeModule(j % 2 === 1);
    await until(`module load ${j}`, () => loads > before);
    await commit(`commit after reload ${j}`);
    if (j % RELOAD_EVERY === 0) console.log(`reload ${String(j).padStart(5)}: RSS ${rssMb().toFixed(0)} MB`);
  }
  const end = rssMb();
  console.log(
    `summary: RSS after warm-up ${warm.toFixed(0)} MB, after ${COMMITS} commits ${afterCommits.toFixed(0)} MB (×${(afterCommits / warm).toFixed(2)}), after ${RELOADS} reloads ${end.toFixed(0)} MB (×${(end / warm).toFixed(2)}); min ${Math.min(...series).toFixed(0)}, max ${Math.max(...series).toFixed(0)} MB over the commits`,
  );
} catch (err) {
  console.error(err instanceof Error ? err.message : String(err));
  exit = 1;
} finally {
  child.kill('SIGTERM');
  await new Promise((resolve) => child.once('exit', resolve));
  await stack.close();
}
process.exit(exit);
