/**
 * Datastore editing as the controller does it: edit-config merge/replace/create/delete/
 * remove/none onto a canonical tree (local names, `xmlns` only where the namespace
 * changes), the cl:creator → `created` bookkeeping done at edit time (followed:
 * clixon-controller controller_edit_config/creator_applyfn), the services pre-removal
 * before a services-commit (followed: strip_service_data_from_device_config), and
 * tree comparison. Edits apply in place and roll back on error: a datastore is not
 * copied per edit.
 */
import { SNode } from './tree.ts';
import { parseInstanceRef, type InstanceRef } from '../xml/index.ts';
import { NS, type Schema } from './datamodel.ts';
import { splitTopLevel } from '../xml/path.ts';
import { findByPath } from './xpath.ts';

/** An rpc-error to send back; `echoId` when the backend echoes message-id. */
export class SimRpcError extends Error {
  constructor(
    readonly errorType: string,
    readonly errorTag: string,
    message: string,
    readonly info?: string,
    readonly echoId = false,
  ) {
    super(message);
    this.name = 'SimRpcError';
  }
}

export type EditOp = 'merge' | 'replace' | 'create' | 'delete' | 'remove' | 'none';
const OPS = new Set<string>(['merge', 'replace', 'create', 'delete', 'remove', 'none']);

/** Whether a text element is a leaf-list entry (YANG says so, or it has same-named siblings). */
function isLeafList(n: SNode, schema: Schema): boolean {
  if (!n.isLeaf) return false;
  if (schema.leafLists.has(n.localName)) return true;
  const p = n.parent;
  if (!p) return false;
  let count = 0;
  for (const c of p.children) if (c.localName === n.localName && ++count > 1) return true;
  return false;
}

/** Identity of a node among its siblings: namespace, name and list keys or leaf-list value. */
export function identity(n: SNode, schema: Schema, leafList?: boolean): string {
  const base = `${n.ns}|${n.localName}`;
  const keys = schema.keysOf(n.localName, (k) => n.child(k) !== undefined);
  if (keys.length > 0) return `${base}|${keys.map((k) => n.childText(k) ?? '').join('\u0000')}`;
  if (leafList ?? isLeafList(n, schema)) return `${base}=${n.text ?? ''}`;
  return base;
}

/**
 * Canonical copy of a request node: local names, xmlns where the namespace changes, no
 * other attributes. A packed node is copied as it is: only the loader packs, what it made
 * canonical (loadInitial).
 */
export function canonical(src: SNode, parentNs: string): SNode {
  if (SNode.isPacked(src)) return src.clone();
  const ns = src.ns;
  const out = new SNode(src.localName, ns !== parentNs ? { xmlns: ns } : {});
  if (src.children.length === 0) out.text = src.text;
  for (const c of src.children) out.append(canonical(c, ns));
  return out;
}

function opOf(n: SNode): EditOp | undefined {
  for (const [k, v] of n.attrs) {
    if (k === 'operation' || k.endsWith(':operation')) {
      const prefix = k.includes(':') ? k.slice(0, k.indexOf(':')) : '';
      if (prefix && n.lookupNs(prefix) !== NS.base) continue;
      if (!OPS.has(v)) throw new SimRpcError('protocol', 'bad-attribute', `Unknown operation: ${v}`);
      return v as EditOp;
    }
  }
  return undefined;
}

function hasExplicitOp(n: SNode): boolean {
  if (opOf(n)) return true;
  return n.children.some(hasExplicitOp);
}

const TOP_ORDER = ['processes', 'services', 'devices', 'transactions'];

function compareKeys(a: string[], b: string[]): number {
  for (let i = 0; i < a.length; i++) {
    const x = a[i] ?? '';
    const y = b[i] ?? '';
    if (x === y) continue;
    if (/^-?\d+$/.test(x) && /^-?\d+$/.test(y)) return Number(x) - Number(y);
    return x < y ? -1 : 1;
  }
  return 0;
}

function sortKey(n: SNode, schema: Schema, hasSibling: boolean): string[] | undefined {
  if (schema.orderedByUser.has(n.localName)) return undefined;
  const keys = schema.keysOf(n.localName, (k) => n.child(k) !== undefined);
  if (keys.length > 0) return keys.map((k) => n.childText(k) ?? '');
  if (n.isLeaf && (hasSibling || schema.leafLists.has(n.localName))) return [n.text ?? ''];
  return undefined;
}

