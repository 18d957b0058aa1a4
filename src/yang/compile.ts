/**
 * Statements to schema: finds modules in folders (the newest revision of each), follows
 * import/include, and builds the schema node tree — groupings expanded by uses (with refine
 * and augment), top-level augments (in pyang's order, also onto nodes a later augment adds),
 * deviate not-supported (and replace/add of config, mandatory, default, type), typedef
 * chains folded into one TypeSpec, identities with bases across modules, if-feature
 * conditions resolved and the nodes they disable left out (all features on unless told
 * otherwise, as pyang), config inheritance. Where pyang's behaviour is followed, the
 * source is pyang 2.7.1's statements.py.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { FeatureSyntaxError, ownConditionsHold, parseFeatureExpr, type FeatureExpr, type FeatureSet } from './features.ts';
import { YangError, parseYangFile, sub, subArg, subs, type Stmt } from './parse.ts';
import type { BuiltinType, Identity, NodeKind, SchemaNode, TypeSpec, YangModule } from './schema.ts';

export interface LoadOptions {
  /**
   * Enabled features per module name; a module not named has all its features on, and so
   * has every module without this option (as pyang without `-F`). Nodes whose if-feature
   * does not hold are left out of the schema.
   */
  features?: FeatureSet;
  /**
   * Statements already parsed, by file path, shared between contexts that read the same
   * files (one per module-set, one per module in the tree tests): each file is parsed once.
   */
  parsed?: Map<string, Stmt>;
}

const BUILTINS = new Set<string>([
  'binary', 'bits', 'boolean', 'decimal64', 'empty', 'enumeration', 'identityref',
  'instance-identifier', 'int8', 'int16', 'int32', 'int64', 'leafref', 'string',
  'uint8', 'uint16', 'uint32', 'uint64', 'union',
]);

const BOUNDS: Record<string, [number, number]> = {
  int8: [-128, 127], int16: [-32768, 32767], int32: [-2147483648, 2147483647],
  int64: [-9223372036854775808, 9223372036854775807], uint8: [0, 255], uint16: [0, 65535],
  uint32: [0, 4294967295], uint64: [0, 18446744073709551615], decimal64: [-Infinity, Infinity],
  string: [0, Infinity], binary: [0, Infinity],
};

const NODE_KEYWORDS = new Set<string>([
  'container', 'list', 'leaf', 'leaf-list', 'choice', 'case', 'anydata', 'anyxml',
  'rpc', 'action', 'notification', 'input', 'output',
]);

/** Where a statement was written: its file's prefixes, the module it belongs to. */
interface Source {
  top: Stmt;
  module: YangModule;
  prefixes: Map<string, string>;
}

/** The YANG files under folders (recursively) or given directly, by module name, newest revision first. */
export function indexYangFiles(paths: readonly string[]): Map<string, string[]> {
  const found = new Map<string, string[]>();
  const add = (file: string): void => {
    const name = basename(file, '.yang').split('@')[0]!;
    const list = found.get(name) ?? [];
    list.push(file);
    found.set(name, list);
  };
  // Directory entries say what they are: no stat per file (a context per module-set reads the folders again).
  const visitDir = (dir: string): void => {
    let entries;
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const e of entries) {
      const p = join(dir, e.name);
      if (e.isDirectory() || (e.isSymbolicLink() && isDirectory(p))) visitDir(p);
      else if (e.name.endsWith('.yang')) add(p);
    }
  };
  for (const p of paths) {
    if (isDirectory(p)) visitDir(p);
    else if (p.endsWith('.yang') && existsSync(p)) add(p);
  }
  // The revision in the file name (name@YYYY-MM-DD.yang), newest first; a name without one last.
  const revision = (file: string): string => basename(file, '.yang').split('@')[1] ?? '';
  for (const list of found.values()) list.sort((a, b) => (revision(a) < revision(b) ? 1 : revision(a) > revision(b) ? -1 : 0));
  return found;
}

function isDirectory(p: string): boolean {
  try {
    return statSync(p).isDirectory();
  } catch {
    return false;
  }
}

