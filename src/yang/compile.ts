/**
 * Statements to schema: finds modules in folders, follows import/include, and builds the
 * schema node tree — groupings expanded by uses (with refine and augment), top-level
 * augments, deviate not-supported (and replace/add of config, mandatory, default, type),
 * typedef chains folded into one TypeSpec, identities with bases across modules,
 * if-feature (features on unless told otherwise), config inheritance.
 */
import { readdirSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { YangError, parseYangFile, sub, subArg, subs, type Stmt } from './parse.ts';
import type { BuiltinType, Identity, NodeKind, SchemaNode, TypeSpec, YangModule } from './schema.ts';

export interface LoadOptions {
  /** Enabled features per module name; a module not named has all its features on. */
  features?: Record<string, readonly string[]>;
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
  const visit = (p: string): void => {
    let st;
    try {
      st = statSync(p);
    } catch {
      return;
    }
    if (st.isDirectory()) {
      for (const e of readdirSync(p).sort()) visit(join(p, e));
    } else if (p.endsWith('.yang')) {
      const name = basename(p, '.yang').split('@')[0]!;
      const list = found.get(name) ?? [];
      list.push(p);
      found.set(name, list);
    }
  };
  for (const p of paths) visit(p);
  for (const list of found.values()) list.sort((a, b) => basename(b).localeCompare(basename(a)));
  return found;
}

export class YangContext {
  readonly modules = new Map<string, YangModule>();
  /** Problems that do not stop the schema from being used (an augment whose target is missing). */
  readonly warnings: string[] = [];
  private readonly files: Map<string, string[]>;
  private readonly parsed = new Map<string, Stmt>();
  private readonly owner = new WeakMap<Stmt, Source>();
  private readonly parentOf = new WeakMap<Stmt, Stmt>();
  private readonly typedefCache = new WeakMap<Stmt, TypeSpec>();
  private readonly explicitConfig = new WeakMap<SchemaNode, boolean>();
  private tolerant = false;
  private readonly loadWarnings: string[] = [];
  private readonly augmentTargets = new Map<Stmt, SchemaNode>();
  private readonly addedBy = new WeakMap<SchemaNode, Stmt>();

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

  /** Loads every module in the search paths (submodules through their modules). */
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
    const stmt = parseYangFile(file);
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
      revision: subs(stmt, 'revision').map((r) => r.arg ?? '').sort().at(-1),
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

  /** Records, for every statement in a file, its parent and which file and module it came from. */
  private adopt(top: Stmt, mod: YangModule, ownPrefix: string): void {
    const prefixes = new Map<string, string>([[ownPrefix, mod.name]]);
    for (const imp of subs(top, 'import')) prefixes.set(subArg(imp, 'prefix') ?? '', imp.arg ?? '');
    const src: Source = { top, module: mod, prefixes };
    const walk = (s: Stmt): void => {
      this.owner.set(s, src);
      for (const c of s.subs) {
        this.parentOf.set(c, s);
        walk(c);
      }
    };
    walk(top);
  }

  private src(s: Stmt): Source {
    const o = this.owner.get(s);
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
      for (let p = this.parentOf.get(at); p; p = this.parentOf.get(p)) {
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
    this.augmentTargets.clear();
    this.warnings.length = 0;
    this.warnings.push(...this.loadWarnings);
    for (const mod of this.modules.values()) {
      mod.nodes = [];
      mod.identities.clear();
      mod.features.clear();
      for (const top of [mod.stmt, ...mod.submodules]) {
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
    for (const mod of this.modules.values()) {
      mod.nodes = this.prune(mod.nodes);
      for (const n of mod.nodes) this.inheritConfig(n, n.kind === 'rpc' || n.kind === 'notification' ? undefined : true);
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
          const kase = this.makeNode('case', s, ns, parent);
          kase.children = [this.compileNode(s, ns, kase)];
          out.push(kase);
        } else {
          out.push(this.compileNode(s, ns, parent));
        }
      }
    }
    if (parent?.kind === 'rpc' || parent?.kind === 'action') {
      for (const kw of ['input', 'output'] as const) {
        if (!out.some((n) => n.kind === kw)) out.push(this.makeNode(kw, { keyword: kw, arg: kw, subs: [], file: parent.stmt.file, line: parent.stmt.line, col: parent.stmt.col }, ns, parent));
      }
      out.sort((a, b) => Number(a.kind === 'output') - Number(b.kind === 'output'));
    }
    return out;
  }

  private makeNode(kind: NodeKind, s: Stmt, ns: YangModule, parent: SchemaNode | undefined): SchemaNode {
    const status = subArg(s, 'status');
    const max = subArg(s, 'max-elements');
    const min = subArg(s, 'min-elements');
    const node: SchemaNode = {
      kind,
      name: kind === 'input' || kind === 'output' ? kind : s.arg ?? '',
      module: ns,
      stmt: s,
      parent,
      children: [],
      status: status === 'deprecated' || status === 'obsolete' ? status : 'current',
      ifFeatures: subs(s, 'if-feature').map((f) => f.arg ?? ''),
      mandatory: subArg(s, 'mandatory') === 'true',
      presence: sub(s, 'presence') !== undefined,
      keys: (subArg(s, 'key') ?? '').split(/\s+/).filter(Boolean),
      defaults: subs(s, 'default').map((d) => d.arg ?? ''),
      must: subs(s, 'must').map((m) => m.arg ?? ''),
      when: subs(s, 'when').map((w) => w.arg ?? ''),
      minElements: min !== undefined ? Number(min) : undefined,
      maxElements: max !== undefined && max !== 'unbounded' ? Number(max) : undefined,
      orderedByUser: subArg(s, 'ordered-by') === 'user',
    };
    const cfg = subArg(s, 'config');
    if (cfg !== undefined) this.explicitConfig.set(node, cfg === 'true');
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
    const usesFeatures = subs(u, 'if-feature').map((f) => f.arg ?? '');
    const usesWhen = subs(u, 'when').map((w) => w.arg ?? '');
    for (const n of nodes) {
      if (usesFeatures.length) n.augmentIfFeatures = [...(n.augmentIfFeatures ?? []), ...usesFeatures];
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
        case 'if-feature': n.ifFeatures.push(s.arg ?? ''); break;
        case 'must': n.must.push(s.arg ?? ''); break;
        case 'min-elements': n.minElements = Number(s.arg); break;
        case 'max-elements': n.maxElements = s.arg === 'unbounded' ? undefined : Number(s.arg); break;
        default: break;
      }
    }
  }

  private augmentInto(target: SchemaNode, a: Stmt, ns: YangModule): void {
    const added = this.compileChildren(a.subs, ns, target);
    const feats = subs(a, 'if-feature').map((f) => f.arg ?? '');
    const when = subs(a, 'when').map((w) => w.arg ?? '');
    for (const n of added) {
      if (feats.length) n.augmentIfFeatures = [...(n.augmentIfFeatures ?? []), ...feats.filter((f) => !n.ifFeatures.includes(f))];
      n.when.push(...when);
    }
    for (const n of added) this.addedBy.set(n, a);
    this.augmentTargets.set(a, target);
    target.children.push(...added);
  }

  /** The node an augment statement landed on, undefined when its target was not found. */
  augmentTarget(a: Stmt): SchemaNode | undefined {
    return this.augmentTargets.get(a);
  }

  /** The augment statement that added this node, if one did. */
  augmentOf(n: SchemaNode): Stmt | undefined {
    return this.addedBy.get(n);
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
          target = this.findAbsolute(p.a.arg ?? '', p.a);
        } catch {
          target = undefined;
        }
        if (target) this.augmentInto(target, p.a, p.mod);
        else left.push(p);
      }
      if (left.length === pending.length) break;
      pending = left;
    }
    for (const { a } of pending) this.warnings.push(`${a.file}:${a.line}:${a.col}: augment target ${a.arg} not found`);
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

  private featureOn(expr: string, at: Stmt): boolean {
    const toks = expr.match(/\(|\)|[^\s()]+/g) ?? [];
    let i = 0;
    const primary = (): boolean => {
      const t = toks[i++];
      if (t === 'not') return !primary();
      if (t === '(') {
        const v = or();
        i++;
        return v;
      }
      const { module, name } = this.qualify(t ?? '', at);
      const enabled = this.opts.features?.[module.name];
      return enabled === undefined || enabled.includes(name);
    };
    const and = (): boolean => {
      let v = primary();
      while (toks[i] === 'and') {
        i++;
        v = primary() && v;
      }
      return v;
    };
    const or = (): boolean => {
      let v = and();
      while (toks[i] === 'or') {
        i++;
        v = and() || v;
      }
      return v;
    };
    return or();
  }

  private prune(nodes: SchemaNode[]): SchemaNode[] {
    if (!this.opts.features) return nodes;
    return nodes.filter((n) => {
      const on = [...n.ifFeatures, ...(n.augmentIfFeatures ?? [])].every((f) => this.featureOn(f, n.stmt));
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
    const name = t.arg ?? '';
    let spec: TypeSpec;
    if (!name.includes(':') && BUILTINS.has(name)) {
      spec = { name, base: name as BuiltinType, ranges: [], lengths: [], patterns: [] };
    } else {
      const td = this.lookupDef('typedef', name, t);
      if (!td) throw new YangError(`typedef ${name} not found`, t.file, t.line, t.col);
      let base = this.typedefCache.get(td);
      if (!base) {
        const inner = sub(td, 'type');
        if (!inner) throw new YangError(`typedef ${td.arg} has no type`, td.file, td.line, td.col);
        base = this.resolveType(inner);
        this.typedefCache.set(td, base);
      }
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
    return spec;
  }
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
