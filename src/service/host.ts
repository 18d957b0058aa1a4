/**
 * The module host: owns the module worker thread on the main side. Loads the module set
 * into a worker, runs transactions in it with a timeout (a module that hangs is stopped by
 * terminating the worker, and a fresh one is loaded), and hot-reloads: a new worker loads
 * in the background and is swapped in between runs, never during one.
 */
import { Worker } from 'node:worker_threads';
import { fileURLToPath } from 'node:url';
import type { ConsolaInstance } from '../log.ts';
import { findModuleFiles, type LoadFailure } from './loader.ts';
import type { FromWorker, ModuleInfo, RunFailure, RunRequest, ToWorker, WorkerTimings } from './worker-messages.ts';
import type { ModuleBudget } from './deadline.ts';

const BOOT = fileURLToPath(new URL('./worker-boot.mjs', import.meta.url));
const ENTRY = new URL('./worker.ts', import.meta.url).href;
/**
 * The worker's young generation cap. Parsing a big config allocates hundreds of MB of
 * nodes that all survive; with V8's default the scavenger runs far more often. Measured
 * on a 16 MB config, 8 parses in a row: default 0.4-0.85 s each, 128 MB 0.28-0.57 s,
 * 256 MB 0.11 s once warm but up to 1.2 s on the first ones. A cap, not a reservation:
 * a small config uses little of it.
 */
const YOUNG_GENERATION_MB = 128;

export interface HostOptions {
  modulePaths: string[];
  moduleFilter: string[];
  /** Per-run limit in ms before the worker is stopped. */
  timeoutMs: number;
  log: ConsolaInstance;
  /** Level for module logs inside the worker. */
  logLevel: number;
  /** Where module log lines go (the server's logger for that module's tag). */
  onModuleLog: (level: number, tag: string, message: string) => void;
  /** Check modules' changes against the YANG beside them and in these folders before any edit is sent. */
  validate?: { yangDirs: string[] };
}

export type RunOutcome =
  | { ok: true; served: string[]; edits: string[]; creators: number; timings: WorkerTimings }
  | { ok: false; failure: RunFailure };

/** The host was closed: it starts no worker any more. */
export class HostClosedError extends Error {
  override name = 'HostClosedError';
  constructor() {
    super('module host closed');
  }
}

/** One loaded worker and the module set it holds. */
interface Loaded {
  worker: Worker;
  modules: ModuleInfo[];
  failures: LoadFailure[];
  files: string[];
}

export class ModuleHost {
  private current: Promise<Loaded>;
  /** Runs and swaps, one at a time, in order. */
  private chain: Promise<unknown> = Promise.resolve();
  private generation = 0;
  private nextId = 1;
  private closed = false;
  private spare: Promise<Worker> | undefined;
  /** Every worker started and not yet exited, so close() can stop one still booting. */
  private readonly live = new Set<Worker>();

  constructor(private readonly opts: HostOptions) {
    this.current = this.spawn(this.files());
    this.current.catch(() => undefined);
  }

  /** Resolves when the first module set is loaded; returns it. */
  async ready(): Promise<{ modules: ModuleInfo[]; failures: LoadFailure[] }> {
    const l = await this.current;
    return { modules: l.modules, failures: l.failures };
  }

  /** Workers started and not yet exited: none once close() has resolved. */
  liveWorkers(): number {
    return this.live.size;
  }

  /** The module set the next run will use (waits for a reload under way). */
  async moduleSet(): Promise<{ modules: ModuleInfo[]; failures: LoadFailure[] }> {
    return this.enqueue(async () => {
      const l = await this.loaded();
      return { modules: l.modules, failures: l.failures };
    });
  }

  /**
   * Loads the module files afresh in a new worker and swaps it in once loaded, after any
   * run under way. Runs queued after this call use the new set. Resolves with the new set.
   */
  reload(): Promise<{ modules: ModuleInfo[]; failures: LoadFailure[] }> {
    if (this.closed) return Promise.reject(new HostClosedError());
    const gen = ++this.generation;
    let files: string[];
    try {
      files = this.files();
    } catch (err) {
      return Promise.reject(err);
    }
    const loading = this.spawn(files);
    loading.catch(() => undefined);
    return this.enqueue(async () => {
      const next = await loading;
      if (gen !== this.generation || this.closed) {
        // A newer reload supersedes this one; its own swap follows.
        void next.worker.terminate();
        const l = await this.current;
        return { modules: l.modules, failures: l.failures };
      }
      const old = await this.current.catch(() => undefined);
      this.current = Promise.resolve(next);
      if (old) void old.worker.terminate();
      return { modules: next.modules, failures: next.failures };
    });
  }

