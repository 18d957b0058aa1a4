/**
 * The YANG constraints that look beyond one node, judged on the config as the controller
 * will hold it (what was read plus the change) and only where the change reaches: the
 * nodes it created or changed, the lists it added to or removed from, the nodes above it,
 * the leafrefs to what it removed. A violation elsewhere was there before and is not the
 * modules' doing. Mandatory leaves and choices (RFC 7950 3, 7.6.5, 7.9.4), min/max-elements
 * (7.7.5), unique (7.8.3), leafref require-instance (9.9), when (7.21.5), must (7.5.3),
 * if-feature (7.20.2) with the set's features (all on when none are known, as pyang).
 */
import { localName } from '../xml/keys.ts';
import { internals, type Element } from '../xml/element.ts';
import { DefaultNode, childrenOf, dataParent, getText, identity, leafrefTarget, nameOf, namespaceOf, parentOf, pathOf, prefixToNamespace, type DataNode } from './datatree.ts';
import { sub, subArg, subs, type Stmt } from './parse.ts';
import { dataChildren, type SchemaNode } from './schema.ts';
import type { SchemaSet } from './schemaset.ts';
import { evaluate, XPathError } from './xpath.ts';
import type { Touched, Validation } from './validate.ts';

/** The if-feature expression that turns `schema` off with the set's features, undefined when it is on. */
export function featureOff(schema: SchemaNode, set: SchemaSet): string | undefined {
  for (const exprs of [schema.ifFeatures, schema.augmentIfFeatures]) {
    for (const expr of exprs ?? []) if (!featureExpr(expr, (name) => featureEnabled(name, schema, set))) return expr;
  }
  return undefined;
}

function featureEnabled(ref: string, at: SchemaNode, set: SchemaSet): boolean {
  const i = ref.indexOf(':');
  const ns = i < 0 ? at.module.namespace : prefixToNamespace(set.modules, at.stmt.file, ref.slice(0, i));
  const mod = [...set.modules.values()].find((m) => m.namespace === ns);
  const enabled = mod ? set.features?.[mod.name] : undefined;
  return enabled === undefined || enabled.includes(i < 0 ? ref : ref.slice(i + 1));
}

/** An if-feature expression (RFC 7950 7.20.2: not binds tightest, then and, then or). */
export function featureExpr(expr: string, on: (feature: string) => boolean): boolean {
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
    return on(t ?? '');
  };
  const and = (): boolean => {
    let v = primary();
    while (toks[i] === 'and') {
      i++;
      const r = primary();
      v = v && r;
    }
    return v;
  };
  const or = (): boolean => {
    let v = and();
    while (toks[i] === 'or') {
      i++;
      const r = and();
      v = v || r;
    }
    return v;
  };
  return or();
}

/** Runs every constraint check the change reaches. */
export function checkConstraints(v: Validation): void {
  const lists = new Map<Element, Set<SchemaNode>>();
  const addList = (parent: Element | null, schema: SchemaNode): void => {
    if (!parent) return;
    let s = lists.get(parent);
    if (!s) lists.set(parent, (s = new Set()));
    s.add(schema);
  };
  for (const t of v.touched) {
    if (t.schema.kind === 'container' || t.schema.kind === 'list') mandatory(v, t);
    when(v, t);
    must(v, t);
    if (t.schema.type?.base === 'leafref') leafref(v, t);
    if (t.schema.kind === 'list' || t.schema.kind === 'leaf-list') addList(parentOf(t.el), t.schema);
  }
  for (const { parent, removed } of v.removals) {
    let mandatoryGone = false;
    for (const r of removed) {
      const schema = childSchemaOf(parent.schema, r);
      if (!schema) continue;
      if (schema.kind === 'list' || schema.kind === 'leaf-list') addList(parent.el, schema);
      else if (schema.mandatory || schema.parent?.kind === 'case') mandatoryGone = true;
      referrersOfRemoved(v, parent, r, schema);
    }
    if (mandatoryGone && (parent.schema.kind === 'container' || parent.schema.kind === 'list')) mandatory(v, parent);
  }
  for (const [parent, schemas] of lists) for (const schema of schemas) counts(v, parent, schema);
  for (const a of v.above) must(v, a);
}

/** The schema node of `el` as a child of `parent` (also for a removed, detached element). */
function childSchemaOf(parent: SchemaNode, el: Element): SchemaNode | undefined {
  const ns = namespaceOf(el);
  const name = localName(nameOf(el));
  return dataChildren(parent).find((c) => c.name === name && (ns === '' || c.module.namespace === ns));
}

