/**
 * A config tree (Element) as YANG data: each element's schema node and the schema set
 * that judges it (a device's own below its config mount point), and the tree as XPath
 * sees it (`XPathTree`): a device's config is the root of its models' absolute paths, a
 * leaf's default and a non-presence container are there when absent (RFC 7950 6.4.1's
 * accessible tree), literals compare with identities through their prefixes, deref()
 * follows leafrefs. It also knows which parts of the tree were read whole, when the
 * modules read only part of the config (SERVICE_XPATH).
 */
import { localName } from '../xml/keys.ts';
import { internals, type Element } from '../xml/element.ts';
import { xsdRegex } from './compile.ts';
import { sub, subArg, subs } from './parse.ts';
import { dataChildren, derivesFrom, type Identity, type SchemaNode, type YangModule } from './schema.ts';
import type { SchemaSet } from './schemaset.ts';
import { evaluate, type EvalContext, type XPathTree, type YangSemantics } from './xpath.ts';

export const CTRL_NS = 'http://clicon.org/controller';
// Raw elements, not the proxies their methods return: a proxied call allocates a bound function, and validation makes many.
export const { children: childrenOf, name: nameOf, getText, parent: parentOf } = internals;


/** A node YANG's accessible tree has though the config does not: a leaf's default, a non-presence container. */
export class DefaultNode {
  constructor(
    readonly parent: DataNode,
    readonly schema: SchemaNode,
    readonly value: string,
  ) {}
}

export type DataNode = Element | DefaultNode;

/** The namespace of an element: its prefix (or none) looked up in xmlns attributes up the tree. */
export function namespaceOf(el: Element): string {
  return prefixNamespace(el, prefixOf(nameOf(el)));
}

function prefixOf(name: string): string | undefined {
  const i = name.indexOf(':');
  return i < 0 ? undefined : name.slice(0, i);
}

/** The namespace an XML prefix (undefined: the default namespace) stands for at `el`. */
function prefixNamespace(el: Element, prefix: string | undefined): string {
  const attr = prefix === undefined ? 'xmlns' : `xmlns:${prefix}`;
  for (let p: Element | null = el; p && nameOf(p) !== ''; p = parentOf(p)) {
    const v = p.getAttribute(attr);
    if (v !== undefined) return v;
  }
  return '';
}

export function textOf(el: Element | undefined): string {
  return el ? getText(el) : '';
}

export function isMountPoint(n: SchemaNode): boolean {
  return n.name === 'config' && n.module.namespace === CTRL_NS && n.parent?.name === 'device';
}

const byName = new WeakMap<SchemaNode, Map<string, SchemaNode[]>>();

/** A node's data children of that name (choices and cases seen through), indexed once per node. */
export function childrenNamed(n: SchemaNode, name: string): SchemaNode[] {
  let index = byName.get(n);
  if (!index) {
    index = new Map();
    for (const c of dataChildren(n)) index.set(c.name, [...(index.get(c.name) ?? []), c]);
    byName.set(n, index);
  }
  return index.get(name) ?? [];
}

/** The closest ancestor that is a data node (not a choice or case). */
export function dataParent(n: SchemaNode | undefined): SchemaNode | undefined {
  let p = n?.parent;
  while (p && (p.kind === 'choice' || p.kind === 'case')) p = p.parent;
  return p;
}

/** Each YANG file's prefixes as namespaces (its own, its imports'), for the XPath written in it. */
const filePrefixes = new WeakMap<ReadonlyMap<string, YangModule>, Map<string, Map<string, string>>>();

function prefixesOf(modules: ReadonlyMap<string, YangModule>): Map<string, Map<string, string>> {
  let byFile = filePrefixes.get(modules);
  if (byFile) return byFile;
  byFile = new Map();
  for (const mod of modules.values()) {
    for (const top of [mod.stmt, ...mod.submodules]) {
      const own = top === mod.stmt ? mod.prefix : (subArg(sub(top, 'belongs-to') ?? top, 'prefix') ?? mod.prefix);
      const map = new Map<string, string>([[own, mod.namespace]]);
      for (const imp of subs(top, 'import')) {
        const ns = modules.get(imp.arg ?? '')?.namespace;
        if (ns !== undefined) map.set(subArg(imp, 'prefix') ?? '', ns);
      }
      byFile.set(top.file, map);
    }
  }
  filePrefixes.set(modules, byFile);
  return byFile;
}