/**
 * Adds a new child where clixon keeps it: top-level containers in the controller's YANG
 * order, list and leaf-list entries sorted by key (ordered-by system), others last.
 */
export function insertOrdered(parent: SNode, node: SNode, schema: Schema): SNode {
  const kids = parent.children;
  if (parent.name === '') {
    const rank = (n: SNode): number => {
      const i = TOP_ORDER.indexOf(n.localName);
      return i < 0 ? TOP_ORDER.length : i;
    };
    const r = rank(node);
    const at = kids.findIndex((c) => rank(c) > r);
    return at < 0 ? parent.append(node) : parent.insertAt(at, node);
  }
  const name = node.localName;
  let last = -1;
  for (let i = kids.length - 1; i >= 0; i--)
    if (kids[i]!.localName === name) {
      last = i;
      break;
    }
  if (last < 0) return parent.append(node);
  const key = sortKey(node, schema, true);
  if (!key) return parent.append(node);
  const lastKey = sortKey(kids[last]!, schema, true);
  if (!lastKey || compareKeys(lastKey, key) <= 0) return parent.insertAt(last + 1, node);
  for (let i = 0; i < last; i++) {
    const c = kids[i]!;
    if (c.localName !== name) continue;
    const ck = sortKey(c, schema, true);
    if (ck && compareKeys(ck, key) > 0) return parent.insertAt(i, node);
  }
  return parent.insertAt(last, node);
}

/** Puts a detached subtree in clixon's order (see insertOrdered), recursively. */
export function sortEntries(n: SNode, schema: Schema): SNode {
  // Packed by the loader, sorted before.
  if (SNode.isPacked(n)) return n;
  const kids = n.children;
  if (kids.length === 0) return n;
  n.children = [];
  for (const k of kids) sortEntries(k, schema);
  placeAll(n, kids, schema);
  return n;
}

/** Below this many new siblings, one insertOrdered each is cheaper than checking the parent's runs. */
const BULK_MIN = 8;

/**
 * Adds new children where insertOrdered, called on each in turn, would put them, in time
 * linear in the parent's children plus a sort of the new ones (one by one costs a scan of
 * the list per entry: 6000 entries took 20 s). Placed in bulk when the outcome is plain:
 * an unkeyed node goes last; a keyed name's entries form one run, sorted, at its first
 * entry's place, and new ones are merged in after the equal keys already there. When the
 * parent's run of a name is not like that (split, unsorted, or holding unkeyed entries),
 * or one name comes keyed and unkeyed, or at the document root (top-level YANG order),
 * the nodes go one by one. Exact for keys that compareKeys orders consistently (all
 * numeric or all not, within one list).
 */
function placeAll(parent: SNode, nodes: SNode[], schema: Schema): void {
  if (nodes.length < BULK_MIN || parent.name === '' || !placeInBulk(parent, nodes, schema))
    for (const n of nodes) insertOrdered(parent, n, schema);
}

interface Run {
  start: number;
  end: number;
  keys: string[][];
}

