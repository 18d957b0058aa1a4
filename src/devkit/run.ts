/**
 * Running service modules offline for one services-commit, the way the server does: the
 * server's loader, runner and edit builder, the simulator's creator-tag pre-removal, then
 * the controller's `commit diff` text of the result. The testing API, `try` and the
 * `try --watch` worker all come through here.
 */
import { deviceDiff } from '../xml/diff.ts';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { entryKey, getListKeys, parseString, registerListKeys, type Element, type XmlNode } from '../xml/index.ts';
import { buildEdits } from '../service/edits.ts';
import { findModuleFiles, loadModules, type LoadFailure } from '../service/loader.ts';
import { checkModule, type LoadedModule, type ServiceModule } from '../service/module.ts';
import { parseServiceEntry, runServices, type ServiceEntry, type TransactionInfo } from '../service/runner.ts';
import { removeCreatedBy } from '../sim/index.ts';
import { Schema } from '../sim/schema.ts';
import { logger, type ConsolaInstance } from '../log.ts';

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
  /** Run the post-commit hooks as after a SUCCESS transaction; default true. */
  postCommit?: boolean;
  /** Creator-tagged nodes per edit-config, as the server's `batchSize`. */
  batchSize?: number;
  /**
   * Folders whose `.yang` files give list keys and leaf-lists (for matching entries in the
   * diff and for `svc value` instances). The folder of each module file is always read.
   */
  yangDirs?: readonly string[];
  /** Logger handed to the modules (tagged per module); default `logger('devkit')`. */
  log?: ConsolaInstance;
}

/** One module function that ran. */
export interface CallRecord {
  service: string;
  file: string;
  fn: string;
  instance?: string;
}

