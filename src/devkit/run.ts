/**
 * Running service modules offline for one services-commit, the way the server does: the
 * server's loader, module selection, XPath narrowing, runner and edit builder; on the
 * controller's side the simulator's creator-tag pre-removal and edit-config merge; then the
 * controller's `commit diff` text of the result. The testing API, `try` and the
 * `try --watch` worker all come through here.
 */
import { dirname, isAbsolute } from 'node:path';
import { deviceDiff } from '../xml/diff.ts';
import { getListKeys, isElement, localName, parseString, type Element, type XmlNode } from '../xml/index.ts';
import { buildEdits } from '../service/edits.ts';
import { findModuleFiles, loadModules, moduleInfo, type LoadFailure } from '../service/loader.ts';
import { checkModule, type LoadedModule, type ServiceModule } from '../service/module.ts';
import { parseServiceEntry, runServices, type ServiceEntry, type TransactionInfo } from '../service/runner.ts';
import { matchingModules, narrowing } from '../service/server.ts';
import { removeCreatedBy } from '../sim/index.ts';
import { commitEdits, loadSchema, narrow } from './controller.ts';
import type { Schema } from '../sim/datamodel.ts';
import { logger, type ConsolaInstance } from '../log.ts';
import { SchemaSet, checkChanges } from '../yang/validate.ts';
import { indexYangFiles } from '../yang/compile.ts';
import { statSync } from 'node:fs';
import { loadModels, modelsFromConfig } from '../models/load.ts';
import { DeviceSchemaCache } from '../models/schemas.ts';
import { SnapshotModels, type ModelsSnapshot } from '../models/snapshot.ts';

// `try --watch` runs again on every save: the YANG is read again only when a file of it changed.
const schemaCache = new Map<string, SchemaSet>();

/** The schemas in `dirs`, read again only when a file of them changed. */
function schemaSet(dirs: readonly string[]): SchemaSet {
  const files = [...indexYangFiles(dirs).values()].flat();
  const key = `${dirs.join('\n')}\n${files.map((f) => `${f}@${statSync(f).mtimeMs}`).join('\n')}`;
  let set = schemaCache.get(key);
  if (!set) {
    schemaCache.clear();
    set = SchemaSet.fromDirs(dirs);
    schemaCache.set(key, set);
  }
  return set;
}

export interface RunServiceOptions {
  /**
   * The instance(s) committed: `svc[key='v']`, `svc v` or a bare `svc`; none re-applies
   * every instance of every service, as a services-commit without entries does.
   */
  instance?: string | readonly string[];
  /** The instance(s) are deleted in this commit: gone from `services`, their objects stripped. */
  delete?: boolean;
  tid?: string;
  user?: string;
  /** The context's `diff` flag (a `commit diff` dry run); default false. */
  diff?: boolean;
  /** Run the post-commit hooks as after a SUCCESS transaction (not for `diff`, as the server); default true. */
  postCommit?: boolean;
  /** Creator-tagged nodes per edit-config, as the server's `batchSize`. */
  batchSize?: number;
  /**
   * Folders whose `.yang` files give list keys and leaf-lists (for matching entries in the
   * diff and for `svc value` instances). The folder of each module file is always read.
   */
  yangDirs?: readonly string[];
  /**
   * Check what the modules changed against the YANG (the module folders' and `yangDirs`)
   * before building edits: a change that does not fit throws SchemaValidationError naming
   * the path and the module's own file:line; YANG that cannot be read whole (a file that
   * does not parse, an import not found, an augment whose target is missing) throws
   * YangLoadError before any module runs. Default: on.
   */
  validate?: boolean;
  /**
   * The devices' models (`ctx.models`, and with validation each device's own schemas): a
   * models folder written by `clixon-tsapi models`, or a controller's socket (read once per
   * process). Default: the module-sets the config holds (each device's yang-library or
   * configured `module-set`), without YANG of their own.
   */
  models?: string;
  /** Logger handed to the modules (tagged per module); default `logger('devkit')`. */
  log?: ConsolaInstance;
  /** Keep where the modules made each node (`result.root` nodes' getOrigin()), as validation does anyway. */
  captureOrigins?: boolean;
}

/** One module function that ran. */
export interface CallRecord {
  service: string;
  file: string;
  fn: string;
  instance?: string;
}

