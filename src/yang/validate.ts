/**
 * Checks what service modules changed in a config tree against the YANG schemas, before
 * anything is sent: unknown elements, wrong namespaces, state (config false) nodes, list
 * entries without their keys, an entry given twice with different values, leaf values not of their type. Each issue names
 * the path, the module code that created the node (origin capture, src/xml/origin.ts) and
 * the YANG statement that defines it.
 */
import { fileURLToPath } from 'node:url';
import { localName } from '../xml/keys.ts';
import { internals, type Element } from '../xml/element.ts';
import { YangContext, indexYangFiles } from './compile.ts';
import { dataChildren, derivesFrom, type SchemaNode, type TypeSpec } from './schema.ts';

const CTRL_NS = 'http://clicon.org/controller';
// Raw elements, not the proxies their methods return: a proxied call allocates a bound function, and validation makes many.
const { children: childrenOf, name: nameOf, getText, parent: parentOf } = internals;
/** A minimal clixon-controller (services, devices/device/config, created-by-service) for when its YANG is not in the search path. */
const BUILTIN_DIR = fileURLToPath(new URL('./builtin/', import.meta.url));

export interface ValidationIssue {
  /** Where in the config: `/devices/device[name='d1']/config/system/config/login-baner`. */
  path: string;
  message: string;
  /** The module code that created or changed the node (`file:line`), when captured. */
  origin?: string;
  /** The YANG statement the node was checked against (`file:line`). */
  model?: string;
}

export class SchemaValidationError extends Error {
  constructor(readonly issues: readonly ValidationIssue[]) {
    super(`the change does not fit the YANG schema:\n${issues.map(formatIssue).join('\n')}`);
    this.name = 'SchemaValidationError';
  }
}

function formatIssue(i: ValidationIssue): string {
  return `  ${i.path}: ${i.message}${i.origin ? ` (created at ${i.origin})` : ''}${i.model ? ` [YANG ${i.model}]` : ''}`;
}

/** The folders, and the built-in clixon-controller stub after them when they have no clixon-controller. */
export function withController(dirs: readonly string[]): string[] {
  return indexYangFiles(dirs).has('clixon-controller') ? [...dirs] : [...dirs, BUILTIN_DIR];
}

/** The schemas of one run: service models, the controller's, and the devices' models. */
export class SchemaSet {
  private readonly tops = new Map<string, SchemaNode>();
  private readonly deviceTops = new Map<string, SchemaNode>();
  private readonly namespaces = new Set<string>();

  constructor(readonly ctx: YangContext) {
    for (const mod of ctx.modules.values()) {
      this.namespaces.add(mod.namespace);
      for (const n of dataChildren({ children: mod.nodes })) {
        this.tops.set(`${n.module.namespace} ${n.name}`, n);
        if (mod.namespace !== CTRL_NS) this.deviceTops.set(`${n.module.namespace} ${n.name}`, n);
      }
    }
  }

  /** Every module in `dirs` (the built-in controller stub when no clixon-controller is there); undefined when there is no YANG. */
  static fromDirs(dirs: readonly string[]): SchemaSet | undefined {
    const index = indexYangFiles(dirs);
    if (index.size === 0) return undefined;
    const ctx = new YangContext(withController(dirs));
    ctx.loadAll();
    return new SchemaSet(ctx);
  }

  /** The schema node of a top-level element, or of an element at a device's config mount point. */
  top(ns: string, name: string, device: boolean): SchemaNode | undefined {
    return (device ? this.deviceTops : this.tops).get(`${ns} ${name}`);
  }

  knowsNamespace(ns: string): boolean {
    return this.namespaces.has(ns);
  }

  hasTopNamed(name: string, device: boolean): boolean {
    for (const n of (device ? this.deviceTops : this.tops).values()) if (n.name === name) return true;
    return false;
  }
}

/** The namespace of an element: its prefix (or none) looked up in xmlns attributes up the tree. */
function namespaceOf(el: Element): string {
  const name = nameOf(el);
  const i = name.indexOf(':');
  const attr = i < 0 ? 'xmlns' : `xmlns:${name.slice(0, i)}`;
  for (let p: Element | undefined = el; p && nameOf(p) !== ''; p = parentOf(p) ?? undefined) {
    const v = p.getAttribute(attr);
    if (v !== undefined) return v;
  }
  return '';
}

const byName = new WeakMap<SchemaNode, Map<string, SchemaNode[]>>();

