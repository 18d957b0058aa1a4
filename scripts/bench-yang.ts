/**
 * YANG reader benchmark: every module of a set of folders read and compiled (loadAll), first
 * in a fresh process (what a user waits for), then best of several rounds, split into parsing
 * and compiling, against reading the files' bytes in the same run; with PYANG set, also
 * `pyang -f tree` over the same modules once. Wall time and this process's CPU time: on a
 * shared machine the CPU time is the steadier figure.
 *
 *   npx tsx scripts/bench-yang.ts [folders…] [--rounds 5]
 *
 * Without folders: the recorded OpenConfig corpus (release/models and the IETF modules it
 * imports, test/fixtures/yang/public). All of openconfig/public as the issue measured it:
 * `git -C <openconfig/public> archive HEAD release third_party | tar -x -C /tmp/oc` and pass /tmp/oc.
 * Target: all of openconfig/public read in under 1 s.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { YangContext, indexYangFiles, parseYangFile } from '../src/yang/index.ts';
import { extractCorpus, readCorpus, removeCorpus } from './lib/yang-corpus.ts';

const { values, positionals } = parseArgs({ options: { rounds: { type: 'string', default: '5' } }, allowPositionals: true });
const rounds = Number(values.rounds);
const extracted = positionals.length === 0 ? extractCorpus(readCorpus('openconfig')) : undefined;
const dirs = extracted ? [extracted] : positionals;

/** Wall and CPU milliseconds of one call. */
function timed(fn: () => void): { wall: number; cpu: number } {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  fn();
  const c = process.cpuUsage(c0);
  return { wall: performance.now() - t0, cpu: (c.user + c.system) / 1000 };
}

function best(fn: () => void): number {
  let min = Infinity;
  for (let i = 0; i < rounds; i++) min = Math.min(min, timed(fn).wall);
  return min;
}

try {
  let modules = 0;
  let warnings: string[] = [];
  const loadAll = (): void => {
    const ctx = new YangContext(dirs);
    ctx.loadAll();
    modules = ctx.modules.size;
    warnings = ctx.warnings;
  };
  const cold = timed(loadAll);
  const files = [...indexYangFiles(dirs).values()].map((list) => list[0]!);
  const bytes = files.reduce((n, f) => n + readFileSync(f).length, 0);
  const read = best(() => {
    for (const f of files) readFileSync(f, 'utf8');
  });
  const parse = best(() => {
    for (const f of files) parseYangFile(f);
  });
  const total = best(loadAll);
  const ms = (x: number): string => `${x.toFixed(0)} ms`;
  console.log(`${files.length} files, ${(bytes / 1e6).toFixed(1)} MB, ${modules} modules compiled, ${warnings.length} warnings`);
  console.log(`  first read + compile in this process: ${ms(cold.wall)} (CPU ${ms(cold.cpu)}); then best of ${rounds}:`);
  console.log(`  read + compile (loadAll) ${ms(total)} (${((bytes / 1e6) / (total / 1000)).toFixed(1)} MB/s): parse ${ms(parse)}, compile ${ms(total - parse)}`);
  console.log(`  baseline, the files' bytes read: ${ms(read)}; loadAll = ${(total / read).toFixed(1)}× that`);
  if (process.env.PYANG) {
    const pyang = process.env.PYANG.split(' ');
    const moduleFiles = files.filter((f) => parseYangFile(f).keyword === 'module');
    const t0 = performance.now();
    try {
      execFileSync(pyang[0]!, [...pyang.slice(1), '-f', 'tree', '-p', dirs.join(':'), ...moduleFiles], { stdio: 'ignore', maxBuffer: 1 << 30 });
    } catch {
      // pyang exits 1 when it reports errors; the time is what counts here.
    }
    const py = performance.now() - t0;
    console.log(`  pyang -f tree over the ${moduleFiles.length} modules, once: ${ms(py)}; ours ${(py / total).toFixed(1)}× faster`);
  }
  console.log(`  load average ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
} finally {
  if (extracted) removeCorpus(extracted);
}
