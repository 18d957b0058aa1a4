/**
 * Checks what service modules changed in a config tree against the YANG schemas, before
 * anything is sent, on the config as the controller will hold it (what was read plus the
 * changes), reporting only what the change created or affected. Each node that changed:
 * unknown elements (a node an if-feature turns off is not in the compiled schema),
 * wrong namespaces, state (config false) nodes, list entries without their keys, an entry given twice with different values,
 * leaf values not of their type. Then the constraints the change touches
 * (`constraints.ts`): mandatory leaves and choices, min/max-elements, unique, leafref
 * instances, when and must. Each issue names the path, the module code that created the
 * node (origin capture, src/xml/origin.ts) and the YANG statement that defines it.
 */
import { localName } from '../xml/keys.ts';
import { internals, type Element } from '../xml/element.ts';
import { parseString } from '../xml/parser.ts';
import { checkConstraints } from './constraints.ts';
import { featureExprHolds, formatFeatureExpr, type FeatureExpr } from './features.ts';
import { DataTree, DefaultNode, childrenNamed, childrenOf, getText, identity, isMountPoint, leafrefTarget, nameOf, namespaceOf, parentOf, step, where } from './datatree.ts';
import { dataChildren, derivesFrom, type SchemaNode, type TypeSpec } from './schema.ts';
import { SchemaSet } from './schemaset.ts';
import { evaluate } from './xpath.ts';

export { SchemaSet, YangLoadError, withController } from './schemaset.ts';

export interface ValidationIssue {
  /** Where in the config: `/devices/device[name='d1']/config/system/config/login-baner`. */
  path: string;
  message: string;
  /** The module code that created or changed the node (`file:line`), when captured. */
  origin?: string;
  /** The YANG statement the node was checked against (`file:line`). */
  model?: string;
}

/** What a validation found, and what it could not judge. */
export interface ValidationReport {
  issues: ValidationIssue[];
  /** Namespaces of changed elements no model was given for: those elements were not judged. */
  unchecked: string[];
  /** Constraints not judged because they reach config the modules did not read (SERVICE_XPATH). */
  notJudged: number;
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

export interface ValidateOptions {
  /**
   * The schemas of one device's config (under /devices/device[name]/config), e.g. built
   * from its module-set; undefined: the main set judges it.
   */
  deviceSchemas?: (device: string) => SchemaSet | undefined;
  /**
   * What the modules read when it was not the whole config (their SERVICE_XPATH, with its
   * prefixes): constraints that reach outside it are not judged (counted in notJudged).
   */
  read?: { xpath: string; namespaces: Record<string, string> };
}

/** A node the change created or changed, as found by the walk. */
export interface Touched {
  el: Element;
  schema: SchemaNode;
  set: SchemaSet;
  path: string;
}

/** The state of one validation, shared with the constraint checks. */
export class Validation {
  readonly issues: ValidationIssue[] = [];
  readonly unchecked = new Set<string>();
  notJudged = 0;
  readonly tree: DataTree;
  /** Created or changed nodes with a schema, parents before children. */
  readonly touched: Touched[] = [];
  /** Unchanged nodes with a must above a change, deepest first (their must sees the change). */
  readonly above: Touched[] = [];
  /** Nodes with children removed, and those children. */
  readonly removals: { parent: Touched; removed: Element[] }[] = [];

  constructor(
    readonly doc: Element,
    readonly schemas: SchemaSet,
    opts: ValidateOptions,
  ) {
    this.tree = new DataTree(schemas, opts.deviceSchemas);
    if (opts.read && opts.read.xpath !== '/' && opts.read.xpath !== '') {
      const ns = opts.read.namespaces;
      const roots = evaluate(opts.read.xpath, {
        tree: this.tree,
        current: doc,
        namespaceOf: (p) => ns[p] ?? (p === 'ctrl' ? 'http://clicon.org/controller' : undefined),
        defaultNamespace: undefined,
      });
      this.tree.setReadRoots(Array.isArray(roots) ? roots.filter((r): r is Element => !(r instanceof DefaultNode)) : []);
    }
  }