export class YangContext {
  readonly modules = new Map<string, YangModule>();
  /** Problems that do not stop the schema from being used (an augment whose target is missing). */
  readonly warnings: string[] = [];
  private readonly files: Map<string, string[]>;
  private readonly parsed = new Map<string, Stmt>();
  private readonly owner = new Map<Stmt, Source>();
  /** Per compile: a type statement in a grouping serves every use of it (identities are the compile's own). */
  private readonly typeCache = new Map<Stmt, TypeSpec>();
  private featureExprs = new WeakMap<Stmt, FeatureExpr>();
  private readonly explicitConfig = new Map<SchemaNode, boolean>();
  private tolerant = false;
  private readonly loadWarnings: string[] = [];
  private readonly augments = new Map<Stmt, { target: SchemaNode; nodes: SchemaNode[] }>();
  /** Nodes a top-level augment's path names before an augment of the same module adds them. */
  private readonly placeholders = new Set<SchemaNode>();

  constructor(
    private readonly searchPaths: readonly string[],
    private readonly opts: LoadOptions = {},
  ) {
    this.files = indexYangFiles(searchPaths);
  }

  /** Loads modules by name (and what they import), then compiles the whole schema again. */
  load(names: readonly string[]): void {
    this.tolerant = false;
    this.loadWarnings.length = 0;
    for (const n of names) this.loadModule(n, undefined);
    this.compile();
  }

  /**
   * Loads every module in the search paths (submodules through their modules). A module
   * that cannot be read or compiled is left out with a warning, so that one broken file
   * in a large folder (a controller's YANG dirs) does not cost the rest.
   */
  loadAll(): void {
    this.tolerant = true;
    this.loadWarnings.length = 0;
    for (const name of this.files.keys()) {
      const before = new Set(this.modules.keys());
      try {
        if (this.readStmt(name, undefined).keyword === 'module') this.loadModule(name, undefined);
      } catch (err) {
        if (!(err instanceof YangError)) throw err;
        // What this attempt added is incomplete: drop it all.
        for (const m of [...this.modules.keys()]) if (!before.has(m)) this.modules.delete(m);
        this.loadWarnings.push(`${name} left out: ${err.message}`);
      }
    }
    this.compile();
  }

  /** Runs one module's part of the compile; in loadAll a YangError leaves that module empty with a warning. */
  private guarded(mod: YangModule, fn: () => void): void {
    try {
      fn();
    } catch (err) {
      if (!this.tolerant || !(err instanceof YangError)) throw err;
      mod.nodes = [];
      this.warnings.push(`${mod.name} left out: ${err.message}`);
    }
  }

  private readStmt(name: string, from: Stmt | undefined): Stmt {
    const cached = this.parsed.get(name);
    if (cached) return cached;
    const file = this.files.get(name)?.[0];
    if (!file) {
      const missing = `module ${name} not found in the YANG search path (searched ${this.searchPaths.join(', ') || 'no folder'})`;
      if (from) throw new YangError(missing, from.file, from.line, from.col);
      throw new YangError(missing, name, 0, 0);
    }
    let stmt = this.opts.parsed?.get(file);
    if (!stmt) {
      stmt = parseYangFile(file);
      this.opts.parsed?.set(file, stmt);
    }
    if (stmt.arg !== name) throw new YangError(`file holds ${stmt.keyword} ${stmt.arg}, expected ${name}`, file, stmt.line, stmt.col);
    this.parsed.set(name, stmt);
    return stmt;
  }