function placeInBulk(parent: SNode, nodes: SNode[], schema: Schema): boolean {
  const keyOf = new Map<SNode, string[]>();
  const unkeyed = new Set<string>();
  for (const n of nodes) {
    const k = sortKey(n, schema, true);
    if (k) keyOf.set(n, k);
    else unkeyed.add(n.localName);
  }
  const groups = new Map<string, SNode[]>();
  // The new nodes' places after the existing children, in arrival order: an unkeyed node,
  // or the run of a keyed name the parent does not have yet.
  const tail: (SNode | SNode[])[] = [];
  for (const n of nodes) {
    const k = keyOf.get(n);
    if (!k) {
      tail.push(n);
      continue;
    }
    const name = n.localName;
    if (unkeyed.has(name)) return false;
    let g = groups.get(name);
    if (!g) {
      groups.set(name, (g = []));
      tail.push(g);
    }
    g.push(n);
  }
  const kids = parent.children;
  const runs = new Map<string, Run>();
  for (let i = 0; i < kids.length; i++) {
    const name = kids[i]!.localName;
    if (!groups.has(name)) continue;
    const ck = sortKey(kids[i]!, schema, true);
    if (!ck) return false;
    const run = runs.get(name);
    if (!run) runs.set(name, { start: i, end: i + 1, keys: [ck] });
    else if (run.end !== i || compareKeys(run.keys[run.keys.length - 1]!, ck) > 0) return false;
    else {
      run.end = i + 1;
      run.keys.push(ck);
    }
  }
  // Stable: equal keys keep their arrival order, as one-by-one insertion keeps them.
  for (const g of groups.values()) if (g.length > 1) g.sort((a, b) => compareKeys(keyOf.get(a)!, keyOf.get(b)!));
  const out: SNode[] = [];
  for (let i = 0; i < kids.length; ) {
    const name = kids[i]!.localName;
    const run = runs.get(name);
    if (!run) {
      out.push(kids[i++]!);
      continue;
    }
    const g = groups.get(name)!;
    let a = run.start;
    let b = 0;
    while (a < run.end && b < g.length)
      out.push(compareKeys(run.keys[a - run.start]!, keyOf.get(g[b]!)!) <= 0 ? kids[a++]! : g[b++]!);
    while (a < run.end) out.push(kids[a++]!);
    while (b < g.length) out.push(g[b++]!);
    i = run.end;
  }
  for (const t of tail) {
    if (!Array.isArray(t)) out.push(t);
    else if (!runs.has(t[0]!.localName)) for (const n of t) out.push(n);
  }
  for (const n of nodes) n.parent = parent;
  parent.children = out;
  return true;
}

/**
 * The children an edit adds to one parent, held back and placed together (placeAll), so
 * that a long list is not scanned per entry. Placed when the parent's edits are done, or
 * before a removal that one-by-one insertion would have seen differently (beforeRemoval).
 * A waiting node has its parent already (its namespace is looked up through it).
 */
class Additions {
  private waiting: SNode[] = [];
  private readonly waitingSet = new Set<SNode>();
  private readonly waitingNames = new Set<string>();
  /** Per name with nodes waiting: the length of the parent's run of it, checked sorted (see beforeRemoval). */
  private readonly runs = new Map<string, number>();

  constructor(
    private readonly parent: SNode,
    private readonly schema: Schema,
  ) {}

  add(n: SNode): SNode {
    n.parent = this.parent;
    this.waiting.push(n);
    this.waitingSet.add(n);
    this.waitingNames.add(n.localName);
    return n;
  }

  /** Puts `fresh` where the waiting `old` was (one identity: one place); false when `old` is not waiting. */
  swap(old: SNode, fresh: SNode): boolean {
    if (!this.waitingSet.has(old)) return false;
    this.waiting[this.waiting.indexOf(old)] = fresh;
    this.waitingSet.delete(old);
    this.waitingSet.add(fresh);
    fresh.parent = this.parent;
    old.parent = null;
    return true;
  }

  /**
   * Before `n` leaves the parent. A removal moves no other node, so what waits can go on
   * waiting, unless `n` waits itself, or nodes of its name wait and either the parent's
   * run of that name is not contiguous, keyed and sorted (where one-by-one insertion puts
   * an entry then depends on the entries before it) or this removal empties the run
   * (one-by-one insertion put them in it, not last): then they are placed first.
   */
  beforeRemoval(n: SNode): void {
    if (this.waiting.length === 0) return;
    if (this.waitingSet.has(n)) return this.place();
    const name = n.localName;
    if (!this.waitingNames.has(name)) return;
    const run = this.runs.get(name) ?? sortedRun(this.parent, name, this.schema);
    if (run <= 1) return this.place();
    this.runs.set(name, run - 1);
  }

  place(): void {
    if (this.waiting.length === 0) return;
    const nodes = this.waiting;
    this.waiting = [];
    this.waitingSet.clear();
    this.waitingNames.clear();
    this.runs.clear();
    placeAll(this.parent, nodes, this.schema);
  }
}

/** How many children of this name the parent has when they are contiguous, keyed and sorted; -1 otherwise. */
function sortedRun(parent: SNode, name: string, schema: Schema): number {
  const kids = parent.children;
  let start = -1;
  let count = 0;
  let prev: string[] | undefined;
  for (let i = 0; i < kids.length; i++) {
    if (kids[i]!.localName !== name) continue;
    if (start < 0) start = i;
    else if (i !== start + count) return -1;
    const k = sortKey(kids[i]!, schema, true);
    if (!k || (prev && compareKeys(prev, k) > 0)) return -1;
    prev = k;
    count++;
  }
  return count;
}

