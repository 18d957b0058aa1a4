/**
 * The module host: owns the module worker thread on the main side. Loads the module set
 * into a worker, runs transactions in it with a timeout (a module that hangs is stopped by
 * terminating the worker, and a fresh one is loaded), and hot-reloads: a new worker loads
 * in the background and is swapped in between runs, never during one.
 *
 * A run's time limit covers its wait for the module set too: a module whose top-level code
 * never finishes loading fails each run with ModulesNotLoadedError once its time is up,
 * and the next reload stops that load (every load in progress is superseded by it).
 */
import { Worker } from 'node:worker_threads';
import { fileURLToPath } from 'node:url';
import type { ConsolaInstance } from '../log.ts';
import { findModuleFiles, type LoadFailure } from './loader.ts';
import type { FromWorker, ModelsUse, ModuleInfo, RunFailure, RunRequest, ToWorker, WorkerTimings } from './worker-messages.ts';
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
  | { ok: true; served: string[]; edits: string[]; creators: number; timings: WorkerTimings; models?: ModelsUse }
  | { ok: false; failure: RunFailure; models?: ModelsUse };

/** The module set was not loaded within the time a run or a caller had. */
export class ModulesNotLoadedError extends Error {
  override name = 'ModulesNotLoadedError';
  constructor(readonly budget: ModuleBudget) {
    super(`the modules did not finish loading within ${Math.round(budget.ms / 100) / 10} s (the modules' time: ${budget.why})`);
  }
}

/** The host was closed: it starts no worker any more. */
export class HostClosedError extends Error {
  override name = 'HostClosedError';
  constructor() {
    super('module host closed');
  }
}

/** A module set being loaded, and its worker once it has one. */
interface Load {
  worker?: Worker;
  superseded: boolean;
}