  private loadModule(name: string, from: Stmt | undefined): YangModule {
    const have = this.modules.get(name);
    if (have) return have;
    const stmt = this.readStmt(name, from);
    if (stmt.keyword !== 'module') throw new YangError(`${name} is a submodule, not a module`, stmt.file, stmt.line, stmt.col);
    const mod: YangModule = {
      name,
      prefix: subArg(stmt, 'prefix') ?? name,
      namespace: subArg(stmt, 'namespace') ?? '',
      revision: subs(stmt, 'revision').map((r) => r.arg ?? '').filter(isDate).sort().at(-1),
      file: stmt.file,
      stmt,
      submodules: [],
      identities: new Map(),
      features: new Map(),
      nodes: [],
    };
    this.modules.set(name, mod);
    this.adopt(stmt, mod, mod.prefix);
    const includeAll = (top: Stmt): void => {
      for (const inc of subs(top, 'include')) {
        const subName = inc.arg ?? '';
        if (mod.submodules.some((s) => s.arg === subName)) continue;
        const s = this.readStmt(subName, inc);
        if (s.keyword !== 'submodule') throw new YangError(`${subName} is not a submodule`, inc.file, inc.line, inc.col);
        mod.submodules.push(s);
        this.adopt(s, mod, subArg(sub(s, 'belongs-to') ?? s, 'prefix') ?? mod.prefix);
        includeAll(s);
      }
    };
    includeAll(stmt);
    for (const top of [stmt, ...mod.submodules]) {
      for (const imp of subs(top, 'import')) this.loadModule(imp.arg ?? '', imp);
    }
    // A module after what it imports (as pyang orders them): augments from different
    // modules into one node then land in the order pyang prints them.
    this.modules.delete(name);
    this.modules.set(name, mod);
    return mod;
  }

  /** Records which module a file (module or submodule) belongs to, and the prefixes it declares. */
  private adopt(top: Stmt, mod: YangModule, ownPrefix: string): void {
    const prefixes = new Map<string, string>([[ownPrefix, mod.name]]);
    for (const imp of subs(top, 'import')) prefixes.set(subArg(imp, 'prefix') ?? '', imp.arg ?? '');
    this.owner.set(top, { top, module: mod, prefixes });
  }

  /** The file a statement is written in: the module it belongs to and its prefixes. */
  private src(s: Stmt): Source {
    let top = s;
    while (top.parent) top = top.parent;
    const o = this.owner.get(top);
    if (!o) throw new YangError('statement outside any module', s.file, s.line, s.col);
    return o;
  }

  /** `prefix:name` as written in statement `at`: the module it names, and the bare name. */
  private qualify(ref: string, at: Stmt): { module: YangModule; name: string } {
    const i = ref.indexOf(':');
    const own = this.src(at);
    if (i < 0) return { module: own.module, name: ref };
    const pfx = ref.slice(0, i);
    const modName = own.prefixes.get(pfx);
    const module = modName !== undefined ? this.modules.get(modName) : undefined;
    if (!module) throw new YangError(`unknown prefix ${pfx} in ${ref}`, at.file, at.line, at.col);
    return { module, name: ref.slice(i + 1) };
  }

  /** A grouping or typedef by name, seen from statement `at`: enclosing scopes, then the module's top level. */
  private lookupDef(kind: 'grouping' | 'typedef', ref: string, at: Stmt): Stmt | undefined {
    const { module, name } = this.qualify(ref, at);
    if (module === this.src(at).module) {
      for (let p = at.parent; p; p = p.parent) {
        const hit = p.subs.find((x) => x.keyword === kind && x.arg === name);
        if (hit) return hit;
      }
    }
    for (const top of [module.stmt, ...module.submodules]) {
      const hit = top.subs.find((x) => x.keyword === kind && x.arg === name);
      if (hit) return hit;
    }
    return undefined;
  }