/** A node's data children of that name (choices and cases seen through), indexed once per node. */
function childrenNamed(n: SchemaNode, name: string): SchemaNode[] {
  let index = byName.get(n);
  if (!index) {
    index = new Map();
    for (const c of dataChildren(n)) index.set(c.name, [...(index.get(c.name) ?? []), c]);
    byName.set(n, index);
  }
  return index.get(name) ?? [];
}

function textOf(el: Element | undefined): string {
  return el ? getText(el) : '';
}

function isMountPoint(n: SchemaNode): boolean {
  return n.name === 'config' && n.module.namespace === CTRL_NS && n.parent?.name === 'device';
}

function where(n: SchemaNode): string {
  return `${n.stmt.file}:${n.stmt.line}`;
}

function step(el: Element, schema: SchemaNode | undefined): string {
  const name = localName(nameOf(el));
  if (schema?.kind !== 'list') return name;
  return name + schema.keys.map((k) => `[${k}='${textOf(childrenOf(el).find((c) => localName(nameOf(c)) === k))}']`).join('');
}

/**
 * Checks every node that changed under `root` (created nodes whole) against `schemas`,
 * walking down only where the modification marks say something changed below.
 */
export function validateChanges(root: Element, schemas: SchemaSet): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  walkChanged(schemas, undefined, internals.raw(root), '', issues);
  return issues;
}

function walkChanged(schemas: SchemaSet, parent: SchemaNode | undefined, el: Element, path: string, issues: ValidationIssue[]): void {
  let changed = false;
  for (const kid of childrenOf(el)) {
    if (kid.isModified()) {
      changed = true;
      checkElement(schemas, parent, kid, path, issues, parent === undefined);
    } else if (kid.hasModifiedDescendant()) {
      // An unchanged ancestor outside the schemas was in the config already: not the modules' doing.
      const schema = childSchema(schemas, parent, kid, parent === undefined);
      if (schema) walkChanged(schemas, schema, kid, `${path}/${step(kid, schema)}`, issues);
    }
  }
  if (changed) checkDuplicates(schemas, parent, childrenOf(el), path, issues, true);
}

function childSchema(schemas: SchemaSet, parent: SchemaNode | undefined, el: Element, top: boolean): SchemaNode | undefined {
  const ns = namespaceOf(el);
  const name = localName(nameOf(el));
  if (top || (parent && isMountPoint(parent))) return schemas.top(ns, name, !top);
  return childrenNamed(parent!, name).find((c) => c.module.namespace === ns);
}

/** Records an issue; the node's origin is read (its stack formatted) only here. */
function report(issues: ValidationIssue[], el: Element, path: string, message: string, model?: SchemaNode): void {
  const origin = el.getOrigin();
  issues.push({ path, message, ...(origin ? { origin } : {}), ...(model ? { model: where(model) } : {}) });
}

/**
 * Validates what changed under `root` and throws SchemaValidationError when something does
 * not fit. Run the modules with origin capture on (`runServices`' `captureOrigins`) to have
 * each issue name the module line that made the node: the modules run once, whatever the
 * outcome.
 */
export function checkChanges(root: Element, schemas: SchemaSet): void {
  const issues = validateChanges(root, schemas);
  if (issues.length > 0) throw new SchemaValidationError(issues);
}

function checkElement(schemas: SchemaSet, parent: SchemaNode | undefined, el: Element, parentPath: string, issues: ValidationIssue[], top: boolean): void {
  const name = localName(nameOf(el));
  const device = !top && parent !== undefined && isMountPoint(parent);
  const schema = childSchema(schemas, parent, el, top);
  const path = `${parentPath}/${step(el, schema)}`;
  if (!schema) {
    const ns = namespaceOf(el);
    if (top || device) {
      // Without a model for that namespace nothing can be said, unless the name belongs to a known one.
      if (schemas.knowsNamespace(ns)) report(issues, el, path, `unknown element ${name} in namespace ${ns}`);
      else if (schemas.hasTopNamed(name, device)) report(issues, el, path, `wrong namespace ${ns || '(none)'} for ${name}`);
      return;
    }
    const other = childrenNamed(parent!, name)[0];
    if (other) report(issues, el, path, `wrong namespace ${ns || '(none)'} for ${name}: expected ${other.module.namespace}`, other);
    else report(issues, el, path, `unknown element ${name}: ${parent!.name} has ${dataChildren(parent!).map((c) => c.name).join(', ') || 'no children'}`, parent);
    return;
  }
  if (schema.config === false) {
    report(issues, el, path, `${schema.kind} ${name} is state data (config false): a config edit cannot hold it`, schema);
    return;
  }
  const kids = childrenOf(el);
  if (schema.kind === 'leaf' || schema.kind === 'leaf-list') {
    if (kids.length) report(issues, el, path, `${schema.kind} ${name} has child elements`, schema);
    else if (schema.type) {
      const err = checkValue(schemas, getText(el), schema.type, schema, el);
      if (err) report(issues, el, path, err, schema);
    }
    return;
  }
  if (schema.kind === 'anydata' || schema.kind === 'anyxml') return;
  if (schema.kind === 'list') {
    for (const k of schema.keys) {
      if (!kids.some((c) => localName(nameOf(c)) === k)) report(issues, el, path, `list entry without its key ${k}`, schema);
    }
  }
  for (const kid of kids) checkElement(schemas, schema, kid, path, issues, false);
  checkDuplicates(schemas, schema, kids, path, issues, false);
}