/** A prefix as the YANG file `file` declares it; else the one module of the set with that prefix. */
export function prefixToNamespace(modules: ReadonlyMap<string, YangModule>, file: string, prefix: string): string | undefined {
  const own = prefixesOf(modules).get(file)?.get(prefix);
  if (own !== undefined) return own;
  let found: string | undefined;
  for (const m of modules.values()) {
    if (m.prefix !== prefix) continue;
    if (found !== undefined && found !== m.namespace) return undefined;
    found = m.namespace;
  }
  return found;
}

/**
 * The tree of one validation run. `mainSchemas` judges the document; `deviceSchemas` a
 * device's config when it returns a set. `readRoots`: when the modules read only part of
 * the config, the elements their read selected (what is at or below one is whole).
 */
export class DataTree implements XPathTree<DataNode> {
  private readonly info = new Map<Element, { schema: SchemaNode | undefined; set: SchemaSet }>();
  private readonly defaults = new Map<DataNode, Map<SchemaNode, DefaultNode>>();
  private readonly wholeMemo = new Map<Element, boolean>();
  private readRoots: Set<Element> | undefined;

  constructor(
    private readonly mainSchemas: SchemaSet,
    private readonly deviceSchemas?: (device: string) => SchemaSet | undefined,
  ) {}

  /** The parts the modules read: only what is at or below one of these elements is whole. */
  setReadRoots(roots: readonly Element[]): void {
    this.readRoots = new Set(roots);
    this.wholeMemo.clear();
  }

  /** Whether the element's children are all there (the modules read it whole). */
  isWhole(el: Element): boolean {
    if (!this.readRoots) return true;
    const memo = this.wholeMemo.get(el);
    if (memo !== undefined) return memo;
    const p = parentOf(el);
    const whole = this.readRoots.has(el) || (p !== null && nameOf(el) !== '' && this.isWhole(p));
    this.wholeMemo.set(el, whole);
    return whole;
  }

  /** The schema node of an element (undefined when no model knows it) and the set that judges it. */
  lookup(el: Element): { schema: SchemaNode | undefined; set: SchemaSet } {
    const have = this.info.get(el);
    if (have) return have;
    const p = parentOf(el);
    let found: { schema: SchemaNode | undefined; set: SchemaSet };
    if (!p || nameOf(p) === '') {
      found = { schema: this.mainSchemas.top(namespaceOf(el), localName(nameOf(el)), false), set: this.mainSchemas };
    } else {
      const up = this.lookup(p);
      if (!up.schema) found = { schema: undefined, set: up.set };
      else if (isMountPoint(up.schema)) {
        const set = this.setForMount(p);
        found = { schema: set.top(namespaceOf(el), localName(nameOf(el)), true), set };
      } else {
        const ns = namespaceOf(el);
        found = { schema: childrenNamed(up.schema, localName(nameOf(el))).find((c) => c.module.namespace === ns), set: up.set };
      }
    }
    this.info.set(el, found);
    return found;
  }

  /** The schema set for what is below a device's config element. */
  setForMount(config: Element): SchemaSet {
    const device = parentOf(config);
    const name = device ? textOf(childrenOf(device).find((c) => localName(nameOf(c)) === 'name')) : '';
    return this.deviceSchemas?.(name) ?? this.mainSchemas;
  }

  schemaOf(n: DataNode): SchemaNode | undefined {
    return n instanceof DefaultNode ? n.schema : this.lookup(n).schema;
  }

  setOf(n: DataNode): SchemaSet {
    return n instanceof DefaultNode ? this.setOf(n.parent) : this.lookup(n).set;
  }

  // ---- XPathTree ----

  rootOf(n: DataNode): DataNode {
    let top: DataNode = n;
    for (let p = this.parent(top); p !== undefined; p = this.parent(p)) top = p;
    return top;
  }

  children(n: DataNode): readonly DataNode[] {
    return n instanceof DefaultNode ? [] : childrenOf(n);
  }

  childrenNamed(n: DataNode, ns: string | undefined, local: string): readonly DataNode[] {
    if (!(n instanceof DefaultNode)) {
      const real = childrenOf(n).filter((c) => localName(nameOf(c)) === local && (ns === undefined || namespaceOf(c) === ns));
      if (real.length > 0) return real;
    }
    const child = this.schemaChild(n, ns, local);
    const isDefault = child !== undefined && ((child.kind === 'leaf' && child.defaults.length > 0) || (child.kind === 'container' && !child.presence));
    if (!isDefault || child.config === false) return [];
    let made = this.defaults.get(n);
    if (!made) this.defaults.set(n, (made = new Map()));
    let d = made.get(child);
    if (!d) made.set(child, (d = new DefaultNode(n, child, child.defaults[0] ?? '')));
    return [d];
  }

