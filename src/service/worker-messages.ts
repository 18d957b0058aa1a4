/**
 * The messages between the server's main thread and the module worker. Only plain data
 * crosses: the config as UTF-8 bytes whose buffer is transferred (a multi-MB string
 * would be copied by structured clone), edits as XML text, errors as strings.
 */
import type { ModelsSnapshot } from '../models/snapshot.ts';
import type { SetCompile } from '../models/schemas.ts';
import type { LoadFailure } from './loader.ts';
import type { HookName } from './module.ts';
import type { RunPhase, TransactionInfo } from './runner.ts';

/** What the main thread keeps of a loaded module: enough to pick modules and narrow reads without the code. */
export interface ModuleInfo {
  file: string;
  name: string;
  service: string;
  xpath?: string;
  namespaces?: Record<string, string>;
  hooks: HookName[];
}

export interface RunRequest {
  phase: RunPhase;
  /** The get-config reply's `<data>` contents (or the whole reply): top-level config elements. */
  configXml: string;
  txn: TransactionInfo;
  result?: 'SUCCESS' | 'FAILED';
  reason?: string;
  broken: LoadFailure[];
  batchSize: number;
  /** What the config read selected (the modules' SERVICE_XPATH), when not all of it: validation judges only what it holds whole. */
  read?: { xpath: string; namespaces: Record<string, string> };
  /** The devices' module-sets (ctx.models) and, with validation, where each set's YANG is. */
  models?: ModelsSnapshot;
}

export type ToWorker =
  | { type: 'load'; files: string[] }
  | ({ type: 'run'; id: number; config: ArrayBuffer } & Omit<RunRequest, 'configXml'>);

/** Where a transaction's time went inside the worker, in ms. */
export interface WorkerTimings {
  /** Decoding the config bytes and parsing them. */
  parseMs: number;
  modulesMs: number;
  serializeMs: number;
  /** Checking the change against the YANG (with --validate); the origin capture it needs is in modulesMs. */
  validateMs?: number;
  /** Why the change was not checked though --validate asked for it (the YANG could not be used). */
  validateOff?: string;
  /** What a check that ran could not cover (YANG problems at load: what they define is not judged). */
  validateNote?: string;
  /**
   * The worker's own heap, collected, with what it holds outside it (typed arrays), only when
   * the process runs with --expose-gc (the benchmarks): before the run (less the config bytes
   * just received), and after the edits were built while the tree is held.
   */
  heap?: {
    beforeBytes: number;
    duringBytes: number;
    /** What the measuring took (collections): part of the cycle, not of the server's work. */
    measureMs: number;
  };
  /** The worker thread's CPU time of the same phases, in ms (with --expose-gc on Linux, as the heap). */
  cpu?: { parseMs: number; modulesMs: number; serializeMs: number; validateMs?: number };
}

/** Device models in a run's validation: sets compiled for it, and devices not judged by models of their own (why). */
export interface ModelsUse {
  compiled: SetCompile[];
  off: Record<string, string>;
}

/** Why a run failed: a module threw, a needed module is broken, or the worker itself hit an error. */
export interface RunFailure {
  /** schema: what the modules changed does not fit the YANG (--validate); nothing was sent. */
  kind: 'module' | 'broken' | 'schema' | 'internal';
  service?: string;
  file?: string;
  fn?: string;
  instance?: string;
  message: string;
}

export type FromWorker =
  | { type: 'ready' }
  | { type: 'loaded'; modules: ModuleInfo[]; failures: LoadFailure[] }
  | { type: 'call'; id: number; service: string; file: string; fn: string; instance?: string }
  | { type: 'log'; level: number; tag: string; message: string }
  | { type: 'done'; id: number; served: string[]; edits: string[]; creators: number; timings: WorkerTimings; models?: ModelsUse }
  | { type: 'failed'; id: number; failure: RunFailure; models?: ModelsUse };