  private compile(): void {
    this.augments.clear();
    this.typeCache.clear();
    this.explicitConfig.clear();
    this.featureExprs = new WeakMap();
    this.warnings.length = 0;
    this.warnings.push(...this.loadWarnings);
    for (const mod of this.modules.values()) {
      mod.nodes = [];
      mod.identities.clear();
      mod.features.clear();
      for (const top of [mod.stmt, ...mod.submodules]) {
        this.checkDates(top);
        for (const f of subs(top, 'feature')) mod.features.set(f.arg ?? '', f);
        for (const id of subs(top, 'identity')) mod.identities.set(id.arg ?? '', { name: id.arg ?? '', module: mod, bases: [] });
      }
    }
    for (const mod of this.modules.values()) {
      this.guarded(mod, () => {
        for (const top of [mod.stmt, ...mod.submodules]) {
          for (const idStmt of subs(top, 'identity')) {
            const id = mod.identities.get(idStmt.arg ?? '')!;
            for (const b of subs(idStmt, 'base')) id.bases.push(this.identity(b.arg ?? '', b));
          }
        }
      });
    }
    for (const mod of this.modules.values()) {
      this.guarded(mod, () => {
        for (const top of [mod.stmt, ...mod.submodules]) {
          mod.nodes.push(...this.compileChildren(top.subs.filter((s) => s.keyword !== 'rpc' && s.keyword !== 'notification'), mod, undefined));
        }
        for (const kw of ['rpc', 'notification']) {
          for (const top of [mod.stmt, ...mod.submodules]) mod.nodes.push(...this.compileChildren(subs(top, kw), mod, undefined));
        }
      });
    }
    this.applyTopAugments();
    this.applyDeviations();
    // Config before pruning: an augment into a node that is left out keeps its flags (pyang's order).
    for (const mod of this.modules.values()) {
      for (const n of mod.nodes) this.inheritConfig(n, n.kind === 'rpc' || n.kind === 'notification' ? undefined : true);
    }
    for (const mod of this.modules.values()) mod.nodes = this.prune(mod.nodes);
    for (const aug of this.augments.values()) aug.nodes = this.prune(aug.nodes);
  }

  /** A revision or revision-date that is no date is reported (as pyang does) and not taken as the module's revision. */
  private checkDates(top: Stmt): void {
    const dated = [...subs(top, 'revision'), ...[...subs(top, 'import'), ...subs(top, 'include')].flatMap((i) => subs(i, 'revision-date'))];
    for (const r of dated) {
      if (!isDate(r.arg ?? '')) this.warnings.push(`${r.file}:${r.line}:${r.col}: ${r.keyword} "${r.arg ?? ''}" is not a date (YYYY-MM-DD)`);
    }
  }

  identity(ref: string, at: Stmt): Identity {
    const { module, name } = this.qualify(ref, at);
    const id = module.identities.get(name);
    if (!id) throw new YangError(`identity ${ref} not found`, at.file, at.line, at.col);
    return id;
  }

  private compileChildren(stmts: readonly Stmt[], ns: YangModule, parent: SchemaNode | undefined): SchemaNode[] {
    const out: SchemaNode[] = [];
    for (const s of stmts) {
      if (s.keyword === 'uses') {
        out.push(...this.expandUses(s, ns, parent));
      } else if (NODE_KEYWORDS.has(s.keyword)) {
        if (parent?.kind === 'choice' && s.keyword !== 'case') {
          // The shorthand: a data node directly in a choice is a case of its own name.
          const kase = this.implicitCase(s, ns, parent);
          kase.children = [this.compileNode(s, ns, kase)];
          out.push(kase);
        } else {
          out.push(this.compileNode(s, ns, parent));
        }
      }
    }
    if (parent?.kind === 'rpc' || parent?.kind === 'action') {
      for (const kw of ['input', 'output'] as const) {
        if (!out.some((n) => n.kind === kw)) out.push(this.makeNode(kw, { keyword: kw, arg: kw, subs: [], parent: parent.stmt, file: parent.stmt.file, line: parent.stmt.line, col: parent.stmt.col }, ns, parent));
      }
      out.sort((a, b) => Number(a.kind === 'output') - Number(b.kind === 'output'));
    }
    return out;
  }

  /** A node that no statement of its own defines (an implicit case, a placeholder). */
  private bareNode(kind: NodeKind, name: string, ns: YangModule, stmt: Stmt, parent: SchemaNode | undefined): SchemaNode {
    return {
      kind, name, module: ns, stmt, parent, children: [], status: 'current', ifFeatures: [], conditions: [],
      mandatory: false, presence: false, keys: [], defaults: [], must: [], when: [], orderedByUser: false,
    };
  }

  /** The case a data node written directly in a choice stands in: its name and status only (RFC 7950 7.9.2, as pyang). */
  private implicitCase(child: Stmt, ns: YangModule, parent: SchemaNode): SchemaNode {
    const status = subArg(child, 'status');
    const kase = this.bareNode('case', child.arg ?? '', ns, child, parent);
    kase.implicit = true;
    if (status === 'deprecated' || status === 'obsolete') kase.status = status;
    return kase;
  }