/**
 * Same-named siblings with the same identity (a list entry's keys, a leaf-list value; a
 * container or leaf has one instance) are one node twice. The server sends a merge, and
 * the controller merges them (its CLICON_NETCONF_DUPLICATE_ALLOW; re-applied services
 * create again what actions already holds, and two instances often share a parent entry),
 * so twice is fine; what is reported is a conflict, the same leaf with two values, whose
 * outcome would depend on the order. `changedOnly`: only pairs of which one changed.
 */
function checkDuplicates(schemas: SchemaSet, parent: SchemaNode | undefined, kids: readonly Element[], parentPath: string, issues: ValidationIssue[], changedOnly: boolean): void {
  const groups = new Map<string, Element[]>();
  for (const kid of kids) {
    const group = groups.get(nameOf(kid));
    if (group) group.push(kid);
    else groups.set(nameOf(kid), [kid]);
  }
  for (const group of groups.values()) {
    if (group.length < 2) continue;
    const schema = childSchema(schemas, parent, group[0]!, parent === undefined);
    if (!schema || schema.kind === 'leaf-list') continue;
    const seen = new Map<string, Element>();
    for (const el of group) {
      const id = identity(el, schema);
      const first = seen.get(id);
      if (!first) {
        seen.set(id, el);
        continue;
      }
      if (changedOnly && !el.isModified() && !first.isModified()) continue;
      const clash = conflict(first, el, '');
      if (clash === undefined) continue;
      const what = schema.kind === 'list' ? `entry ${id}` : `${schema.kind} ${schema.name}`;
      report(issues, el.isModified() ? el : first, `${parentPath}/${localName(nameOf(el))}`, `${what} given twice with different values: ${clash}`, schema);
    }
  }
}

/** The first leaf the two trees give different values (`a/b: 'x' and 'y'`), if any; lists inside are matched by position of name. */
function conflict(a: Element, b: Element, at: string): string | undefined {
  const bKids = childrenOf(b);
  for (const ak of childrenOf(a)) {
    const name = localName(nameOf(ak));
    const bk = bKids.find((c) => nameOf(c) === nameOf(ak));
    if (!bk) continue;
    const path = at ? `${at}/${name}` : name;
    if (childrenOf(ak).length === 0 && childrenOf(bk).length === 0) {
      if (getText(ak) !== getText(bk)) return `${path}: '${getText(ak)}' and '${getText(bk)}'`;
    } else if (bKids.filter((c) => nameOf(c) === nameOf(ak)).length === 1) {
      const inner = conflict(ak, bk, path);
      if (inner !== undefined) return inner;
    }
  }
  return undefined;
}

function identity(el: Element, schema: SchemaNode): string {
  if (schema.kind === 'leaf-list') return `'${getText(el)}'`;
  if (schema.kind !== 'list') return '';
  const kids = childrenOf(el);
  return schema.keys.map((k) => `${k}='${textOf(kids.find((c) => localName(nameOf(c)) === k))}'`).join(',');
}

const INT = /^[+-]?\d+$/;

function inRanges(v: number, ranges: [number, number][][]): boolean {
  return ranges.every((r) => r.some(([lo, hi]) => v >= lo && v <= hi));
}

function show(ranges: [number, number][][]): string {
  return ranges.map((r) => r.map(([a, b]) => (a === b ? `${a}` : `${a}..${b}`)).join('|')).join(' and ');
}