/**
 * Runs an XPath evaluation for a check: its result, or undefined when it cannot be judged
 * (a failing result that read config the modules did not read, or an expression of the
 * model not understood). `fn` gets the watcher to hand to the evaluation's context.
 */
function judge<T>(v: Validation, fn: (watch: (n: DataNode) => void) => T, fails: (r: T) => boolean): T | undefined {
  let partial = false;
  const watch = (n: DataNode): void => {
    if (!(n instanceof DefaultNode) && !v.tree.isWhole(n)) partial = true;
  };
  let result: T;
  try {
    result = fn(watch);
  } catch (err) {
    if (!(err instanceof XPathError)) throw err;
    v.notJudged++;
    return undefined;
  }
  if (partial && fails(result)) {
    v.notJudged++;
    return undefined;
  }
  return result;
}

const requiresSome = new WeakMap<SchemaNode, boolean>();

/** Whether a node has something mandatory below it (through choices, cases and non-presence containers): most have not. */
function hasMandatory(n: SchemaNode): boolean {
  let has = requiresSome.get(n);
  if (has === undefined) {
    has = n.children.some(
      (c) =>
        c.config !== false &&
        (c.mandatory || (c.minElements ?? 0) > 0 || ((c.kind === 'choice' || c.kind === 'case' || (c.kind === 'container' && !c.presence)) && hasMandatory(c))),
    );
    requiresSome.set(n, has);
  }
  return has;
}

/** Mandatory leaves, choices and min-elements lists below a node the change made or emptied. */
function mandatory(v: Validation, t: Touched): void {
  if (!hasMandatory(t.schema)) return;
  if (!v.tree.isWhole(t.el)) {
    v.notJudged++;
    return;
  }
  const present = new Set<SchemaNode>();
  const counts = new Map<SchemaNode, number>();
  for (const kid of childrenOf(t.el)) {
    const s = v.tree.lookup(kid).schema;
    if (!s) continue;
    counts.set(s, (counts.get(s) ?? 0) + 1);
    for (let p: SchemaNode | undefined = s; p && p !== t.schema; p = p.parent) present.add(p);
  }
  const missing = (n: SchemaNode, path: string, what: string): void => v.report(t.el, `${t.path}/${path}`, what, n);
  const visit = (nodes: readonly SchemaNode[], prefix: string): void => {
    for (const c of nodes) {
      if (c.config === false || featureOff(c, t.set) !== undefined) continue;
      // A node with a `when` is required only where its condition holds, which needs the node to judge.
      if (c.when.length > 0) continue;
      const path = `${prefix}${c.name}`;
      if (c.kind === 'choice') {
        const active = c.children.find((k) => present.has(k));
        if (active) visit(active.kind === 'case' ? active.children : [active], prefix);
        else if (c.mandatory) missing(c, path, `missing mandatory choice ${c.name}: none of ${c.children.map((k) => k.name).join(', ')} is given`);
      } else if (c.kind === 'leaf' || c.kind === 'anydata' || c.kind === 'anyxml') {
        if (c.mandatory && !present.has(c)) missing(c, path, `missing mandatory ${c.kind} ${c.name}`);
      } else if (c.kind === 'list' || c.kind === 'leaf-list') {
        // Entries of a list that is there are counted with the list (counts()).
        if ((c.minElements ?? 0) > 0 && !present.has(c)) missing(c, path, `${c.kind} ${c.name} needs at least ${c.minElements} entries, has 0`);
      } else if (c.kind === 'container' && !c.presence && !present.has(c)) {
        // An absent non-presence container is there in YANG's eyes: its mandatory nodes are required.
        visit(c.children, `${path}/`);
      }
    }
  };
  visit(t.schema.children, '');
}

/** min/max-elements and unique of one list below `parent`, after and before the change. */
function counts(v: Validation, parent: Element, schema: SchemaNode): void {
  const entries = childrenOf(parent).filter((c) => v.tree.lookup(c).schema === schema);
  const ids = new Set(entries.map((e) => identity(e, schema)));
  const before = new Set(entries.filter((e) => !e.isModified()).map((e) => identity(e, schema)));
  const removed = parent.getDeletedChildren().map((c) => internals.raw(c)).filter((c) => localName(nameOf(c)) === schema.name);
  for (const r of removed) before.add(identity(r, schema));
  const min = schema.minElements ?? 0;
  const max = schema.maxElements ?? Infinity;
  const judged = v.tree.isWhole(parent);
  const where = pathOf(v.tree, parent);
  if ((ids.size < min && before.size >= min) || (ids.size > max && before.size <= max)) {
    if (!judged) v.notJudged++;
    else {
      const last = entries.find((e) => e.isModified()) ?? parent;
      const bound = ids.size < min ? `at least ${min}` : `at most ${max}`;
      v.report(last, `${where}/${schema.name}`, `${schema.kind} ${schema.name} needs ${bound} entries, has ${ids.size}`, schema);
    }
  }
  if (schema.kind === 'list') unique(v, entries, schema, where, judged);
}