export interface ServiceRunResult {
  /** The config tree after the modules ran (the tree the server builds its edits from). */
  root: XmlNode;
  /** The config as given, before the commit. */
  input: XmlNode;
  /**
   * The config as the controller keeps it after the commit: the device changes merged,
   * creator tags moved into each instance's `created` paths. Feed it to the next run to
   * try a change or a delete of what this run created.
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
}

/** The config or the instance given cannot be used. */
export class DevkitInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DevkitInputError';
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

/** A config: XML text (as get-config returns it, `<data>` or whole reply accepted) or a tree. */
export function readConfig(config: string | Element): XmlNode {
  let root: XmlNode;
  if (typeof config === 'string') {
    try {
      root = parseString(config);
    } catch (err) {
      throw new DevkitInputError(`config: ${err instanceof Error ? err.message : String(err)}`);
    }
  } else {
    root = config.isDocument() ? config.copy() : parseString(config.dumps());
  }
  // A saved get-config reply: the config is inside <rpc-reply><data>.
  for (const wrapper of ['rpc-reply', 'data']) {
    const top = root.getChildren();
    if (top.length === 1 && top[0]!.getName() === wrapper) root = parseString(top[0]!.getChildren().map((c) => c.dumps()).join(''));
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
  const leafLists = learnYang([...new Set(modules.map((m) => dirname(m.file)))], opts.yangDirs ?? []);
  const input = readConfig(config);
  const entries = (typeof opts.instance === 'string' ? [opts.instance] : (opts.instance ?? [])).map(parseInstance);
  if (opts.delete && entries.length === 0) throw new DevkitInputError('delete needs the instance(s) to delete');
  const log = opts.log ?? logger('devkit');

  // What the server reads from the actions datastore: the config with the committed
  // instances' objects stripped by the controller, unmodified as if freshly read.
  const root = input.copy();
  const containers = containersOf(root);
  removeCreatedBy(root, entries.map((e) => e.raw));
  if (opts.delete) for (const e of entries) deleteInstance(root, e);
  root.clearModified();

  const txn: TransactionInfo = { tid: opts.tid ?? '1', user: opts.user ?? 'root', entries, diff: opts.diff ?? false };
  const run = await runServices(root, modules, txn, log, { broken });
  const edits = buildEdits(root, opts.batchSize !== undefined ? { batchSize: opts.batchSize } : {});
  const after = effectiveConfig(root, containers);
  const calls = run.calls.map(toRecord);
  if (opts.postCommit ?? true) {
    const post = await runServices(after.copy(), modules, txn, log, { phase: 'post-commit', result: 'SUCCESS' });
    calls.push(...post.calls.map(toRecord));
  }
  return { root, input, running: committed(after, leafLists), diff: deviceDiff(input, after, { leafLists }), edits, entries, calls };
}

/**
 * The committed config: creator-tagged device nodes are recorded as `created` paths in the
 * instance the tag names (path steps as the controller writes them: `name[key="v"]`, a
 * leaf-list entry `name[.="v"]`), and the edit attributes (creator, operation and their
 * namespace declarations) are gone, as they are from a datastore.
 */
function committed(after: XmlNode, leafLists: ReadonlySet<string>): XmlNode {
  const out = after.copy();
  const created = new Map<string, string[]>();
  const walk = (el: Element, steps: string[]): void => {
    for (const c of el.getChildren()) {
      const path = [...steps, pathStep(c, leafLists)];
      const attrs = c.getAttributes();
      for (const [k, v] of Object.entries(attrs)) {
        const local = k.slice(k.indexOf(':') + 1);
        if (local === 'creator' && !k.startsWith('xmlns')) {
          const list = created.get(v) ?? [];
          const text = '/' + path.join('/');
          if (!list.includes(text)) list.push(text);
          created.set(v, list);
        }
        if (local === 'creator' || local === 'operation' || k === 'xmlns:cl' || k === 'xmlns:nc') c.deleteAttribute(k);
      }
      walk(c, path);
    }
  };
  walk(out, []);
  const services = out.getChildren().find((c) => localName(c) === 'services');
  for (const [tag, paths] of created) {
    const entry = parseServiceEntry(tag);
    const inst = services?.getChildren().find((c) => localName(c) === entry.service && c.getChildren().some((k) => localName(k) === entry.key && k.getData() === entry.instance));
    if (!inst) continue;
    const holder = inst.getChildren().find((c) => localName(c) === 'created') ?? inst.create('created');
    const have = new Set(holder.getChildren().map((p) => p.getData()));
    for (const p of paths) if (!have.has(p)) holder.create('path', { data: p });
  }
  out.clearModified();
  return out;
}

/** One step of a `created` path: the name, with list keys or the leaf-list value. */
function pathStep(el: Element, leafLists: ReadonlySet<string>): string {
  const name = localName(el);
  const children = el.getChildren();
  const keys = getListKeys(name) ?? (children.some((c) => localName(c) === 'name') ? ['name'] : []);
  if (keys.length > 0) return name + keys.map((k) => `[${k}="${children.find((c) => localName(c) === k)?.getData() ?? ''}"]`).join('');
  if (children.length === 0 && leafLists.has(name)) return `${name}[.="${el.getData()}"]`;
  return name;
}

/**
 * Reads list keys and leaf-lists from the `.yang` files beside the modules and in
 * `yangDirs` (with the simulator's YANG reader); registers the keys for entry matching.
 */
export function learnYang(moduleDirs: readonly string[], yangDirs: readonly string[] = []): Set<string> {
  const schema = new Schema();
  for (const dir of moduleDirs) {
    let names: string[];
    try {
      names = readdirSync(dir);
    } catch {
      continue;
    }
    for (const n of names) if (n.endsWith('.yang')) schema.loadText(readFileSync(join(dir, n), 'utf8'));
  }
  schema.loadDirs([...yangDirs]);
  registerListKeys(Object.fromEntries(schema.listKeys));
  return new Set(schema.leafLists);
}

function toRecord(c: { module: LoadedModule; fn: string; instance?: string }): CallRecord {
  return { service: c.module.module.SERVICE, file: c.module.file, fn: c.fn, ...(c.instance !== undefined ? { instance: c.instance } : {}) };
}

/** Removes the entry's instance from `services` (what a deleting commit leaves in actions). */
function deleteInstance(root: XmlNode, entry: ServiceEntry): void {
  const services = root.getChildren().find((c) => localName(c) === 'services');
  const found = services?.getChildren().find((c) => localName(c) === entry.service && c.getChildren().some((k) => localName(k) === entry.key && k.getData() === entry.instance));
  if (!found) throw new DevkitInputError(`instance ${entry.raw} is not in the config's services`);
  found.delete();
}

function localName(el: Element): string {
  const n = el.getName();
  return n.slice(n.indexOf(':') + 1);
}

/**
 * The config the controller ends up with after merging the edits: nodes a module marked
 * `nc:operation="delete"`/`"remove"` are gone; a node a module created beside an existing
 * one of the same identity (a second `table`, an entry with the same key) is merged into
 * it, as the controller's merge does; and a container left empty (it had children in the
 * config read) is removed, as clixon drops empty non-presence containers.
 */
function effectiveConfig(root: XmlNode, containers: ReadonlySet<Element>): XmlNode {
  const out = root.copy();
  const marks: Marks = { created: new Set(), containers: new Set() };
  mark(root, out, containers, marks);
  normalize(out, marks);
  return out;
}

interface Marks {
  /** Nodes a module created or changed (copy() forgets it). */
  created: Set<Element>;
  /** Nodes that had element children in the config read. */
  containers: Set<Element>;
}

/** Every node with element children, before the pre-removal and the modules change the tree. */
function containersOf(el: Element, out = new Set<Element>()): Set<Element> {
  for (const c of el.getChildren()) {
    if (c.getChildren().length > 0) out.add(c);
    containersOf(c, out);
  }
  return out;
}

/** Carries marks from `orig` over to its copy. */
function mark(orig: Element, copy: Element, containers: ReadonlySet<Element>, marks: Marks): void {
  const a = orig.getChildren();
  const b = copy.getChildren();
  for (let i = 0; i < a.length; i++) {
    if (a[i]!.isModified()) marks.created.add(b[i]!);
    if (containers.has(a[i]!)) marks.containers.add(b[i]!);
    mark(a[i]!, b[i]!, containers, marks);
  }
}

function operationOf(el: Element): string | undefined {
  for (const [k, v] of Object.entries(el.getAttributes())) if (k === 'operation' || k.endsWith(':operation')) return v;
  return undefined;
}

function normalize(el: Element, marks: Marks): void {
  const firstOf = new Map<string, Element>();
  for (const c of el.getChildren()) {
    const op = operationOf(c);
    if (op === 'delete' || op === 'remove') {
      c.delete();
      continue;
    }
    const leaf = c.getChildren().length === 0;
    const key = entryKey(c);
    const id = `${c.getName()}\u0000${key}\u0000${leaf ? 'leaf' : ''}`;
    const first = firstOf.get(id);
    // Same-identity siblings: a created one joins an existing one; list entries with a real key always do.
    if (first && (leaf || key !== '' || (!marks.created.has(first) && marks.created.has(c)))) {
      if (!leaf) for (const k of c.getChildren()) first.add(k);
      c.delete();
      continue;
    }
    if (!first) firstOf.set(id, c);
  }
  for (const c of el.getChildren()) {
    normalize(c, marks);
    if (marks.containers.has(c) && c.getChildren().length === 0 && c.getData() === '') c.delete();
  }
}
