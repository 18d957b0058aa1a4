/**
 * One `try` run as plain data (so it crosses from the watch worker), and its rendering:
 * the commit-diff text, the edit-configs, JSON, and errors pointing at the module's own
 * file and line.
 */
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, isAbsolute, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createConsola, type ConsolaInstance } from 'consola';
import { formatDeviceDiff } from '../xml/diff.ts';
import { parseString } from '../xml/index.ts';
import { BrokenModuleError, ModuleRunError } from '../service/runner.ts';
import { EditRejectedError } from './controller.ts';
import { SchemaValidationError, YangLoadError } from '../yang/validate.ts';
import { ModelsFolderError } from '../models/folder.ts';
import { DevkitInputError, ModuleLoadError, loadPath, runLoaded, type CallRecord, type ValidationSummary } from './run.ts';

/** What `try` was asked to run. */
export interface TryJob {
  modulePath: string;
  configPath: string;
  instance?: string;
  delete?: boolean;
  user?: string;
  tid?: string;
  diff?: boolean;
  postCommit?: boolean;
  batchSize?: number;
  /** Write the config as committed (with `created` paths) here, to try the next change on it. */
  savePath?: string;
  /** Module log level (consola: 0 silent … 4 debug); module logs go to stderr. */
  logLevel?: number;
  /** More YANG folders (device models); the module's own folder is always read. */
  yangDirs?: string[];
  /** false: do not check the change against the YANG. */
  validate?: boolean;
  /** The devices' models: a models folder or a controller socket (RunServiceOptions.models). */
  models?: string;
}

/** Where an error points: a file, line and column in the module's sources. */
export interface SourcePosition {
  file: string;
  line: number;
  column: number;
}

export interface ErrorReport {
  /**
   * 'input': the config or instance; 'load': a module failed to load; 'module': a module
   * function threw; 'commit': the controller would refuse the edit-config; 'schema': the
   * change does not fit the YANG. YANG that cannot be read whole is 'input'.
   */
  kind: 'input' | 'load' | 'module' | 'commit' | 'schema' | 'internal';
  message: string;
  /** The first position in the module's sources, when known. */
  at?: SourcePosition;
  /** The stack frames in the module's sources, innermost first. */
  frames: string[];
}

export type TryOutcome =
  | { ok: true; entries: string[]; diff: [string, string][]; edits: string[]; calls: CallRecord[]; warnings: string[] }
  | { ok: false; error: ErrorReport; warnings: string[] };

/** Runs the job in this thread: load with the server's loader, run as one services-commit. */
export async function tryOnce(job: TryJob): Promise<TryOutcome> {
  const warnings: string[] = [];
  const roots = [moduleRoot(job.modulePath)];
  try {
    let config: string;
    try {
      config = readFileSync(job.configPath, 'utf8');
    } catch (err) {
      throw new DevkitInputError(`cannot read config ${job.configPath}: ${err instanceof Error ? err.message : String(err)}`);
    }
    const { modules, failures } = await loadPath(job.modulePath);
    if (modules.length === 0 && failures.length > 0) throw new ModuleLoadError(failures);
    for (const f of failures) warnings.push(`module ${f.file} not loaded: ${f.error}`);
    const result = await runLoaded(
      modules,
      config,
      {
        ...(job.instance !== undefined ? { instance: job.instance } : {}),
        ...(job.delete ? { delete: true } : {}),
        ...(job.user !== undefined ? { user: job.user } : {}),
        ...(job.tid !== undefined ? { tid: job.tid } : {}),
        ...(job.diff !== undefined ? { diff: job.diff } : {}),
        ...(job.postCommit !== undefined ? { postCommit: job.postCommit } : {}),
        ...(job.batchSize !== undefined ? { batchSize: job.batchSize } : {}),
        ...(job.yangDirs ? { yangDirs: job.yangDirs } : {}),
        ...(job.validate === false ? { validate: false } : {}),
        ...(job.models !== undefined ? { models: job.models } : {}),
        log: moduleLogger(job.logLevel ?? 3),
      },
      failures,
    );
    if (job.savePath !== undefined) writeFileSync(job.savePath, result.running.toXml({ pretty: true, indent: 2 }));
    if (result.validation) warnings.push(...validationNotes(result.validation));
    return { ok: true, entries: result.entries.map((e) => e.raw), diff: [...result.diff], edits: result.edits, calls: result.calls, warnings };
  } catch (err) {
    return { ok: false, error: reportError(err, roots), warnings };
  }
}

/** What validation did not judge, as warnings: said once per run, so a pass is never taken for more than it checked. */
function validationNotes(v: ValidationSummary): string[] {
  const notes = v.warnings.map((w) => `YANG: ${w}`);
  if (v.unchecked.length > 0) notes.push(`not checked, no YANG model for namespace ${v.unchecked.join(', ')} (give the models with --yang <dir>)`);
  if (v.notJudged > 0) notes.push(`${v.notJudged} YANG constraint(s) not judged: they reach config the modules did not read (SERVICE_XPATH)`);
  return notes;
}