/** unique: the combined values of the named leaves differ between entries (entries lacking one are not compared). */
function unique(v: Validation, entries: Element[], schema: SchemaNode, where: string, judged: boolean): void {
  for (const u of subs(schema.stmt, 'unique')) {
    const paths = (u.arg ?? '').split(/\s+/).filter(Boolean).map((p) => p.split('/').map((s) => localName(s.trim())));
    const seen = new Map<string, Element>();
    for (const e of entries) {
      const values: string[] = [];
      for (const p of paths) {
        const value = descendantValue(v, e, p);
        if (value === undefined) break;
        values.push(value);
      }
      if (values.length < paths.length) continue;
      const key = JSON.stringify(values);
      const first = seen.get(key);
      // The same entry twice is one entry once merged.
      if (!first || identity(first, schema) === identity(e, schema)) {
        seen.set(key, first ?? e);
        continue;
      }
      const changed = [e, first].find((x) => x.isModified() || x.hasModifiedDescendant());
      if (!changed) continue;
      if (!judged) {
        v.notJudged++;
        continue;
      }
      const other = changed === e ? first : e;
      v.report(changed, `${where}/${schema.name}[${identity(changed, schema)}]`, `unique "${u.arg}" broken: entries ${identity(changed, schema)} and ${identity(other, schema)} have the same values ${values.map((x) => `'${x}'`).join(', ')}`, schema);
    }
  }
}

/** The value of the leaf at `path` below `el`, or its default; undefined when there is none. */
function descendantValue(v: Validation, el: Element, path: readonly string[]): string | undefined {
  let nodes: DataNode[] = [el];
  for (const name of path) nodes = nodes.flatMap((n) => [...v.tree.childrenNamed(n, undefined, name)]);
  return nodes.length > 0 ? v.tree.text(nodes[0]!) : undefined;
}

/**
 * Where the `when` of each uses and augment is written, by its text: the compiled node
 * keeps the condition but not its statement, and its prefixes (and the module of an
 * unprefixed identity) are those of the file it is written in.
 */
const inheritedWhens = new WeakMap<SchemaSet, Map<string, string>>();

function whenFile(set: SchemaSet, expr: string, fallback: string): string {
  let files = inheritedWhens.get(set);
  if (!files) {
    files = new Map();
    const walk = (s: Stmt): void => {
      if (s.keyword === 'uses' || s.keyword === 'augment') for (const w of subs(s, 'when')) if (!files!.has(w.arg ?? '')) files!.set(w.arg ?? '', w.file);
      for (const c of s.subs) walk(c);
    };
    for (const mod of set.modules.values()) for (const top of [mod.stmt, ...mod.submodules]) walk(top);
    inheritedWhens.set(set, files);
  }
  return files.get(expr) ?? fallback;
}

/** The node's `when` conditions, each with the node it is evaluated on (RFC 7950 7.21.5) and the file it is written in. */
function whensOf(t: Touched): { expr: string; on: DataNode; file: string }[] {
  const own = new Set(subs(t.schema.stmt, 'when').map((w) => w.arg ?? ''));
  const parent = parentOf(t.el) ?? t.el;
  const out = t.schema.when.map((expr) =>
    own.has(expr) ? { expr, on: t.el as DataNode, file: t.schema.stmt.file } : { expr, on: parent as DataNode, file: whenFile(t.set, expr, t.schema.stmt.file) },
  );
  // A choice's or case's when, between the node and its data parent, is evaluated on that parent.
  for (let p = t.schema.parent; p && (p.kind === 'choice' || p.kind === 'case'); p = p.parent) {
    for (const expr of p.when) out.push({ expr, on: parent, file: p.stmt.file });
  }
  return out;
}

function when(v: Validation, t: Touched): void {
  const inChoice = t.schema.parent?.kind === 'case' || t.schema.parent?.kind === 'choice';
  if (t.schema.when.length === 0 && !inChoice) return;
  for (const w of whensOf(t)) {
    const holds = judge(v, (watch) => evaluate(w.expr, v.tree.context(w.on, w.file, watch)), (r) => !toBool(r));
    if (holds !== undefined && !toBool(holds)) v.report(t.el, t.path, `when "${w.expr}" is false: ${t.schema.kind} ${t.schema.name} cannot be here`, t.schema);
  }
}