  /** Records an issue; the node's origin is read (its stack formatted) only here. */
  report(el: Element, path: string, message: string, model?: SchemaNode): void {
    const origin = el.getOrigin();
    this.issues.push({ path, message, ...(origin ? { origin } : {}), ...(model ? { model: where(model) } : {}) });
  }
}

/**
 * Checks what changed under `root` against `schemas` and reports what does not fit, what
 * could not be judged (namespaces without a model, constraints outside what was read).
 */
export function validate(root: Element, schemas: SchemaSet, opts: ValidateOptions = {}): ValidationReport {
  const v = new Validation(internals.raw(root), schemas, opts);
  walkChanged(v, v.doc, '');
  checkConstraints(v);
  return { issues: v.issues, unchecked: [...v.unchecked].sort(), notJudged: v.notJudged };
}

/**
 * Checks a whole config document, every node as new (what `yanglint -t config` judges):
 * `doc`'s top-level elements are copied into a fresh tree and validated as created there.
 */
export function validateDocument(doc: Element, schemas: SchemaSet, opts: ValidateOptions = {}): ValidationReport {
  const fresh = parseString('');
  for (const top of doc.getChildren()) fresh.add(top.copy());
  return validate(fresh, schemas, opts);
}

/** The issues of `validate`. */
export function validateChanges(root: Element, schemas: SchemaSet, opts: ValidateOptions = {}): ValidationIssue[] {
  return validate(root, schemas, opts).issues;
}

/**
 * Validates what changed under `root` and throws SchemaValidationError when something does
 * not fit. Run the modules with origin capture on (`runServices`' `captureOrigins`) to have
 * each issue name the module line that made the node: the modules run once, whatever the
 * outcome.
 */
export function checkChanges(root: Element, schemas: SchemaSet, opts: ValidateOptions = {}): ValidationReport {
  const report = validate(root, schemas, opts);
  if (report.issues.length > 0) throw new SchemaValidationError(report.issues);
  return report;
}

/** Walks down where the modification marks say something changed below. */
function walkChanged(v: Validation, el: Element, path: string): void {
  let changed = false;
  for (const kid of childrenOf(el)) {
    if (kid.isModified()) {
      changed = true;
      checkElement(v, kid, path);
    } else if (kid.hasModifiedDescendant()) {
      // An unchanged ancestor outside the schemas was in the config already: not the modules' doing, but what changed below it goes unjudged.
      const { schema } = v.tree.lookup(kid);
      if (schema) walkChanged(v, kid, `${path}/${step(kid, schema)}`);
      else v.unchecked.add(namespaceOf(kid) || '(none)');
    }
  }
  if (changed) checkDuplicates(v, childrenOf(el), path, true);
  if (nameOf(el) === '') return;
  const { schema, set } = v.tree.lookup(el);
  const removed = el.getDeletedChildren();
  if (!schema || (removed.length === 0 && schema.must.length === 0)) return;
  const self = { el, schema, set, path };
  if (removed.length > 0) v.removals.push({ parent: self, removed: removed.map((c) => internals.raw(c)) });
  if (schema.must.length > 0) v.above.push(self);
}

/** The element's parent's schema, and whether the element is at the top or at a device's config. */
function placeOf(v: Validation, el: Element): { parent: SchemaNode | undefined; top: boolean; device: boolean } {
  const p = parentOf(el);
  const parent = p && nameOf(p) !== '' ? v.tree.lookup(p).schema : undefined;
  const top = !p || nameOf(p) === '';
  return { parent, top, device: !top && parent !== undefined && isMountPoint(parent) };
}

/**
 * The data node `name` below `parent` that an if-feature turned off at compile (on itself,
 * or on a choice or case around it), with the condition that failed.
 */
function turnedOff(parent: SchemaNode, name: string, ns: string, set: SchemaSet): { node: SchemaNode; condition: FeatureExpr } | undefined {
  const failing = (n: SchemaNode): FeatureExpr | undefined => n.conditions.find((c) => !featureExprHolds(c, set.features));
  for (const off of parent.disabled ?? []) {
    const hidden = off.kind === 'choice' || off.kind === 'case' ? dataChildren(off) : [off];
    const node = hidden.find((n) => n.name === name && n.module.namespace === ns);
    const condition = node && (failing(node) ?? failing(off));
    if (node && condition) return { node, condition };
  }
  for (const c of parent.children) {
    if (c.kind !== 'choice' && c.kind !== 'case') continue;
    const found = turnedOff(c, name, ns, set);
    if (found) return found;
  }
  return undefined;
}

function checkElement(v: Validation, el: Element, parentPath: string): void {
  const name = localName(nameOf(el));
  const { schema, set } = v.tree.lookup(el);
  const path = `${parentPath}/${step(el, schema)}`;
  if (!schema) {
    const ns = namespaceOf(el);
    const { parent, top, device } = placeOf(v, el);
    if (top || device) {
      // Without a model for that namespace nothing can be said, unless the name belongs to a known one.
      if (set.knowsNamespace(ns)) v.report(el, path, `unknown element ${name} in namespace ${ns}`);
      else if (set.hasTopNamed(name, device)) v.report(el, path, `wrong namespace ${ns || '(none)'} for ${name}`);
      else if (device && set.complete) v.report(el, path, `unknown element ${name}: no module of the device's module-set has namespace ${ns || '(none)'}`);
      else v.unchecked.add(ns || '(none)');
      return;
    }
    const other = childrenNamed(parent!, name)[0];
    const off = other ? undefined : turnedOff(parent!, name, ns, set);
    if (other) v.report(el, path, `wrong namespace ${ns || '(none)'} for ${name}: expected ${other.module.namespace}`, other);
    else if (off) v.report(el, path, `${off.node.kind} ${name} is not supported: its if-feature ${formatFeatureExpr(off.condition)} is false${set.features ? '' : ' (all features on)'}`, off.node);
    else v.report(el, path, `unknown element ${name}: ${parent!.name} has ${dataChildren(parent!).map((c) => c.name).join(', ') || 'no children'}`, parent);
    return;
  }
  if (schema.config === false) {
    v.report(el, path, `${schema.kind} ${name} is state data (config false): a config edit cannot hold it`, schema);
    return;
  }
  v.touched.push({ el, schema, set, path });
  const kids = childrenOf(el);
  if (schema.kind === 'leaf' || schema.kind === 'leaf-list') {
    if (kids.length) v.report(el, path, `${schema.kind} ${name} has child elements`, schema);
    else if (schema.type) {
      const err = checkValue(v, getText(el), schema.type, schema, el);
      if (err) v.report(el, path, err, schema);
    }
    return;
  }
  if (schema.kind === 'anydata' || schema.kind === 'anyxml') return;
  if (schema.kind === 'list') {
    for (const k of schema.keys) {
      if (!kids.some((c) => localName(nameOf(c)) === k)) v.report(el, path, `list entry without its key ${k}`, schema);
    }
  }
  for (const kid of kids) checkElement(v, kid, path);
  checkDuplicates(v, kids, path, false);
}

/**
 * Same-named siblings with the same identity (a list entry's keys, a leaf-list value; a
 * container or leaf has one instance) are one node twice. The server sends a merge, and
 * the controller merges them (its CLICON_NETCONF_DUPLICATE_ALLOW; re-applied services
 * create again what actions already holds, and two instances often share a parent entry),
 * so twice is fine; what is reported is a conflict, the same leaf with two values, whose
 * outcome would depend on the order. `changedOnly`: only pairs of which one changed.
 */
function checkDuplicates(v: Validation, kids: readonly Element[], parentPath: string, changedOnly: boolean): void {
  if (kids.length < 2) return;
  const groups = new Map<string, Element[]>();
  for (const kid of kids) {
    const group = groups.get(nameOf(kid));
    if (group) group.push(kid);
    else groups.set(nameOf(kid), [kid]);
  }
  for (const group of groups.values()) {
    if (group.length < 2) continue;
    const { schema } = v.tree.lookup(group[0]!);
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
      v.report(el.isModified() ? el : first, `${parentPath}/${localName(nameOf(el))}`, `${what} given twice with different values: ${clash}`, schema);
    }
  }
}