  /** The schema node of a child named `local` (in `ns`, when given) of `n`. */
  private schemaChild(n: DataNode, ns: string | undefined, local: string): SchemaNode | undefined {
    const fits = (c: SchemaNode): boolean => ns === undefined || c.module.namespace === ns;
    if (n instanceof DefaultNode) return childrenNamed(n.schema, local).find(fits);
    if (nameOf(n) === '') return ns === undefined ? undefined : this.mainSchemas.top(ns, local, false);
    const schema = this.lookup(n).schema;
    if (!schema) return undefined;
    if (isMountPoint(schema)) return ns === undefined ? undefined : this.setForMount(n).top(ns, local, true);
    return childrenNamed(schema, local).find(fits);
  }

  parent(n: DataNode): DataNode | undefined {
    if (n instanceof DefaultNode) return n.parent;
    if (nameOf(n) === '') return undefined;
    const schema = this.lookup(n).schema;
    // A device's config is the root of its models' data: nothing above it.
    if (schema && isMountPoint(schema)) return undefined;
    return parentOf(n) ?? undefined;
  }

  localName(n: DataNode): string {
    return n instanceof DefaultNode ? n.schema.name : localName(nameOf(n));
  }

  namespace(n: DataNode): string {
    return n instanceof DefaultNode ? n.schema.module.namespace : namespaceOf(n);
  }

  text(n: DataNode): string {
    if (n instanceof DefaultNode) return n.value;
    if (childrenOf(n).length === 0) return getText(n);
    let s = '';
    const walk = (e: Element): void => {
      for (const c of childrenOf(e)) {
        if (childrenOf(c).length === 0) s += getText(c);
        else walk(c);
      }
    };
    walk(n);
    return s;
  }

  before(a: DataNode, b: DataNode): boolean {
    const chain = (n: DataNode): DataNode[] => {
      const out: DataNode[] = [];
      for (let p: DataNode | undefined = n; p !== undefined; p = this.parent(p)) out.unshift(p);
      return out;
    };
    const ca = chain(a);
    const cb = chain(b);
    let i = 0;
    while (i < ca.length && i < cb.length && ca[i] === cb[i]) i++;
    if (i === ca.length) return true;
    if (i === cb.length) return false;
    const parent = ca[i - 1];
    const kids = parent === undefined ? [] : this.children(parent);
    const ia = kids.indexOf(ca[i]!);
    const ib = kids.indexOf(cb[i]!);
    return ia < ib || ib < 0;
  }

  // ---- YANG meaning of values ----

  /** The identity an identityref node's value names (its prefix read from the XML namespaces), if any. */
  identityOf(n: DataNode, set: SchemaSet): Identity | undefined {
    const v = this.text(n).trim();
    const i = v.indexOf(':');
    const name = i < 0 ? v : v.slice(i + 1);
    const ns = n instanceof DefaultNode ? undefined : prefixNamespace(n, i < 0 ? undefined : v.slice(0, i));
    const schema = this.schemaOf(n);
    for (const mod of set.modules.values()) {
      const id = mod.identities.get(name);
      if (!id) continue;
      if (i < 0 ? mod === schema?.module || ns === mod.namespace : ns === mod.namespace || v.slice(0, i) === mod.prefix) return id;
    }
    return undefined;
  }

  /** An identity written `pfx:name` in the YANG file `file`. */
  identityNamed(qname: string, file: string, set: SchemaSet): Identity | undefined {
    const i = qname.indexOf(':');
    const ns = i < 0 ? undefined : prefixToNamespace(set.modules, file, qname.slice(0, i));
    const name = i < 0 ? qname : qname.slice(i + 1);
    for (const mod of set.modules.values()) {
      if (ns !== undefined ? mod.namespace !== ns : mod.stmt.file !== file && !mod.submodules.some((s) => s.file === file)) continue;
      const id = mod.identities.get(name);
      if (id) return id;
    }
    return undefined;
  }