/** Names that are leaf-lists here: YANG says so, or text-only entries repeat on either side. */
function leafListNames(target: SNode, edits: SNode[], schema: Schema): Set<string> {
  const out = new Set<string>();
  repeatedLeaves(target.children, schema, out);
  repeatedLeaves(edits, schema, out);
  return out;
}

// Module functions, not closures per call: tsx names each closure it creates (esbuild's
// keepNames), which cost a third of an edit of 5000 devices.
function repeatedLeaves(nodes: SNode[], schema: Schema, out: Set<string>): void {
  const seen = new Set<string>();
  for (const n of nodes) {
    if (!n.isLeaf) continue;
    const name = n.localName;
    if (schema.leafLists.has(name) || seen.has(name)) out.add(name);
    seen.add(name);
  }
}

/** Adds a new child (placed with the parent's other additions), the parent journaled first. */
function addNew(target: SNode, added: Additions, n: SNode, j: Journal): SNode {
  j.touch(target);
  return added.add(n);
}

/** A new datastore node from an edit's node: canonical, without operations, in clixon's order. */
function fresh(e: SNode, targetNs: string, schema: Schema): SNode {
  const c = canonical(e, targetNs);
  stripOps(c);
  return sortEntries(c, schema);
}

/**
 * Index of a parent's children by identity, for merging many entries: those named as an
 * edit is (no other can match one), so that a sibling the edit does not reach is not
 * read (a packed one stays packed).
 */
function indexChildren(parent: SNode, edits: SNode[], leafLists: Set<string>, schema: Schema): Map<string, SNode> {
  const names = new Set<string>();
  for (const e of edits) names.add(e.localName);
  const m = new Map<string, SNode>();
  for (const c of parent.children) {
    if (!names.has(c.localName)) continue;
    const id = identity(c, schema, c.isLeaf && leafLists.has(c.localName));
    if (!m.has(id)) m.set(id, c);
  }
  return m;
}

/**
 * What one edit changed, so that a failed edit leaves the datastore as it was: each
 * touched node's children and text as they were before its first change. Also the
 * containers a removal emptied, pruned only once the whole edit is applied (a later
 * sibling of the same edit may fill them again).
 */
class Journal {
  private readonly saved = new Map<SNode, { children: SNode[]; text: string | null }>();
  readonly emptied: SNode[] = [];

  touch(n: SNode): void {
    if (!this.saved.has(n)) this.saved.set(n, { children: n.children.slice(), text: n.text });
  }

  rollback(): void {
    for (const [n, s] of this.saved) {
      n.children = s.children;
      n.text = s.text;
      for (const c of s.children) c.parent = n;
    }
  }
}

function editChildren(target: SNode, edits: SNode[], op: EditOp, schema: Schema, j: Journal): void {
  if (edits.length === 0) return;
  const leafLists = leafListNames(target, edits, schema);
  const index = indexChildren(target, edits, leafLists, schema);
  const added = new Additions(target, schema);
  for (const e of edits) editNode(target, index, added, e, op, schema, leafLists, j);
  added.place();
}