  private makeNode(kind: NodeKind, s: Stmt, ns: YangModule, parent: SchemaNode | undefined): SchemaNode {
    const node = this.bareNode(kind, kind === 'input' || kind === 'output' ? kind : s.arg ?? '', ns, s, parent);
    // One pass over the substatements: this runs for every node of every module compiled.
    for (const c of s.subs) {
      const arg = c.arg ?? '';
      switch (c.keyword) {
        case 'status': if (arg === 'deprecated' || arg === 'obsolete') node.status = arg; break;
        case 'if-feature': this.addIfFeature(node, c); break;
        case 'mandatory': node.mandatory = arg === 'true'; break;
        case 'presence': node.presence = true; break;
        case 'key': node.keys = arg.split(/\s+/).filter(Boolean); break;
        case 'default': node.defaults.push(arg); break;
        case 'must': node.must.push(arg); break;
        case 'when': node.when.push(arg); break;
        case 'min-elements': node.minElements = Number(arg); break;
        case 'max-elements': if (arg !== 'unbounded') node.maxElements = Number(arg); break;
        case 'ordered-by': node.orderedByUser = arg === 'user'; break;
        case 'config': this.explicitConfig.set(node, arg === 'true'); break;
        default: break;
      }
    }
    return node;
  }

  private compileNode(s: Stmt, ns: YangModule, parent: SchemaNode | undefined): SchemaNode {
    const node = this.makeNode(s.keyword as NodeKind, s, ns, parent);
    const t = sub(s, 'type');
    if (t) node.type = this.resolveType(t);
    node.children = this.compileChildren(s.subs, ns, node);
    return node;
  }

  private expandUses(u: Stmt, ns: YangModule, parent: SchemaNode | undefined): SchemaNode[] {
    const g = this.lookupDef('grouping', u.arg ?? '', u);
    if (!g) throw new YangError(`grouping ${u.arg} not found`, u.file, u.line, u.col);
    const nodes = this.compileChildren(g.subs, ns, parent);
    // The uses' if-features become the grouping's top nodes' own (pyang prints them so, repeats kept).
    const usesFeatures = subs(u, 'if-feature');
    const usesWhen = subs(u, 'when').map((w) => w.arg ?? '');
    for (const n of nodes) {
      for (const f of usesFeatures) this.addIfFeature(n, f);
      n.when.push(...usesWhen);
    }
    for (const r of subs(u, 'refine')) {
      const target = this.findPath(nodes, r.arg ?? '', r);
      if (!target) throw new YangError(`refine target ${r.arg} not found`, r.file, r.line, r.col);
      this.refine(target, r);
    }
    for (const a of subs(u, 'augment')) {
      const target = this.findPath(nodes, a.arg ?? '', a);
      if (!target) throw new YangError(`augment target ${a.arg} not found`, a.file, a.line, a.col);
      this.augmentInto(target, a, ns);
    }
    return nodes;
  }

  private refine(n: SchemaNode, r: Stmt): void {
    for (const s of r.subs) {
      switch (s.keyword) {
        case 'mandatory': n.mandatory = s.arg === 'true'; break;
        case 'presence': n.presence = true; break;
        case 'config': this.explicitConfig.set(n, s.arg === 'true'); break;
        case 'default': n.defaults = subs(r, 'default').map((d) => d.arg ?? ''); break;
        case 'if-feature': this.addIfFeature(n, s); break;
        case 'must': n.must.push(s.arg ?? ''); break;
        case 'min-elements': n.minElements = Number(s.arg); break;
        case 'max-elements': n.maxElements = s.arg === 'unbounded' ? undefined : Number(s.arg); break;
        default: break;
      }
    }
  }