export interface ServiceRunResult {
  /** The config tree the modules ran on, as they left it (the tree the server builds its edits from). */
  root: XmlNode;
  /** The config as given, before the commit. */
  input: XmlNode;
  /**
   * The config as the controller keeps it after the commit: the edits merged into the
   * actions datastore, creator tags moved into each instance's `created` paths. Feed it to
   * the next run to try a change or a delete of what this run created.
   */
  running: XmlNode;
  /** Per device with a change, the controller's `commit diff` lines. */
  diff: Map<string, string>;
  /** The `<config>` contents of each edit-config the server would send. */
  edits: string[];
  /** The services-commit entries the run used. */
  entries: ServiceEntry[];
  /** The module functions that ran, in order. */
  calls: CallRecord[];
  /** What validation could not judge; undefined when it was off. */
  validation?: ValidationSummary;
}

/** What a validation that passed did not judge, and what the YANG compiler warned of. */
export interface ValidationSummary {
  /** Namespaces of changed elements no model was given for (give them with yangDirs / --yang). */
  unchecked: string[];
  /** Constraints not judged because they reach config the modules did not read (SERVICE_XPATH). */
  notJudged: number;
  /** Compile warnings (e.g. a pattern not understood, not checked). */
  warnings: readonly string[];
}

/** The config or the instance given cannot be used. */
export class DevkitInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DevkitInputError';
  }
}

/** The config has no `services`/`devices` at the top, nor inside `<config>`, `<data>` or `<rpc-reply>`. */
export class ConfigShapeError extends DevkitInputError {
  constructor(readonly found: string) {
    super(`config: expected <services>/<devices> at the top or inside <config>/<data>/<rpc-reply>, found ${found}`);
    this.name = 'ConfigShapeError';
  }
}

/** No module given serves a service named in the commit. */
export class NoModuleError extends DevkitInputError {
  constructor(
    readonly service: string,
    served: readonly string[],
  ) {
    super(`no module serves ${service}${served.length > 0 ? ` (the modules serve ${served.join(', ')})` : ''}`);
    this.name = 'NoModuleError';
  }
}

/** The config has no instance to run: not the one named, or none of any service the modules serve. */
export class NoInstanceError extends DevkitInputError {
  constructor(message: string) {
    super(message);
    this.name = 'NoInstanceError';
  }
}

/** Module files that failed to load (syntax error, throws on import, not a service module). */
export class ModuleLoadError extends Error {
  constructor(readonly failures: readonly LoadFailure[]) {
    super(failures.map((f) => f.error).join('\n'));
    this.name = 'ModuleLoadError';
  }
}

/**
 * Loads the module files under `path` (a file or a folder) with the server's loader.
 * Failures come back beside the modules; the runner refuses a commit that needs them.
 */
export async function loadPath(path: string): Promise<{ modules: LoadedModule[]; failures: LoadFailure[] }> {
  const files = findModuleFiles([path]);
  if (files.length === 0) throw new DevkitInputError(`no module files under ${path}`);
  return loadModules(files);
}

/** A module object (e.g. `import * as m from './mod.ts'`) as the loader would hand it over. */
export function asLoaded(module: ServiceModule, file = '<module>'): LoadedModule {
  const checked = checkModule({ ...module });
  if (Array.isArray(checked)) throw new ModuleLoadError([{ file, name: file, kind: 'contract', error: `not a service module: missing or wrong ${checked.join(', ')}` }]);
  return { file, name: checked.SERVICE, module: checked };
}

// What people save: a get-config reply (<rpc-reply><data>), its <data>, or the CLI's <config>.
const WRAPPERS = new Set(['rpc-reply', 'data', 'config']);
const CONFIG_TOP = new Set(['services', 'devices']);

/**
 * A config: XML text or a tree with `services`/`devices` at the top, or wrapped in
 * `<config>`, `<data>` or a whole `<rpc-reply>` (any namespace). Anything else throws
 * ConfigShapeError saying what was found.
 */
export function readConfig(config: string | Element): XmlNode {
  let root: XmlNode;
  if (typeof config === 'string') {
    try {
      root = parseString(config);
    } catch (err) {
      throw new DevkitInputError(`config: ${err instanceof Error ? err.message : String(err)}`);
    }
  } else {
    // A tree of another copy of the library (its own test imports) comes over as text.
    root = isElement(config) && config.isDocument() ? config.copy() : parseString(config.dumps());
  }
  const inside: string[] = [];
  for (let top = root.getChildren(); top.length === 1 && WRAPPERS.has(localName(top[0]!.getName())); top = root.getChildren()) {
    inside.push(top[0]!.getName());
    root = parseString(top[0]!.getChildren().map((c) => c.dumps()).join(''));
  }
  const names = [...new Set(root.getChildren().map((c) => c.getName()))];
  if (!names.some((n) => CONFIG_TOP.has(localName(n)))) {
    const found = names.length === 0 ? 'no element' : names.map((n) => `<${n}>`).join(', ');
    throw new ConfigShapeError(inside.length === 0 ? found : `${found} inside <${inside.join('><')}>`);
  }
  return root;
}