/** Module logs on stderr, so stdout holds only the result (and stays parseable with --json). */
function moduleLogger(level: number): ConsolaInstance {
  return createConsola({ level, stdout: process.stderr, stderr: process.stderr });
}

/** The module's source tree: the folder given, or the folder of the file given (its helpers live there). */
export function moduleRoot(modulePath: string): string {
  const abs = resolve(modulePath);
  try {
    return statSync(abs).isDirectory() ? abs : dirname(abs);
  } catch {
    return dirname(abs);
  }
}

/** An error as a report: its message, and where in the module's sources it happened. */
export function reportError(err: unknown, roots: readonly string[]): ErrorReport {
  if (err instanceof DevkitInputError || err instanceof YangLoadError || err instanceof ModelsFolderError) return { kind: 'input', message: err.message, frames: [] };
  if (err instanceof EditRejectedError) return { kind: 'commit', message: err.message, frames: [] };
  if (err instanceof SchemaValidationError) {
    const frames = err.issues.flatMap((i) => (i.origin ? [i.origin] : []));
    const at = frames.length > 0 ? positionIn(`${frames[0]}:1`) : undefined;
    return { kind: 'schema', message: err.message, ...(at ? { at } : {}), frames };
  }
  if (err instanceof ModuleRunError) {
    const frames = moduleFrames(err.error, roots);
    const at = frames.length > 0 ? positionIn(frames[0]!) : undefined;
    return { kind: 'module', message: err.message, ...(at ? { at } : {}), frames };
  }
  if (err instanceof ModuleLoadError || err instanceof BrokenModuleError) {
    const at = positionIn(err.failures[0]?.error ?? '');
    return { kind: 'load', message: err.message, ...(at ? { at } : {}), frames: [] };
  }
  const message = err instanceof Error ? (err.stack ?? err.message) : String(err);
  return { kind: 'internal', message, frames: [] };
}

const FRAME = /\(?((?:file:\/\/)?[^\s()]+?):(\d+):(\d+)\)?\s*$/;

/** The `at …` lines of a stack that point into the module's files (file paths, not URLs). */
function moduleFrames(error: unknown, roots: readonly string[]): string[] {
  const stack = error instanceof Error && typeof error.stack === 'string' ? error.stack : '';
  const frames: string[] = [];
  for (const line of stack.split('\n')) {
    const m = /^\s+at (.*)$/.exec(line);
    if (!m) continue;
    const loc = FRAME.exec(m[1]!);
    if (!loc) continue;
    const file = loc[1]!.startsWith('file://') ? fileURLToPath(loc[1]!) : loc[1]!;
    if (!isAbsolute(file) || !roots.some((r) => file === r || file.startsWith(r + sep))) continue;
    const fn = m[1]!.includes('(') ? m[1]!.slice(0, m[1]!.lastIndexOf('(')).trim() : '';
    frames.push(`${file}:${loc[2]}:${loc[3]}${fn ? ` (${fn.replace(/^Object\./, '')})` : ''}`);
  }
  return frames;
}

/** The first `file:line:column` in a text. */
function positionIn(text: string): SourcePosition | undefined {
  const m = /((?:file:\/\/)?\/[^\s:()]+):(\d+):(\d+)/.exec(text);
  if (!m) return undefined;
  const file = m[1]!.startsWith('file://') ? fileURLToPath(m[1]!) : m[1]!;
  return { file, line: Number(m[2]), column: Number(m[3]) };
}

/** The result as the CLI prints it: per device `name:` and diff lines, then OK. */
export function renderDiff(outcome: Extract<TryOutcome, { ok: true }>, color: boolean): string {
  return formatDeviceDiff(new Map(outcome.diff), { color });
}

const ACTIONS = '<target><actions xmlns="http://clicon.org/controller"/></target><default-operation>merge</default-operation>';

/** Each edit-config the server would send (its `<edit-config>` element), indented. */
export function renderEdits(outcome: Extract<TryOutcome, { ok: true }>): string {
  if (outcome.edits.length === 0) return '(no edit-config: the modules changed nothing)\n';
  return outcome.edits.map((body) => parseString(`<edit-config>${ACTIONS}<config>${body}</config></edit-config>`).toXml({ pretty: true, indent: 2 })).join('');
}

/** The error as the CLI prints it: the message, then the module frames. */
export function renderError(error: ErrorReport, color: boolean): string {
  const red = (s: string): string => (color ? `\x1b[31m${s}\x1b[0m` : s);
  let s = red(`error: ${error.message}`) + '\n';
  if (error.frames.length > 0) for (const f of error.frames) s += `    at ${f}\n`;
  else if (error.at) s += `    at ${error.at.file}:${error.at.line}:${error.at.column}\n`;
  return s;
}

/** The machine-readable result: one JSON object. */
export function renderJson(outcome: TryOutcome): string {
  if (!outcome.ok) return JSON.stringify({ ok: false, error: outcome.error, warnings: outcome.warnings }) + '\n';
  return (
    JSON.stringify({
      ok: true,
      entries: outcome.entries,
      devices: Object.fromEntries(outcome.diff),
      edits: outcome.edits,
      calls: outcome.calls,
      warnings: outcome.warnings,
    }) + '\n'
  );
}