/** The first leaf the two trees give different values (`a/b: 'x' and 'y'`), if any; lists inside are matched by position of name. */
function conflict(a: Element, b: Element, at: string): string | undefined {
  if (at === '' && childrenOf(a).length === 0 && childrenOf(b).length === 0) return getText(a) === getText(b) ? undefined : `'${getText(a)}' and '${getText(b)}'`;
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

const INT = /^[+-]?\d+$/;

function inRanges(v: number, ranges: [number, number][][]): boolean {
  return ranges.every((r) => r.some(([lo, hi]) => v >= lo && v <= hi));
}

function show(ranges: [number, number][][]): string {
  return ranges.map((r) => r.map(([a, b]) => (a === b ? `${a}` : `${a}..${b}`)).join('|')).join(' and ');
}

/** Why `v` is not a value of type `t`; undefined when it is. */
function checkValue(run: Validation, v: string, t: TypeSpec, node: SchemaNode, el: Element): string | undefined {
  const bad = (why: string): string => `value "${v}" ${why}`;
  switch (t.base) {
    case 'union':
      return (t.union ?? []).some((m) => checkValue(run, v, m, node, el) === undefined) ? undefined : bad(`fits no member of union ${t.name}`);
    case 'leafref': {
      const target = leafrefTarget(node, t.leafrefPath ?? '');
      return target?.type ? checkValue(run, v, target.type, target, el) : undefined;
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
    case 'identityref': {
      const id = run.tree.identityOf(el, run.tree.lookup(el).set);
      // A base is not derived from itself (RFC 7950 9.10.2: derived from the base).
      const ok = id !== undefined && (t.identityBases ?? []).every((b) => derivesFrom(id, b) && id !== b);
      return ok ? undefined : bad(`is not an identity derived from ${(t.identityBases ?? []).map((b) => `${b.module.prefix}:${b.name}`).join(', ')}`);
    }
    default:
      return undefined;
  }
}