function editNode(
  target: SNode, index: Map<string, SNode>, added: Additions, e: SNode, inherited: EditOp, schema: Schema, leafLists: Set<string>, j: Journal,
): void {
  const op = opOf(e) ?? inherited;
  const leafList = e.children.length === 0 && leafLists.has(e.localName);
  const id = identity(e, schema, leafList);
  const existing = index.get(id);
  const targetNs = target.name === '' ? '' : target.ns;
  switch (op) {
    case 'create':
      if (existing) throw new SimRpcError('application', 'data-exists', 'Data already exists; cannot create new resource');
      index.set(id, addNew(target, added, fresh(e, targetNs, schema), j));
      return;
    case 'delete':
    case 'remove':
      if (!existing) {
        if (op === 'delete') throw new SimRpcError('application', 'data-missing', 'Data does not exist; cannot delete resource');
        return;
      }
      j.touch(target);
      added.beforeRemoval(existing);
      target.remove(existing);
      index.delete(id);
      if (target.children.length === 0) j.emptied.push(target);
      return;
    case 'replace':
      if (existing) {
        j.touch(target);
        const n = fresh(e, targetNs, schema);
        if (added.swap(existing, n)) {
          index.set(id, n);
          return;
        }
        const i = target.children.indexOf(existing);
        target.remove(existing);
        index.set(id, target.insertAt(i, n));
      } else index.set(id, addNew(target, added, fresh(e, targetNs, schema), j));
      return;
    case 'merge':
    case 'none': {
      if (!existing) {
        if (op === 'none' && !hasExplicitOp(e)) return;
        if (op === 'merge' && !e.children.some(hasExplicitOp)) {
          index.set(id, addNew(target, added, fresh(e, targetNs, schema), j));
          return;
        }
        const shell = new SNode(e.localName, e.ns !== targetNs ? { xmlns: e.ns } : {});
        for (const k of schema.keysOf(e.localName, (n) => e.child(n) !== undefined)) {
          const kc = e.child(k);
          if (kc) shell.append(new SNode(k, {}, kc.text));
        }
        index.set(id, addNew(target, added, shell, j));
        if (e.children.length === 0) {
          if (op === 'merge') shell.text = e.text;
          return;
        }
        editChildren(shell, e.children, op, schema, j);
        return;
      }
      if (e.children.length === 0) {
        if (op === 'merge' && existing.children.length === 0) {
          j.touch(existing);
          existing.text = e.text;
        } else if (op === 'merge' && e.text !== null && e.text.trim() !== '') {
          j.touch(existing);
          existing.children = [];
          existing.text = e.text;
        }
        return;
      }
      if (existing.text !== null) {
        j.touch(existing);
        existing.text = null;
      }
      editChildren(existing, e.children, op, schema, j);
      return;
    }
  }
}

/**
 * Removes a container left empty by a deletion, and its emptied ancestors, as clixon
 * does for non-presence containers; a device `config` and list entries stay.
 */
export function pruneEmpty(n: SNode, schema: Schema, j?: Journal): void {
  for (let x: SNode | null = n; x && x.parent && x.name !== ''; ) {
    if (x.children.length > 0 || (x.text ?? '') !== '' || x.localName === 'config') return;
    if (schema.isList(x.localName)) return;
    const p: SNode = x.parent;
    j?.touch(p);
    p.remove(x);
    x = p;
  }
}

function stripOps(n: SNode): void {
  for (const k of [...n.attrs.keys()]) if (k !== 'xmlns') n.attrs.delete(k);
  for (const c of n.children) stripOps(c);
}

function creatorOf(n: SNode): string | undefined {
  for (const [k, v] of n.attrs) {
    if (k === 'creator' || k.endsWith(':creator')) {
      n.attrs.delete(k);
      return v;
    }
  }
  return undefined;
}

/** Collects and removes cl:creator attributes: creator tag → created paths, in document order. */
function collectCreators(configEl: SNode, schema: Schema): Map<string, string[]> {
  const out = new Map<string, Set<string>>();
  const walk = (n: SNode): void => {
    const c = creatorOf(n);
    if (c !== undefined) {
      let paths = out.get(c);
      if (!paths) out.set(c, (paths = new Set()));
      paths.add(pathFromConfig(n, configEl, schema));
    }
    for (const ch of n.children) walk(ch);
  };
  for (const ch of configEl.children) walk(ch);
  return new Map([...out].map(([c, paths]) => [c, [...paths]]));
}

/** One step of a `created` path: `parameter[name="a"]`, as clixon's xml2xpath writes it. */
function stepOf(x: SNode, schema: Schema): string {
  const keys = schema.keysOf(x.localName, (k) => x.child(k) !== undefined);
  let step = x.localName;
  for (const k of keys) step += `[${k}="${x.childText(k) ?? ''}"]`;
  if (keys.length === 0 && isLeafList(x, schema)) step += `[.="${x.text ?? ''}"]`;
  return step;
}

function pathFromConfig(n: SNode, configEl: SNode, schema: Schema): string {
  const steps: string[] = [];
  for (let x: SNode | null = n; x && x !== configEl; x = x.parent) steps.unshift(stepOf(x, schema));
  return '/' + steps.join('/');
}

/** Resolves many `created` paths in one tree: children indexed by step, built once per parent. */
class PathIndex {
  private readonly byParent = new Map<SNode, Map<string, SNode>>();