/** A load stopped because a reload replaced it. */
class LoadSupersededError extends Error {
  override name = 'LoadSupersededError';
  constructor() {
    super('module load superseded by a reload');
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
  /** Whether `current` has loaded: one still loading was never used, and a reload replaces it at once. */
  private currentLoaded = false;
  /** Runs and swaps, one at a time, in order. */
  private chain: Promise<unknown> = Promise.resolve();
  private generation = 0;
  private nextId = 1;
  private closed = false;
  private spare: Promise<Worker> | undefined;
  /** Every worker started and not yet exited, so close() can stop one still booting. */
  private readonly live = new Set<Worker>();
  /** Module sets loading: a reload supersedes them all. */
  private readonly loads = new Set<Load>();

  constructor(private readonly opts: HostOptions) {
    this.current = this.setCurrent(this.spawn(this.files()));
  }

  /** Resolves when the first module set is loaded (or the one of a reload that replaced it while loading); returns it. */
  async ready(): Promise<{ modules: ModuleInfo[]; failures: LoadFailure[] }> {
    for (;;) {
      const current = this.current;
      try {
        const l = await current;
        return { modules: l.modules, failures: l.failures };
      } catch (err) {
        if (this.current === current) throw err;
      }
    }
  }

  /** Workers started and not yet exited: none once close() has resolved. */
  liveWorkers(): number {
    return this.live.size;
  }

  /** The module set the next run will use (waits for a reload under way); ModulesNotLoadedError past `budget`. */
  async moduleSet(opts: { budget?: ModuleBudget } = {}): Promise<{ modules: ModuleInfo[]; failures: LoadFailure[] }> {
    const op = async (started: () => void): Promise<{ modules: ModuleInfo[]; failures: LoadFailure[] }> => {
      const l = await this.loaded();
      started();
      return { modules: l.modules, failures: l.failures };
    };
    return opts.budget === undefined ? this.enqueue(() => op(() => undefined)) : this.enqueueWithin(opts.budget, op);
  }

  /**
   * Loads the module files afresh in a new worker and swaps it in once loaded, after any
   * run under way. Runs queued after this call use the new set. Resolves with the new set.
   */
  reload(): Promise<{ modules: ModuleInfo[]; failures: LoadFailure[] }> {
    if (this.closed) return Promise.reject(new HostClosedError());
    const gen = ++this.generation;
    // Loads still in progress are superseded: stopped, so that one stuck in a module's top-level code holds nothing up.
    for (const load of this.loads) {
      load.superseded = true;
      if (load.worker) void load.worker.terminate();
    }
    let files: string[];
    try {
      files = this.files();
    } catch (err) {
      return Promise.reject(err);
    }
    const loading = this.spawn(files);
    loading.catch(() => undefined);
    // Whoever waits for a set that never loaded now waits for this one.
    if (!this.currentLoaded) this.setCurrent(loading);
    return this.enqueue(async () => {
      const next = await loading.catch((err: unknown) => {
        if (gen !== this.generation || this.closed) return undefined;
        throw err;
      });
      const old = await this.current.catch(() => undefined);
      if (!next || gen !== this.generation || this.closed) {
        // A newer reload supersedes this one; its own swap follows.
        if (next && old?.worker !== next.worker) void next.worker.terminate();
        const l = await this.loaded();
        return { modules: l.modules, failures: l.failures };
      }
      this.setCurrent(Promise.resolve(next));
      if (old && old.worker !== next.worker) void old.worker.terminate();
      return { modules: next.modules, failures: next.failures };
    });
  }

  /**
   * Runs one request in the worker; a module past the timeout is stopped and reported as a
   * failure. `budget` (else the host's timeoutMs) may be a function, read when the run
   * starts: a run that waited for the first module load gets what is left of its time. The
   * budget as it is at the call bounds that wait too (ModulesNotLoadedError, as a failure).
   */
  run(req: RunRequest, limits: { budget?: ModuleBudget | (() => ModuleBudget) } = {}): Promise<RunOutcome> {
    const limit = limits.budget ?? { ms: this.opts.timeoutMs, why: "the module host's limit" };
    const budget = (): ModuleBudget => (typeof limit === 'function' ? limit() : limit);
    const run = this.enqueueWithin(budget(), async (started) => {
      const loaded = await this.loaded();
      started();
      return this.runIn(loaded, req, budget());
    });
    return run.catch((err: unknown): RunOutcome => {
      if (!(err instanceof ModulesNotLoadedError)) throw err;
      return { ok: false, failure: { kind: 'internal', message: err.message } };
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
    for (;;) {
      const current = this.current;
      try {
        return await current;
      } catch (err) {
        if (this.closed) throw new HostClosedError();
        // Replaced by a reload while loading: that reload's set is the one to wait for.
        if (this.current !== current) continue;
        this.opts.log.error(`module worker not available (${err instanceof Error ? err.message : String(err)}); starting a new one`);
        return this.setCurrent(this.spawn(this.filesOr([])));
      }
    }
  }

  /** Makes `set` the current module set; returns it. */
  private setCurrent(set: Promise<Loaded>): Promise<Loaded> {
    this.current = set;
    this.currentLoaded = false;
    set.then(
      () => {
        if (this.current === set) this.currentLoaded = true;
      },
      () => undefined,
    );
    return set;
  }

  private files(): string[] {
    return findModuleFiles(this.opts.modulePaths, this.opts.moduleFilter);
  }

  private enqueue<T>(op: () => Promise<T>): Promise<T> {
    const p = this.chain.then(op);
    this.chain = p.catch(() => undefined);
    return p;
  }

  /**
   * Enqueues `op`, the caller waiting at most `budget.ms` until op calls started() (once the
   * module set is there): past that, the caller gets ModulesNotLoadedError, and started()
   * throws it in the op, which so stops there.
   */
  private enqueueWithin<T>(budget: ModuleBudget, op: (started: () => void) => Promise<T>): Promise<T> {
    let late = false;
    let timer: NodeJS.Timeout | undefined;
    const expired = new Promise<never>((_resolve, reject) => {
      timer = setTimeout(() => {
        late = true;
        reject(new ModulesNotLoadedError(budget));
      }, budget.ms);
    });
    const started = (): void => {
      clearTimeout(timer);
      if (late) throw new ModulesNotLoadedError(budget);
    };
    const done = this.enqueue(() => op(started)).finally(() => clearTimeout(timer));
    // Whichever settles first; the other one's outcome is not wanted.
    done.catch(() => undefined);
    expired.catch(() => undefined);
    return Promise.race([done, expired]);
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
    const load: Load = { superseded: false };
    this.loads.add(load);
    try {
      return await this.load(files, load);
    } finally {
      this.loads.delete(load);
    }
  }

  private async load(files: string[], load: Load): Promise<Loaded> {
    const worker = await this.takeWorker();
    // Closed, or the worker gone, while it was being taken: its exit event has passed (or is
    // on its way from close()), so waiting for its message could wait for ever.
    if (this.closed || !this.live.has(worker) || load.superseded) {
      void worker.terminate();
      throw this.closed ? new HostClosedError() : load.superseded ? new LoadSupersededError() : new Error('module worker exited before loading');
    }
    load.worker = worker;
    const loaded = firstMessage(worker, 'loaded', 'loading');
    worker.postMessage({ type: 'load', files });
    const msg = await loaded.catch((err: unknown) => {
      throw load.superseded ? new LoadSupersededError() : err;
    });
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
            this.setCurrent(this.spawn(this.filesOr(loaded.files))).catch((err: unknown) => {
              if (!(err instanceof HostClosedError || err instanceof LoadSupersededError)) this.opts.log.error(`module worker failed to start: ${String(err)}`);
            });
          }
        }
        resolve(outcome);
      };
      const onMessage = (msg: FromWorker): void => {
        if (msg.type === 'call' && msg.id === id) last = msg;
        else if (msg.type === 'done' && msg.id === id) {
          finish({ ok: true, served: msg.served, edits: msg.edits, creators: msg.creators, timings: msg.timings, ...(msg.models ? { models: msg.models } : {}) }, false);
        } else if (msg.type === 'failed' && msg.id === id) finish({ ok: false, failure: msg.failure, ...(msg.models ? { models: msg.models } : {}) }, false);
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