/** Why `v` is not a value of type `t`; undefined when it is. */
function checkValue(schemas: SchemaSet, v: string, t: TypeSpec, node: SchemaNode, el?: Element): string | undefined {
  const bad = (why: string): string => `value "${v}" ${why}`;
  switch (t.base) {
    case 'union':
      return (t.union ?? []).some((m) => checkValue(schemas, v, m, node, el) === undefined) ? undefined : bad(`fits no member of union ${t.name}`);
    case 'leafref': {
      const target = leafrefTarget(node, t.leafrefPath ?? '');
      return target?.type ? checkValue(schemas, v, target.type, target, el) : undefined;
    }
    case 'int8': case 'int16': case 'int32': case 'int64': case 'uint8': case 'uint16': case 'uint32': case 'uint64': {
      if (!INT.test(v)) return bad(`is not an integer (${t.name})`);
      const bounds = { int8: 7, int16: 15, int32: 31, int64: 63, uint8: 8, uint16: 16, uint32: 32, uint64: 64 }[t.base];
      const n = BigInt(v);
      const [lo, hi] = t.base.startsWith('u') ? [0n, (1n << BigInt(bounds)) - 1n] : [-(1n << BigInt(bounds)), (1n << BigInt(bounds)) - 1n];
      if (n < lo || n > hi) return bad(`is out of the ${t.base} range`);
      if (!inRanges(Number(v), t.ranges)) return bad(`is outside the range ${show(t.ranges)} of ${t.name}`);
      return undefined;
    }
    case 'decimal64': {
      const m = /^[+-]?\d+(?:\.(\d+))?$/.exec(v);
      if (!m) return bad(`is not a decimal64 (${t.name})`);
      if ((m[1]?.length ?? 0) > (t.fractionDigits ?? 18)) return bad(`has more than ${t.fractionDigits} fraction digits`);
      if (!inRanges(Number(v), t.ranges)) return bad(`is outside the range ${show(t.ranges)} of ${t.name}`);
      return undefined;
    }
    case 'string': case 'binary': {
      const len = t.base === 'binary' ? Math.floor((v.replace(/[\s=]/g, '').length * 3) / 4) : [...v].length;
      if (!inRanges(len, t.lengths)) return bad(`has length ${len}, outside ${show(t.lengths)} of ${t.name}`);
      for (const p of t.patterns) if (p.regex.test(v) === p.invert) return bad(`does not match the pattern ${p.source} of ${t.name}`);
      return undefined;
    }
    case 'boolean':
      return v === 'true' || v === 'false' ? undefined : bad('is not a boolean (true or false)');
    case 'empty':
      return v === '' ? undefined : bad('given for an empty leaf');
    case 'enumeration':
      return t.enums?.includes(v) ? undefined : bad(`is not one of ${t.name}: ${(t.enums ?? []).join(', ')}`);
    case 'bits':
      return v.split(/\s+/).filter(Boolean).every((b) => t.bits?.includes(b)) ? undefined : bad(`has bits not in ${t.name}: ${(t.bits ?? []).join(', ')}`);
    case 'identityref':
      return identityOk(schemas, v, t, el) ? undefined : bad(`is not an identity derived from ${(t.identityBases ?? []).map((b) => `${b.module.prefix}:${b.name}`).join(', ')}`);
    default:
      return undefined;
  }
}

function identityOk(schemas: SchemaSet, v: string, t: TypeSpec, el: Element | undefined): boolean {
  const i = v.indexOf(':');
  const name = i < 0 ? v : v.slice(i + 1);
  const pfx = i < 0 ? undefined : v.slice(0, i);
  let ns: string | undefined;
  if (pfx !== undefined && el) {
    for (let p: Element | undefined = el; p && nameOf(p) !== ''; p = parentOf(p) ?? undefined) {
      ns = p.getAttribute(`xmlns:${pfx}`);
      if (ns !== undefined) break;
    }
  }
  for (const mod of schemas.ctx.modules.values()) {
    const id = mod.identities.get(name);
    if (!id) continue;
    // The prefix names the module by its XML namespace declaration, or (commonly) by the module's own prefix.
    if (pfx !== undefined && ns !== mod.namespace && pfx !== mod.prefix) continue;
    if ((t.identityBases ?? []).every((b) => derivesFrom(id, b) && id !== b)) return true;
  }
  return false;
}

/** The leaf a leafref path points at (predicates ignored), undefined when it cannot be followed. */
function leafrefTarget(node: SchemaNode, path: string): SchemaNode | undefined {
  const parts = path.replace(/\[[^\]]*\]/g, '').split('/').map((p) => p.trim());
  let cur: SchemaNode | undefined;
  let level: readonly SchemaNode[];
  const dataParent = (n: SchemaNode | undefined): SchemaNode | undefined => {
    let p = n?.parent;
    while (p && (p.kind === 'choice' || p.kind === 'case')) p = p.parent;
    return p;
  };
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