/**
 * `svc[key='v']`, `svc v` or `svc` as a services-commit entry. `svc v` takes the list key
 * registered for `svc`, else `name`.
 */
export function parseInstance(text: string): ServiceEntry {
  const t = text.trim();
  if (t === '') throw new DevkitInputError('empty service instance');
  if (t.includes('[')) {
    const e = parseServiceEntry(t);
    if (e.instance === undefined) throw new DevkitInputError(`cannot read service instance ${t}: expected svc[key='value']`);
    return e;
  }
  const parts = t.split(/\s+/);
  if (parts.length === 1) return { service: t, raw: t };
  if (parts.length !== 2) throw new DevkitInputError(`cannot read service instance ${t}: expected "svc value" or svc[key='value']`);
  const [service, instance] = parts as [string, string];
  const key = getListKeys(service)?.[0] ?? 'name';
  return { service, key, instance, raw: `${service}[${key}='${instance}']` };
}

/**
 * What runs of one set of modules share, read once: the data model (list keys, leaf-lists)
 * from the YANG of the module folders and `yangDirs`, and the schemas for validation.
 */
export interface RunSetup {
  modules: readonly LoadedModule[];
  broken: readonly LoadFailure[];
  schema: Schema;
  /** The YANG as a schema tree (read whole, else prepareRun throws YangLoadError); undefined when validation is off. */
  yang: SchemaSet | undefined;
  /** The devices' models when given (a models folder, a controller); else each run takes the config's module-sets. */
  models?: ModelsSnapshot;
}

// Compiled once per module-set folder for the process (try --watch, check's many runs).
const deviceSchemaCache = new DeviceSchemaCache();

export function prepareRun(
  modules: readonly LoadedModule[],
  opts: Pick<RunServiceOptions, 'yangDirs' | 'log' | 'validate'> = {},
  broken: readonly LoadFailure[] = [],
): RunSetup {
  const moduleDirs = [...new Set(modules.filter((m) => isAbsolute(m.file)).map((m) => dirname(m.file)))];
  const yang = opts.validate === false ? undefined : schemaSet([...moduleDirs, ...(opts.yangDirs ?? [])]).requireWhole();
  // The data model from the same compile when there is one (the YANG read once).
  const schema = loadSchema(moduleDirs, opts.yangDirs ?? [], yang);
  return { modules, broken, schema, yang };
}

/**
 * Runs `modules` for one services-commit on `config`, as the server would: the controller's
 * pre-removal of what the committed instances created, the pre-commit hooks and setup
 * (runServices), the edit-configs (buildEdits), the post-commit hooks; then the diff per
 * device between the config given and the config after the edits. Module errors propagate
 * as the runner throws them (ModuleRunError, BrokenModuleError).
 */
export async function runLoaded(
  modules: readonly LoadedModule[],
  config: string | Element,
  opts: RunServiceOptions = {},
  broken: readonly LoadFailure[] = [],
): Promise<ServiceRunResult> {
  const models = opts.models !== undefined ? await loadModels(opts.models) : undefined;
  return runPrepared({ ...prepareRun(modules, opts, broken), ...(models ? { models } : {}) }, config, opts);
}