  private augmentInto(target: SchemaNode, a: Stmt, ns: YangModule): void {
    const added = this.compileChildren(a.subs, ns, target);
    // What the augment itself holds: into a choice, a bare data node rather than the case
    // made for it. pyang prints it so, and gives it the augment's if-feature.
    const own = added.map((n) => (n.implicit ? n.children[0]! : n));
    const feats = subs(a, 'if-feature');
    const when = subs(a, 'when').map((w) => w.arg ?? '');
    for (const n of own) {
      if (feats.length) {
        n.augmentIfFeatures = feats.map((f) => f.arg ?? '');
        n.conditions.push(...feats.map((f) => this.featureExpr(f)));
      }
      n.when.push(...when);
    }
    this.augments.set(a, { target, nodes: own });
    this.addChildren(target, added);
  }

  /** The node an augment statement landed on, undefined when its target was not found. */
  augmentTarget(a: Stmt): SchemaNode | undefined {
    return this.augments.get(a)?.target;
  }

  /** The nodes an augment statement added (left out: those whose if-feature does not hold); undefined when its target was not found. */
  augmentNodes(a: Stmt): readonly SchemaNode[] | undefined {
    return this.augments.get(a)?.nodes;
  }

  /** A schema node id (`/a:b/a:c` or `b/c`) resolved against `roots`, prefixes read where `at` was written. */
  private findPath(roots: readonly SchemaNode[], path: string, at: Stmt): SchemaNode | undefined {
    let level: readonly SchemaNode[] = roots;
    let node: SchemaNode | undefined;
    const own = this.src(at).module;
    for (const part of path.split('/').filter(Boolean)) {
      const { module, name } = this.qualify(part.trim(), at);
      // A grouping's own names become the using module's: inside a uses they match by name.
      node = level.find((n) => n.name === name && (n.module === module || (module === own && !path.startsWith('/'))));
      if (!node) return undefined;
      level = node.children;
    }
    return node;
  }

  private findAbsolute(path: string, at: Stmt): SchemaNode | undefined {
    const first = path.split('/').filter(Boolean)[0];
    if (first === undefined) return undefined;
    const { module } = this.qualify(first, at);
    return this.findPath(module.nodes, path, at);
  }

  private applyTopAugments(): void {
    let pending: { a: Stmt; mod: YangModule }[] = [];
    for (const mod of this.modules.values()) {
      for (const top of [mod.stmt, ...mod.submodules]) for (const a of subs(top, 'augment')) pending.push({ a, mod });
    }
    // Augments may target nodes that other augments add: repeat while any lands.
    for (;;) {
      const left: typeof pending = [];
      for (const p of pending) {
        let target: SchemaNode | undefined;
        try {
          target = this.findAugmentTarget(p.a);
        } catch {
          target = undefined;
        }
        if (target && !this.placeholders.has(target)) this.augmentInto(target, p.a, p.mod);
        else left.push(p);
      }
      if (left.length === pending.length) break;
      pending = left;
    }
    for (const ph of this.placeholders) ph.parent?.children.splice(ph.parent.children.indexOf(ph), 1);
    this.placeholders.clear();
    for (const { a } of pending) this.warnings.push(`${a.file}:${a.line}:${a.col}: augment target ${a.arg} not found`);
  }

  /**
   * A top-level augment's target. A missing node below the first gets a placeholder where it
   * is missing, as pyang does (statements.py find_target_node): a later augment may add it,
   * and the node then takes the placeholder's place. pyang makes one only for a node of the
   * augmenting module; a node of another module cannot come later here, since modules are
   * compiled after what they import, so the two are the same.
   */
  private findAugmentTarget(a: Stmt): SchemaNode | undefined {
    const parts = (a.arg ?? '').split('/').filter(Boolean);
    let node: SchemaNode | undefined;
    for (const part of parts) {
      const { module, name } = this.qualify(part.trim(), a);
      const level = node ? node.children : module.nodes;
      let next = level.find((n) => n.name === name && n.module === module);
      if (!next) {
        if (!node) return undefined;
        next = this.bareNode('container', name, module, a, node);
        node.children.push(next);
        this.placeholders.add(next);
      }
      node = next;
    }
    return node;
  }