  constructor(
    private readonly doc: SNode,
    private readonly schema: Schema,
  ) {}

  find(path: string): SNode | undefined {
    let cur = this.doc;
    for (const step of splitTopLevel(path.replace(/^\//, ''), '/')) {
      let m = this.byParent.get(cur);
      if (!m) {
        m = new Map();
        for (const c of cur.children) {
          const k = stepOf(c, this.schema);
          if (!m.has(k)) m.set(k, c);
        }
        this.byParent.set(cur, m);
      }
      const next = m.get(step);
      if (!next) return findByPath(this.doc, path);
      cur = next;
    }
    return cur;
  }
}

function topServices(doc: SNode, create: boolean, schema?: Schema): SNode | undefined {
  for (const c of doc.children) if (c.localName === 'services' && c.ns === NS.ctrl) return c;
  if (!create || !schema) return undefined;
  return insertOrdered(doc, new SNode('services', { xmlns: NS.ctrl }), schema);
}

/** The service instance a creator tag names, in a datastore. */
export function findInstance(doc: SNode, tag: InstanceRef): SNode | undefined {
  const services = topServices(doc, false);
  if (!services) return undefined;
  return services.children.find((c) => c.localName === tag.service && c.childText(tag.key) === tag.instance);
}

function recordCreated(doc: SNode, creators: Map<string, string[]>, schema: Schema, j: Journal): void {
  for (const [tagText, paths] of creators) {
    const tag = parseInstanceRef(tagText);
    if (!tag) throw new SimRpcError('application', 'operation-failed', 'Translation for creator attributes to created tag');
    let inst = findInstance(doc, tag);
    if (!inst) {
      j.touch(doc);
      const services = topServices(doc, true, schema)!;
      const ns =
        schema.services.get(tag.service)?.ns ??
        services.children.find((c) => c.localName === tag.service)?.ns;
      if (ns === undefined) continue;
      inst = new SNode(tag.service, ns !== NS.ctrl ? { xmlns: ns } : {});
      inst.append(new SNode(tag.key, {}, tag.instance));
      j.touch(services);
      insertOrdered(services, inst, schema);
    }
    let created = inst.child('created');
    if (!created) {
      j.touch(inst);
      created = inst.append(new SNode('created'));
    }
    const have = new Set(created.children.map((p) => p.text ?? ''));
    const added = paths.filter((p) => !have.has(p) && (have.add(p), true));
    if (added.length === 0) continue;
    // One sort of old and new (ordered-by system, as insertOrdered keeps it), not a scan per path.
    j.touch(created);
    const all = created.children.concat(added.map((p) => new SNode('path', {}, p)));
    all.sort((a, b) => compareKeys([a.text ?? ''], [b.text ?? '']));
    created.children = [];
    for (const p of all) created.append(p);
  }
}

/**
 * Applies an edit-config `<config>` to a datastore in place and returns it; when an
 * error is thrown the datastore is as it was (the edit is rolled back).
 */
export function applyEdit(doc: SNode, configEl: SNode, defaultOp: EditOp, schema: Schema): SNode {
  const creators = collectCreators(configEl, schema);
  const j = new Journal();
  try {
    editChildren(doc, configEl.children, defaultOp, schema, j);
    for (const n of j.emptied) pruneEmpty(n, schema, j);
    recordCreated(doc, creators, schema, j);
  } catch (e) {
    j.rollback();
    throw e;
  }
  return doc;
}

/** Structural equality ignoring sibling order of list entries. */
export function treesEqual(a: SNode | undefined, b: SNode | undefined, schema: Schema): boolean {
  if (a === b) return true;
  if (!a || !b) return (a?.children.length ?? 0) === 0 && (b?.children.length ?? 0) === 0 && (a?.text ?? '') === (b?.text ?? '');
  // The same XML is the same tree (and packed subtrees stay packed); copies share the string, so mostly a pointer comparison.
  const xml = SNode.cachedXml(a);
  if (xml !== undefined && xml === SNode.cachedXml(b)) return true;
  if (a.children.length !== b.children.length) return false;
  if (a.children.length === 0) return (a.text ?? '') === (b.text ?? '');
  const inOrder = sameInOrder(a, b, schema);
  if (inOrder !== undefined) return inOrder;
  const idx = new Map<string, SNode>();
  for (const c of b.children) idx.set(identity(c, schema), c);
  for (const c of a.children) {
    const o = idx.get(identity(c, schema));
    if (!o || o.ns !== c.ns || !treesEqual(c, o, schema)) return false;
  }
  return true;
}

/**
 * The datastores keep siblings in one order, so pairing children by position settles
 * most comparisons without an identity index: true when every pair is equal, false at
 * a pair of one identity whose subtrees differ, undefined (compare by identity) when
 * the order differs.
 */
function sameInOrder(a: SNode, b: SNode, schema: Schema): boolean | undefined {
  const ka = a.children;
  const kb = b.children;
  for (let i = 0; i < ka.length; i++) {
    const x = ka[i]!;
    const y = kb[i]!;
    if (x.name !== y.name || x.attrs.get('xmlns') !== y.attrs.get('xmlns')) return undefined;
    if (treesEqual(x, y, schema)) continue;
    return identity(x, schema) === identity(y, schema) ? false : undefined;
  }
  return true;
}

/** Service instances (`svc[key='v']`) added, removed or changed between two datastores. */
export function changedInstances(before: SNode, after: SNode, schema: Schema): { any: boolean; tags: string[] } {
  const s0 = topServices(before, false);
  const s1 = topServices(after, false);
  if (!s0 && !s1) return { any: false, tags: [] };
  const tagOf = (n: SNode): string | undefined => {
    const key = schema.keysOf(n.localName, (k) => n.child(k) !== undefined)[0];
    if (!key) return undefined;
    const v = n.childText(key);
    return v === undefined ? undefined : `${n.localName}[${key}='${v}']`;
  };
  const m0 = new Map<string, SNode>();
  const m1 = new Map<string, SNode>();
  for (const c of s0?.children ?? []) {
    const t = tagOf(c);
    if (t) m0.set(t, c);
  }
  for (const c of s1?.children ?? []) {
    const t = tagOf(c);
    if (t) m1.set(t, c);
  }
  const tags: string[] = [];
  for (const [t, n] of m0) {
    const o = m1.get(t);
    if (!o || !treesEqual(n, o, schema)) tags.push(t);
  }
  for (const [t, n] of m1) {
    if (tags.includes(t)) continue;
    const o = m0.get(t);
    if (!o || !treesEqual(n, o, schema)) tags.push(t);
  }
  return { any: true, tags };
}

/**
 * Removes from `target` the device objects the given instances created, as recorded in
 * `source`'s `created` paths, and drops those instances' `created` from `target`. An
 * object another (not listed) instance also created goes too, as on the controller, which
 * marks every path of the listed instances without looking at the others (followed:
 * strip_service_data_from_device_config; seen on clixon-controller 1.8).
 */
export function stripCreated(target: SNode, source: SNode, tags: string[], schema: Schema): void {
  const srcServices = topServices(source, false);
  const removing = new Set<string>();
  const parsed = tags.map(parseInstanceRef).filter((t): t is InstanceRef => t !== undefined);
  const isRemoved = (n: SNode): boolean =>
    parsed.some((t) => n.localName === t.service && n.childText(t.key) === t.instance);
  for (const inst of srcServices?.children ?? []) {
    if (!isRemoved(inst)) continue;
    for (const p of inst.child('created')?.children ?? []) removing.add(p.text ?? '');
  }
  // Find everything first, then remove per parent in one pass (thousands of paths).
  const index = new PathIndex(target, schema);
  const doomed = new Set<SNode>();
  for (const p of removing) {
    const node = index.find(p);
    if (node?.parent) doomed.add(node);
  }
  const parents = new Set<SNode>();
  for (const n of doomed) parents.add(n.parent!);
  for (const parent of parents) {
    parent.children = parent.children.filter((c) => {
      if (!doomed.has(c)) return true;
      c.parent = null;
      return false;
    });
  }
  for (const parent of parents) pruneEmpty(parent, schema);
  for (const t of parsed) {
    const inst = findInstance(target, t);
    const created = inst?.child('created');
    if (inst && created) inst.remove(created);
  }
}

/** Drops every instance's `created` (the controller's "all services" pre-removal keeps the objects). */
export function dropAllCreated(target: SNode): void {
  for (const inst of topServices(target, false)?.children ?? []) {
    const created = inst.child('created');
    if (created) inst.remove(created);
  }
}