function must(v: Validation, t: Touched): void {
  for (const expr of t.schema.must) {
    const holds = judge(v, (watch) => evaluate(expr, v.tree.context(t.el, t.schema.stmt.file, watch)), (r) => !toBool(r));
    if (holds === undefined || toBool(holds)) continue;
    const stmt = subs(t.schema.stmt, 'must').find((m) => m.arg === expr);
    const said = stmt ? subArg(stmt, 'error-message') : undefined;
    v.report(t.el, t.path, `must "${expr}" is false${said ? `: ${said.trim()}` : ''}`, t.schema);
  }
}

function toBool(r: unknown): boolean {
  if (Array.isArray(r)) return r.length > 0;
  if (typeof r === 'number') return r !== 0 && !Number.isNaN(r);
  if (typeof r === 'string') return r.length > 0;
  return r === true;
}

/** Whether a leafref must point at an existing instance: require-instance, true unless the type says false. */
function requiresInstance(schema: SchemaNode): boolean {
  const t = sub(schema.stmt, 'type');
  return (t ? subArg(t, 'require-instance') : undefined) !== 'false';
}

function leafref(v: Validation, t: Touched): void {
  if (!requiresInstance(t.schema)) return;
  const targets = judge(v, (watch) => v.tree.leafrefTargets(t.el, watch) ?? [], (r) => r.length === 0);
  if (targets === undefined || targets.length > 0) return;
  v.report(t.el, t.path, `leafref: no ${t.schema.type?.leafrefPath} with value "${getText(t.el)}" (require-instance)`, t.schema);
}

/** Every leafref schema node of a set by the node its path points at. */
const referrersBySet = new WeakMap<SchemaSet, Map<SchemaNode, SchemaNode[]>>();

function referrers(set: SchemaSet): Map<SchemaNode, SchemaNode[]> {
  let map = referrersBySet.get(set);
  if (map) return map;
  map = new Map();
  const walk = (nodes: readonly SchemaNode[]): void => {
    for (const n of nodes) {
      const path = n.type?.leafrefPath;
      if (path !== undefined && requiresInstance(n)) {
        const target = leafrefTarget(n, path);
        if (target) map!.set(target, [...(map!.get(target) ?? []), n]);
      }
      walk(n.children);
    }
  };
  for (const mod of set.modules.values()) walk(mod.nodes);
  referrersBySet.set(set, map);
  return map;
}

/** Leafrefs that pointed at a removed node (or a leaf inside it) and now point at nothing. */
function referrersOfRemoved(v: Validation, parent: Touched, removed: Element, schema: SchemaNode): void {
  const byTarget = referrers(parent.set);
  const values = new Map<SchemaNode, Set<string>>();
  const collect = (el: Element, s: SchemaNode): void => {
    if (byTarget.has(s) && childrenOf(el).length === 0) values.set(s, (values.get(s) ?? new Set()).add(getText(el)));
    for (const c of childrenOf(el)) {
      const cs = childSchemaOf(s, c);
      if (cs) collect(c, cs);
    }
  };
  collect(removed, schema);
  if (values.size === 0) return;
  const root = v.tree.rootOf(parent.el);
  if (root instanceof DefaultNode) return;
  for (const [target, gone] of values) {
    for (const ref of byTarget.get(target) ?? []) {
      for (const inst of instancesOf(v, root, ref)) {
        if (!gone.has(getText(inst))) continue;
        const t = { el: inst, schema: ref, set: parent.set, path: pathOf(v.tree, inst) };
        if (!v.tree.isWhole(inst)) {
          v.notJudged++;
          continue;
        }
        const targets = judge(v, (watch) => v.tree.leafrefTargets(inst, watch) ?? [], (r) => r.length === 0);
        if (targets !== undefined && targets.length === 0) {
          v.report(inst, t.path, `leafref: no ${ref.type?.leafrefPath} with value "${getText(inst)}" (require-instance): the change removed it`, ref);
        }
      }
    }
  }
}

/** The instances of a schema node below a data root (the document, or a device's config). */
function instancesOf(v: Validation, root: Element, schema: SchemaNode): Element[] {
  const chain: SchemaNode[] = [];
  for (let n: SchemaNode | undefined = schema; n; n = dataParent(n)) chain.unshift(n);
  // The chain starts at the root's own level: the top nodes of the document or of the device's models.
  let level: Element[] = [root];
  for (const s of chain) {
    level = level.flatMap((e) => childrenOf(e).filter((c) => localName(nameOf(c)) === s.name && v.tree.lookup(c).schema === s));
  }
  return level;
}
