/**
 * The one code path that runs service modules for one transaction, on one config tree:
 * pre-commit hooks, then setup per matching module per listed instance; or the post-commit
 * hooks. Used by the server's worker and by the devkit, so a module behaves the same in both.
 */
import type { ConsolaInstance } from '../log.ts';
import { parseInstanceRef, type XmlNode } from '../xml/index.ts';
import { captureOrigins, originScope } from '../xml/origin.ts';
import { SnapshotModels, type DeviceModels } from '../models/snapshot.ts';
import type { LoadFailure } from './loader.ts';
import type { HookName, LoadedModule, ServiceContext, ServiceFunction } from './module.ts';

/** One `service` entry of a services-commit: `name[key='value']`, or a bare name. */
export interface ServiceEntry {
  service: string;
  /** The key leaf's name (`name`, `instance`, ...), when the entry has one. */
  key?: string;
  instance?: string;
  /** The entry as the controller sent it. */
  raw: string;
}

/** What the runner needs to know about the transaction. */
export interface TransactionInfo {
  tid: string;
  user: string;
  /** The services-commit entries; empty means every service, all instances. */
  entries: ServiceEntry[];
  diff: boolean;
}

/** 'commit': pre-commit hooks then setup; the others: the post-commit hooks. */
export type RunPhase = 'commit' | 'post-commit' | 'post-commit-failed';

export interface RunOptions {
  phase?: RunPhase;
  /** Post-commit phases: the controller's result and reason. */
  result?: 'SUCCESS' | 'FAILED';
  reason?: string;
  /** Module files that failed to load: a transaction touching their service fails instead of running without them. */
  broken?: readonly LoadFailure[];
  /**
   * Keep where module code created each node (`getOrigin()`), so that validation can name the
   * module's line from this one run. Costs a sampled stack per node shape (src/xml/origin.ts).
   */
  captureOrigins?: boolean;
  /** The devices' module-sets, as `ctx.models`; none given: no device's set is known. */
  models?: DeviceModels;
  /** Called before each module function runs (the server uses it to name a module that hangs). */
  onCall?: (call: ModuleCall) => void;
}

/** Which module function is about to run. */
export interface ModuleCall {
  module: LoadedModule;
  fn: 'setup' | HookName;
  instance?: string;
}

export interface RunResult {
  /** The service names to report in transaction-actions-done (as the Python server does: the listed services). */
  served: string[];
  /** Every module function that ran, in order. */
  calls: ModuleCall[];
}

/** A module function threw (or rejected): names the module, its file, the function and the instance. */
export class ModuleRunError extends Error {
  readonly service: string;
  readonly file: string;
  readonly fn: string;
  readonly instance?: string;
  constructor(call: ModuleCall, readonly error: unknown) {
    const message = error instanceof Error ? error.message : String(error);
    super(`${call.fn} of ${call.module.module.SERVICE} (${call.module.file}) failed: ${message}`, { cause: error });
    this.name = 'ModuleRunError';
    this.service = call.module.module.SERVICE;
    this.file = call.module.file;
    this.fn = call.fn;
    if (call.instance !== undefined) this.instance = call.instance;
  }
}

/** A module of a committed service failed to load: running without it would drop its device config. */
export class BrokenModuleError extends Error {
  constructor(readonly failures: readonly LoadFailure[]) {
    super(failures.map((f) => `module ${f.file} failed to load: ${f.error}`).join('\n'));
    this.name = 'BrokenModuleError';
  }
}

/** Parses `svc[key='value']` (or a bare `svc`) as found in services-commit. */
export function parseServiceEntry(raw: string): ServiceEntry {
  const text = raw.trim();
  const ref = parseInstanceRef(text);
  return ref ? { ...ref, raw: text } : { service: text, raw: text };
}

/**
 * Runs the modules for one transaction on `root`, in place. Modules mutate `root`; the caller
 * builds the edits from its modification marks afterwards. Throws ModuleRunError on the first
 * module error, BrokenModuleError before running anything when a committed service's module
 * did not load.
 */
export async function runServices(
  root: XmlNode,
  modules: readonly LoadedModule[],
  txn: TransactionInfo,
  log: ConsolaInstance,
  opts: RunOptions = {},
): Promise<RunResult> {
  const phase = opts.phase ?? 'commit';
  const calls: ModuleCall[] = [];
  const listed = new Set(txn.entries.map((e) => e.service));
  const models = opts.models ?? new SnapshotModels(undefined);

  if (phase === 'commit') {
    const broken = brokenFor(opts.broken ?? [], txn.entries);
    if (broken.length > 0) throw new BrokenModuleError(broken);
  }

  // One (module, instance) pair per listed entry whose service the module serves; none listed: every module, no instance.
  const targets: { module: LoadedModule; instance?: string }[] = [];
  if (txn.entries.length === 0) {
    for (const module of modules) targets.push({ module });
  } else {
    for (const entry of txn.entries) {
      for (const module of modules) {
        if (module.module.SERVICE !== entry.service) continue;
        targets.push(entry.instance !== undefined ? { module, instance: entry.instance } : { module });
      }
    }
  }

  const call = async (target: { module: LoadedModule; instance?: string }, fn: 'setup' | HookName): Promise<void> => {
    const m = target.module.module;
    const f: ServiceFunction | undefined = m[fn];
    if (!f) return;
    const info: ModuleCall = target.instance !== undefined ? { module: target.module, fn, instance: target.instance } : { module: target.module, fn };
    const ctx: ServiceContext = {
      tid: txn.tid,
      user: txn.user,
      service: m.SERVICE,
      services: [...listed],
      diff: txn.diff,
      models,
      ...(target.instance !== undefined ? { instance: target.instance } : {}),
      ...(opts.result !== undefined ? { result: opts.result } : {}),
      ...(opts.reason !== undefined ? { reason: opts.reason } : {}),
    };
    opts.onCall?.(info);
    calls.push(info);
    originScope(`${target.module.file} ${fn}`);
    try {
      await f.call(m, root, log.withTag(target.module.name), ctx);
    } catch (err) {
      throw new ModuleRunError(info, err);
    }
  };

  if (opts.captureOrigins) captureOrigins(true);
  try {
    if (phase === 'commit') {
      // All pre-commit hooks first, so each sees the tree before any setup changed it.
      for (const t of targets) await call(t, 'setupPreCommit');
      for (const t of targets) await call(t, 'setup');
    } else {
      const hook: HookName = phase === 'post-commit' ? 'setupPostCommit' : 'setupPostCommitFailed';
      for (const t of targets) await call(t, hook);
    }
  } finally {
    if (opts.captureOrigins) captureOrigins(false);
  }

  return { served: [...listed], calls };
}

/**
 * The load failures that stop this transaction: files that failed to import, or imported
 * but break the contract (no setup, a SERVICE_XPATH that would select nothing), and declare
 * a SERVICE that is listed (or any SERVICE, when all are re-applied). The controller removes
 * what a service created before asking for it again, so running without that module would
 * silently delete its device config. A file without a SERVICE (a helper) stops nothing.
 */
export function brokenFor(failures: readonly LoadFailure[], entries: readonly ServiceEntry[]): LoadFailure[] {
  const listed = new Set(entries.map((e) => e.service));
  return failures.filter(
    (f) => f.service !== undefined && (entries.length === 0 || listed.has(f.service)),
  );
}