  /** Adds nodes to a parent's children; one that fills a placeholder takes its place. */
  private addChildren(parent: SchemaNode, added: readonly SchemaNode[]): void {
    for (const n of added) {
      const i = this.placeholders.size ? parent.children.findIndex((c) => this.placeholders.has(c) && c.name === n.name && c.module === n.module) : -1;
      if (i < 0) {
        parent.children.push(n);
        continue;
      }
      const ph = parent.children[i]!;
      parent.children[i] = n;
      this.placeholders.delete(ph);
      this.movePlaceholders(n, ph.children);
    }
  }

  /** What waited under a placeholder (placeholders of deeper nodes) moves under the node that filled it. */
  private movePlaceholders(real: SchemaNode, waiting: readonly SchemaNode[]): void {
    for (const ph of waiting) {
      const have = real.children.find((x) => x.name === ph.name && x.module === ph.module);
      if (have) {
        this.placeholders.delete(ph);
        this.movePlaceholders(have, ph.children);
      } else {
        ph.parent = real;
        real.children.push(ph);
      }
    }
  }

  private applyDeviations(): void {
    for (const mod of this.modules.values()) {
      this.guarded(mod, () => this.deviate(mod));
    }
  }

  private deviate(mod: YangModule): void {
    for (const top of [mod.stmt, ...mod.submodules]) {
      for (const d of subs(top, 'deviation')) {
        const target = this.findAbsolute(d.arg ?? '', d);
        if (!target) {
          this.warnings.push(`${d.file}:${d.line}:${d.col}: deviation target ${d.arg} not found`);
          continue;
        }
        for (const dv of subs(d, 'deviate')) {
          if (dv.arg === 'not-supported') {
            const siblings = target.parent ? target.parent.children : target.module.nodes;
            siblings.splice(siblings.indexOf(target), 1);
          } else if (dv.arg === 'replace' || dv.arg === 'add') {
            this.refine(target, dv);
            const t = sub(dv, 'type');
            if (t) target.type = this.resolveType(t);
          }
        }
      }
    }
  }

  /** An if-feature statement's expression, its features resolved with the prefixes of the file it is written in. */
  private featureExpr(f: Stmt): FeatureExpr {
    const cached = this.featureExprs.get(f);
    if (cached) return cached;
    let e: FeatureExpr;
    try {
      e = parseFeatureExpr(f.arg ?? '', (ref) => {
        const { module, name } = this.qualify(ref, f);
        if (!module.features.has(name)) this.warnings.push(`${f.file}:${f.line}:${f.col}: feature ${name} not found in module ${module.name}`);
        return { module: module.name, name };
      });
    } catch (err) {
      if (err instanceof FeatureSyntaxError) throw new YangError(err.message, f.file, f.line, f.col);
      throw err;
    }
    this.featureExprs.set(f, e);
    return e;
  }

  /** An if-feature the node gets from elsewhere (its uses, a refine): printed after its own, and a condition on it. */
  private addIfFeature(n: SchemaNode, f: Stmt): void {
    n.ifFeatures.push(f.arg ?? '');
    n.conditions.push(this.featureExpr(f));
  }

  /** The nodes whose if-features hold, recursively. */
  private prune(nodes: SchemaNode[]): SchemaNode[] {
    return nodes.filter((n) => {
      const on = ownConditionsHold(n, this.opts.features);
      if (on) n.children = this.prune(n.children);
      return on;
    });
  }

  private inheritConfig(n: SchemaNode, parentConfig: boolean | undefined): void {
    const inOperation = n.kind === 'rpc' || n.kind === 'action' || n.kind === 'notification' || n.kind === 'input' || n.kind === 'output';
    n.config = inOperation || parentConfig === undefined ? undefined : this.explicitConfig.get(n) ?? parentConfig;
    for (const c of n.children) this.inheritConfig(c, n.config);
  }