  /**
   * The XPath context for an expression written in YANG file `file`, about node `current`;
   * `onChildren` sees every node whose children the evaluation reads.
   */
  context(current: DataNode, file: string, onChildren?: (n: DataNode) => void): EvalContext<DataNode> {
    const set = this.setOf(current);
    const schema = this.schemaOf(current);
    const yang: YangSemantics<DataNode> = {
      equalsLiteral: (n, literal) => {
        const t = this.schemaOf(n)?.type;
        if (t?.base !== 'identityref') return undefined;
        const id = this.identityOf(n, set);
        const other = this.identityNamed(literal.trim(), file, set);
        return id !== undefined && id === other;
      },
      deref: (n) => this.leafrefTargets(n, onChildren) ?? [],
      derivedFrom: (n, qname, orSelf) => {
        const id = this.identityOf(n, set);
        const base = this.identityNamed(qname.trim(), file, set);
        return id !== undefined && base !== undefined && derivesFrom(id, base) && (orSelf || id !== base);
      },
      enumValue: (n) => {
        const t = this.schemaOf(n)?.type;
        const i = t?.enums?.indexOf(this.text(n)) ?? -1;
        return i < 0 ? NaN : i;
      },
      bitIsSet: (n, bit) => this.text(n).split(/\s+/).includes(bit),
      reMatch: (value, pattern) => xsdRegex(pattern)?.test(value) ?? false,
    };
    return {
      tree: this,
      current,
      namespaceOf: (prefix) => prefixToNamespace(set.modules, file, prefix),
      defaultNamespace: schema?.module.namespace,
      yang,
      ...(onChildren ? { onChildren } : {}),
    };
  }

  /**
   * The nodes a leafref node's path selects whose value is the node's value (its
   * instances); undefined when the node is not a leafref.
   */
  leafrefTargets(n: DataNode, onChildren?: (n: DataNode) => void): DataNode[] | undefined {
    const schema = this.schemaOf(n);
    const path = schema?.type?.leafrefPath;
    if (!schema || path === undefined) return undefined;
    const found = evaluate(path, this.context(n, schema.stmt.file, onChildren));
    if (!Array.isArray(found)) return [];
    const v = this.text(n);
    return found.filter((t) => this.text(t) === v);
  }
}

export function where(n: SchemaNode): string {
  return `${n.stmt.file}:${n.stmt.line}`;
}

/** The path step of an element: its local name, with its keys when it is a list entry. */
export function step(el: Element, schema: SchemaNode | undefined): string {
  const name = localName(nameOf(el));
  if (schema?.kind !== 'list') return name;
  return name + schema.keys.map((k) => `[${k}='${textOf(childrenOf(el).find((c) => localName(nameOf(c)) === k))}']`).join('');
}

/** The path of an element from the document root. */
export function pathOf(tree: DataTree, el: Element): string {
  const steps: string[] = [];
  for (let p: Element | null = el; p && nameOf(p) !== ''; p = parentOf(p)) steps.unshift(step(p, tree.lookup(p).schema));
  return `/${steps.join('/')}`;
}

/** The identity of an entry among its same-named siblings: its keys, a leaf-list value, '' for anything else. */
export function identity(el: Element, schema: SchemaNode): string {
  if (schema.kind === 'leaf-list') return `'${getText(el)}'`;
  if (schema.kind !== 'list') return '';
  const kids = childrenOf(el);
  return schema.keys.map((k) => `${k}='${textOf(kids.find((c) => localName(nameOf(c)) === k))}'`).join(',');
}

/** The leaf a leafref path points at in the schema (predicates ignored), undefined when it cannot be followed. */
export function leafrefTarget(node: SchemaNode, path: string): SchemaNode | undefined {
  const parts = path.replace(/\[[^\]]*\]/g, '').split('/').map((p) => p.trim());
  let cur: SchemaNode | undefined;
  let level: readonly SchemaNode[];
  if (parts[0] === '') {
    parts.shift();
    cur = undefined;
    level = topOf(node);
  } else {
    cur = node;
    level = [];
  }
  for (const part of parts) {
    if (part === '..') {
      cur = dataParent(cur);
      level = cur ? dataChildren(cur) : topOf(node);
      continue;
    }
    if (part === '' || part === '.') continue;
    const name = part.includes(':') ? part.slice(part.indexOf(':') + 1) : part;
    if (cur && level.length === 0) level = dataChildren(cur);
    cur = level.find((n) => n.name === name);
    if (!cur) return undefined;
    level = dataChildren(cur);
  }
  return cur;
}

function topOf(node: SchemaNode): SchemaNode[] {
  let n = node;
  while (n.parent) n = n.parent;
  return dataChildren({ children: n.module.nodes });
}
