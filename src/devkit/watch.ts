/**
 * `try --watch`: re-runs on every save of the module, the files beside it (its imports), or
 * the config. Each run happens in a new worker thread, so edited imports are re-read too;
 * a save during a run stops that run and starts the next.
 */
import { Worker } from 'node:worker_threads';
import { basename, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { watch as chokidarWatch, type FSWatcher } from 'chokidar';
import { isModuleFileName } from '../service/loader.ts';
import { moduleRoot, type TryJob, type TryOutcome } from './tryrun.ts';

// The service's boot file registers tsx in a worker (Node 20 does not pass --import on).
const BOOT = fileURLToPath(new URL('../service/worker-boot.mjs', import.meta.url));
const ENTRY = new URL('./worker.ts', import.meta.url).href;

export interface WatchOptions {
  job: TryJob;
  /** Each run's outcome; `trigger` is the file whose save started it (none: the first run). */
  onOutcome: (outcome: TryOutcome, trigger?: string) => void;
  /** Saves closer together than this start one run. */
  debounceMs?: number;
}

export interface TryWatcher {
  /** The files and folders watched. */
  readonly watched: string[];
  close(): Promise<void>;
}

/** Runs the job once, then again after each save; resolves once the watch is set up. */
export async function watchTry(opts: WatchOptions): Promise<TryWatcher> {
  const root = moduleRoot(opts.job.modulePath);
  const config = resolve(opts.job.configPath);
  const watched = [root, config];
  const watcher: FSWatcher = chokidarWatch(watched, {
    ignoreInitial: true,
    ignored: (path, stats) => {
      const name = basename(path);
      if (name === 'node_modules' || (name.startsWith('.') && path !== config)) return true;
      // Folders are walked; of files, only sources (the loader's kind, plus .json) and the config count.
      if (stats?.isFile()) return path !== config && !isModuleFileName(name) && !name.endsWith('.json');
      return false;
    },
  });
  await new Promise<void>((done, fail) => {
    watcher.once('ready', done);
    watcher.once('error', fail);
  });

  let worker: Worker | undefined;
  let timer: NodeJS.Timeout | undefined;
  let closed = false;
  // A worker booted ahead (tsx and our code loaded, no module yet), so a save only pays for the module.
  const boot = (): Worker => new Worker(BOOT, { workerData: { entry: ENTRY }, stdout: false, stderr: false });
  let spare = boot();

  const run = (trigger?: string): void => {
    if (worker) void worker.terminate();
    const w = spare;
    spare = boot();
    worker = w;
    let answered = false;
    const report = (outcome: TryOutcome): void => {
      answered = true;
      if (worker === w && !closed) opts.onOutcome(outcome, trigger);
      void w.terminate();
    };
    w.once('message', report);
    w.once('error', (err: Error) => report({ ok: false, error: { kind: 'internal', message: err.stack ?? err.message, frames: [] }, warnings: [] }));
    w.once('exit', (code) => {
      // Stopped for a newer run, or done: only a silent death of the current run is news.
      if (!answered && worker === w && !closed) {
        opts.onOutcome({ ok: false, error: { kind: 'internal', message: `run stopped (exit ${code})`, frames: [] }, warnings: [] }, trigger);
      }
      if (worker === w) worker = undefined;
    });
    w.postMessage(opts.job);
  };

  watcher.on('all', (event, path) => {
    if (event === 'addDir' || event === 'unlinkDir') return;
    clearTimeout(timer);
    timer = setTimeout(() => run(path), opts.debounceMs ?? 30);
  });
  run();

  return {
    watched,
    async close() {
      closed = true;
      clearTimeout(timer);
      await watcher.close();
      await Promise.all([worker?.terminate(), spare.terminate()]);
    },
  };
}