/** runLoaded with the YANG already read (prepareRun). */
export async function runPrepared(setup: RunSetup, config: string | Element, opts: RunServiceOptions = {}): Promise<ServiceRunResult> {
  const { modules, broken, schema } = setup;
  const leafLists = schema.leafLists;
  const input = readConfig(config);
  const entries = (typeof opts.instance === 'string' ? [opts.instance] : (opts.instance ?? [])).map(parseInstance);
  if (opts.delete && entries.length === 0) throw new DevkitInputError('delete needs the instance(s) to delete');
  requireWork(input, modules, broken, entries);
  const log = opts.log ?? logger('devkit');

  // The actions datastore: the config with the committed instances' objects stripped by
  // the controller (and, for a delete, without the instance).
  const actions = input.copy();
  removeCreatedBy(actions, entries.map((e) => e.raw));
  if (opts.delete) for (const e of entries) deleteInstance(actions, e);

  // What the server reads of it (its get-config, narrowed by SERVICE_XPATH), unmodified as if freshly parsed.
  const infos = modules.map(moduleInfo);
  const filter = narrowing(matchingModules(infos, entries));
  const root = narrow(actions, filter, schema);
  root.clearModified();

  const txn: TransactionInfo = { tid: opts.tid ?? '1', user: opts.user ?? 'root', entries, diff: opts.diff ?? false };
  const schemas = opts.validate === false ? undefined : setup.yang;
  const snapshot = setup.models ?? modelsFromConfig(input);
  const models = new SnapshotModels(snapshot);
  const run = await runServices(root, modules, txn, log, { broken, models, captureOrigins: schemas !== undefined || opts.captureOrigins === true });
  let validation: ValidationSummary | undefined;
  if (schemas) {
    // Each device with models of its own is judged by them (a device without: by the module folders' and yangDirs' YANG).
    const devices = deviceSchemaCache.resolve(snapshot);
    for (const c of devices.compiled) if (c.why !== undefined) log.warn(`device models: ${c.devices.join(', ')} not judged by models of their own: module-set ${c.set}: ${c.why}`);
    const report = checkChanges(root, schemas, { read: filter, deviceSchemas: (d) => devices.byDevice.get(d) });
    validation = { unchecked: report.unchecked, notJudged: report.notJudged, warnings: schemas.warnings };
  }
  const edits = buildEdits(root, opts.batchSize !== undefined ? { batchSize: opts.batchSize } : {});
  const running = commitEdits(actions, edits, schema);
  const calls = run.calls.map(toRecord);
  // As the server: after SUCCESS of a real commit (not a `commit diff`), the post-commit hooks read running, narrowed by their modules' XPath.
  const withHook = matchingModules(infos, entries).filter((m) => m.hooks.includes('setupPostCommit'));
  if ((opts.postCommit ?? true) && !txn.diff && withHook.length > 0) {
    const post = await runServices(narrow(running, narrowing(withHook), schema), modules, txn, log, { phase: 'post-commit', result: 'SUCCESS', models });
    calls.push(...post.calls.map(toRecord));
  }
  return { root, input, running, diff: deviceDiff(input, running, { leafLists }), edits, entries, calls, ...(validation ? { validation } : {}) };
}

function toRecord(c: { module: LoadedModule; fn: string; instance?: string }): CallRecord {
  return { service: c.module.module.SERVICE, file: c.module.file, fn: c.fn, ...(c.instance !== undefined ? { instance: c.instance } : {}) };
}

/**
 * Refuses a run in which no module would do anything: a named service no module serves, a
 * named instance missing from the config's services, or, when every instance is
 * re-applied, none of any service the modules serve.
 */
function requireWork(input: XmlNode, modules: readonly LoadedModule[], broken: readonly LoadFailure[], entries: readonly ServiceEntry[]): void {
  const served = [...new Set(modules.map((m) => m.module.SERVICE))];
  // A module that failed to load still serves its service: the runner reports it as broken.
  const known = new Set([...served, ...broken.flatMap((f) => (f.service !== undefined ? [f.service] : []))]);
  for (const e of entries) {
    if (!known.has(e.service)) throw new NoModuleError(e.service, served);
    if (e.instance !== undefined) instanceOf(input, e);
    else if (instancesOf(input, e.service).length === 0) throw new NoInstanceError(`no ${e.service} instance in the config's services`);
  }
  if (entries.length === 0 && served.every((svc) => instancesOf(input, svc).length === 0)) {
    throw new NoInstanceError(`no instance of ${served.join(', ')} in the config's services: no module has anything to do`);
  }
}

/** The elements of `service` under the config's top-level `services`. */
function instancesOf(root: XmlNode, service: string): XmlNode[] {
  const services = root.getChildren().find((c) => localName(c.getName()) === 'services');
  return services?.getChildren().filter((c) => localName(c.getName()) === service) ?? [];
}

/** The entry's instance in the config's services; NoInstanceError naming the instances there when it is missing. */
function instanceOf(root: XmlNode, entry: ServiceEntry): XmlNode {
  const key = entry.key ?? 'name';
  const value = (el: XmlNode): string | undefined => el.getChildren().find((k) => localName(k.getName()) === key)?.getData();
  const all = instancesOf(root, entry.service);
  const found = all.find((el) => value(el) === entry.instance);
  if (found) return found;
  const there = all.slice(0, 5).map((el) => `${entry.service}[${key}='${value(el) ?? ''}']`).join(', ') + (all.length > 5 ? `, … ${all.length} in all` : '');
  throw new NoInstanceError(`no ${entry.raw} in the config's services${all.length > 0 ? ` (it has ${there})` : ''}`);
}

/** Removes the entry's instance from `services` (what a deleting commit leaves in actions). */
function deleteInstance(root: XmlNode, entry: ServiceEntry): void {
  instanceOf(root, entry).delete();
}