  /**
   * Runs one request in the worker; a module past the timeout is stopped and reported as a
   * failure. `budget` (else the host's timeoutMs) may be a function, read when the run
   * starts: a run that waited for the first module load gets what is left of its time.
   */
  run(req: RunRequest, limits: { budget?: ModuleBudget | (() => ModuleBudget) } = {}): Promise<RunOutcome> {
    return this.enqueue(async () => {
      const loaded = await this.loaded();
      const limit = limits.budget ?? { ms: this.opts.timeoutMs, why: "the module host's limit" };
      return this.runIn(loaded, req, typeof limit === 'function' ? limit() : limit);
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    this.spare = undefined;
    // The server closes the host only between runs, so every worker can go now, even one
    // still loading modules (a SIGTERM right after start must not wait for the load).
    // No worker starts once closed (boot() refuses), so this set only shrinks from here:
    // a restart after a timeout that was waiting for the spare terminated here gives up
    // instead of starting another worker nobody would stop.
    await Promise.all([...this.live].map((w) => w.terminate()));
    await this.chain.catch(() => undefined);
    await this.current.catch(() => undefined);
  }

  /** The current worker; if it failed to start, one more try (its error goes to the caller). */
  private async loaded(): Promise<Loaded> {
    try {
      return await this.current;
    } catch (err) {
      if (this.closed) throw new HostClosedError();
      this.opts.log.error(`module worker not available (${err instanceof Error ? err.message : String(err)}); starting a new one`);
      this.current = this.spawn(this.filesOr([]));
      this.current.catch(() => undefined);
      return this.current;
    }
  }

  private files(): string[] {
    return findModuleFiles(this.opts.modulePaths, this.opts.moduleFilter);
  }

  private enqueue<T>(op: () => Promise<T>): Promise<T> {
    const p = this.chain.then(op);
    this.chain = p.catch(() => undefined);
    return p;
  }

  /** Starts a worker and resolves once its code is imported (tsx registered, runner and parser loaded). */
  private boot(): Promise<Worker> {
    if (this.closed) return Promise.reject(new HostClosedError());
    const worker = new Worker(BOOT, { workerData: { entry: ENTRY, logLevel: this.opts.logLevel, validate: this.opts.validate }, resourceLimits: { maxYoungGenerationSizeMb: YOUNG_GENERATION_MB } });
    this.live.add(worker);
    worker.once('exit', () => this.live.delete(worker));
    // Module log lines arrive here as long as the worker lives.
    worker.on('message', (msg: FromWorker) => {
      if (msg.type === 'log') this.opts.onModuleLog(msg.level, msg.tag, msg.message);
    });
    return firstMessage(worker, 'ready', 'starting').then(() => worker);
  }

  /**
   * A started worker: the spare when there is one, then a new spare is started. Workers
   * hold no module code until loaded, so a spare started before an edit still loads the
   * edited files fresh; it saves the worker start (most of a reload's time).
   */
  private async takeWorker(): Promise<Worker> {
    const spare = this.spare;
    this.spare = undefined;
    let worker: Worker | undefined;
    if (spare) worker = await spare.catch(() => undefined);
    worker ??= await this.boot();
    if (!this.closed) {
      this.spare = this.boot();
      this.spare.catch(() => undefined);
    }
    return worker;
  }

  private async spawn(files: string[]): Promise<Loaded> {
    const worker = await this.takeWorker();
    // Closed, or the worker gone, while it was being taken: its exit event has passed (or is
    // on its way from close()), so waiting for its message could wait for ever.
    if (this.closed || !this.live.has(worker)) {
      void worker.terminate();
      throw this.closed ? new HostClosedError() : new Error('module worker exited before loading');
    }
    const loaded = firstMessage(worker, 'loaded', 'loading');
    worker.postMessage({ type: 'load', files });
    const msg = await loaded;
    for (const f of msg.failures) {
      // A file that imported and declares no SERVICE (a helper beside the modules) is only worth a warning.
      if (f.kind === 'contract' && f.service === undefined) this.opts.log.warn(`${f.name} skipped: ${f.error}`);
      else this.opts.log.error(`module ${f.name} not loaded: ${f.error}`);
    }
    this.opts.log.info(`modules loaded: ${msg.modules.map((m) => `${m.name} (${m.service})`).join(', ') || 'none'}`);
    return { worker, modules: msg.modules, failures: msg.failures, files };
  }

  private runIn(loaded: Loaded, req: RunRequest, budget: ModuleBudget): Promise<RunOutcome> {
    const id = this.nextId++;
    const { worker } = loaded;
    return new Promise<RunOutcome>((resolve) => {
      let last: { service: string; file: string; fn: string; instance?: string } | undefined;
      const finish = (outcome: RunOutcome, replace: boolean): void => {
        clearTimeout(timer);
        worker.off('message', onMessage);
        worker.off('error', onError);
        worker.off('exit', onExit);
        if (replace) {
          // A stopped or crashed worker is replaced by a fresh one holding the same files (not after close()).
          void worker.terminate();
          if (!this.closed) {
            this.current = this.spawn(this.filesOr(loaded.files));
            this.current.catch((err: unknown) => {
              if (!(err instanceof HostClosedError)) this.opts.log.error(`module worker failed to start: ${String(err)}`);
            });
          }
        }
        resolve(outcome);
      };
      const onMessage = (msg: FromWorker): void => {
        if (msg.type === 'call' && msg.id === id) last = msg;
        else if (msg.type === 'done' && msg.id === id) {
          finish({ ok: true, served: msg.served, edits: msg.edits, creators: msg.creators, timings: msg.timings }, false);
        } else if (msg.type === 'failed' && msg.id === id) finish({ ok: false, failure: msg.failure }, false);
      };
      const onError = (err: Error): void => {
        finish({ ok: false, failure: { kind: 'internal', ...where(last), message: `module worker crashed: ${err.stack ?? err.message}` } }, true);
      };
      const onExit = (code: number): void => {
        finish({ ok: false, failure: { kind: 'internal', ...where(last), message: `module worker exited (${code})` } }, true);
      };
      const timer = setTimeout(() => {
        const secs = Math.round(budget.ms / 100) / 10;
        finish(
          {
            ok: false,
            failure: {
              kind: 'module',
              ...where(last),
              message: `did not finish within ${secs} s and was stopped (the modules' time: ${budget.why})`,
            },
          },
          true,
        );
      }, budget.ms);
      worker.on('message', onMessage);
      worker.once('error', onError);
      worker.once('exit', onExit);
      const { configXml, ...rest } = req;
      // Its own ArrayBuffer (never Buffer's shared pool), so it can be transferred instead of copied.
      const config = new TextEncoder().encode(configXml).buffer;
      const msg: ToWorker = { type: 'run', id, config, ...rest };
      worker.postMessage(msg, [config]);
    });
  }

  /** The module files now, or the given ones when the paths cannot be read. */
  private filesOr(files: string[]): string[] {
    try {
      return this.files();
    } catch {
      return files;
    }
  }
}

function where(last: { service: string; file: string; fn: string; instance?: string } | undefined): Partial<RunFailure> {
  if (!last) return {};
  return { service: last.service, file: last.file, fn: last.fn, ...(last.instance !== undefined ? { instance: last.instance } : {}) };
}

/** The worker's first message of `type`; rejects when the worker fails or exits first (`doing`: what it was doing). */
function firstMessage<T extends FromWorker['type']>(worker: Worker, type: T, doing: string): Promise<Extract<FromWorker, { type: T }>> {
  return new Promise((resolve, reject) => {
    const done = (): void => {
      worker.off('message', onMessage);
      worker.off('error', onError);
      worker.off('exit', onExit);
    };
    const onMessage = (msg: FromWorker): void => {
      if (msg.type !== type) return;
      done();
      resolve(msg as Extract<FromWorker, { type: T }>);
    };
    const onError = (err: Error): void => {
      done();
      reject(err);
    };
    const onExit = (code: number): void => {
      done();
      reject(new Error(`module worker exited (${code}) while ${doing}`));
    };
    worker.on('message', onMessage);
    worker.once('error', onError);
    worker.once('exit', onExit);
  });
}