  resolveType(t: Stmt): TypeSpec {
    const cached = this.typeCache.get(t);
    if (cached) return cached;
    const name = t.arg ?? '';
    let spec: TypeSpec;
    if (!name.includes(':') && BUILTINS.has(name)) {
      spec = { name, base: name as BuiltinType, ranges: [], lengths: [], patterns: [] };
    } else {
      const td = this.lookupDef('typedef', name, t);
      if (!td) throw new YangError(`typedef ${name} not found`, t.file, t.line, t.col);
      const inner = sub(td, 'type');
      if (!inner) throw new YangError(`typedef ${td.arg} has no type`, td.file, td.line, td.col);
      const base = this.resolveType(inner);
      spec = { ...base, name, ranges: [...base.ranges], lengths: [...base.lengths], patterns: [...base.patterns] };
    }
    const bounds = BOUNDS[spec.base] ?? [-Infinity, Infinity];
    const range = sub(t, 'range');
    if (range?.arg) spec.ranges.push(parseRanges(range.arg, bounds));
    const length = sub(t, 'length');
    if (length?.arg) spec.lengths.push(parseRanges(length.arg, BOUNDS.string!));
    for (const p of subs(t, 'pattern')) {
      const regex = xsdRegex(p.arg ?? '');
      if (regex) spec.patterns.push({ regex, source: p.arg ?? '', invert: subArg(p, 'modifier') === 'invert-match' });
      else this.warnings.push(`${p.file}:${p.line}:${p.col}: pattern not understood, not checked: ${p.arg}`);
    }
    const enums = subs(t, 'enum');
    if (enums.length) spec.enums = enums.map((e) => e.arg ?? '');
    const bits = subs(t, 'bit');
    if (bits.length) spec.bits = bits.map((b) => b.arg ?? '');
    const bases = subs(t, 'base');
    if (bases.length) spec.identityBases = bases.map((b) => this.identity(b.arg ?? '', b));
    const path = subArg(t, 'path');
    if (path !== undefined) spec.leafrefPath = path;
    const fd = subArg(t, 'fraction-digits');
    if (fd !== undefined) spec.fractionDigits = Number(fd);
    const members = subs(t, 'type');
    if (members.length) spec.union = members.map((m) => this.resolveType(m));
    this.typeCache.set(t, spec);
    return spec;
  }
}

/** A YANG date: YYYY-MM-DD naming a day of the calendar. */
function isDate(s: string): boolean {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(s);
  if (!m) return false;
  const d = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
  return d.getUTCFullYear() === Number(m[1]) && d.getUTCMonth() === Number(m[2]) - 1 && d.getUTCDate() === Number(m[3]);
}

function parseRanges(expr: string, bounds: [number, number]): [number, number][] {
  const num = (s: string): number => (s === 'min' ? bounds[0] : s === 'max' ? bounds[1] : Number(s));
  return expr.split('|').map((part) => {
    const [lo, hi] = part.trim().split('..').map((x) => x.trim());
    const a = num(lo ?? '');
    return [a, hi === undefined ? a : num(hi)];
  });
}

/** An XSD regular expression (as YANG patterns are written) as a JavaScript RegExp, anchored; undefined if it has no equivalent. */
export function xsdRegex(p: string): RegExp | undefined {
  // XSD has no anchors: ^ and $ are plain characters there, and \i \c name classes.
  let js = '';
  let inClass = false;
  for (let i = 0; i < p.length; i++) {
    const c = p[i]!;
    if (c === '\\') {
      const e = p[i + 1] ?? '';
      if (e === 'i') js += inClass ? 'A-Za-z_:' : '[A-Za-z_:]';
      else if (e === 'c') js += inClass ? '\\w.:\\-' : '[\\w.:\\-]';
      else if (e === 'p' || e === 'P') {
        const close = p.indexOf('}', i);
        const cls = p.slice(i + 3, close);
        js += cls.startsWith('Is') ? (e === 'p' ? '[\\s\\S]' : '[^\\s\\S]') : `\\${e}{${cls}}`;
        i = close;
        continue;
      } else js += `\\${e}`;
      i++;
      continue;
    }
    if (c === '[') inClass = true;
    else if (c === ']') inClass = false;
    if (!inClass && (c === '^' || c === '$')) js += `\\${c}`;
    else js += c;
  }
  for (const flags of ['u', '']) {
    try {
      return new RegExp(`^(?:${js})$`, flags);
    } catch {
      // try the next flag set
    }
  }
  return undefined;
}
