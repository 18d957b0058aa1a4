/**
 * The edit-config builder: turns what modules changed in a config tree (the Element
 * modification marks) into the `<config>` contents to merge into the actions datastore,
 * split into batches that each are a valid tree.
 *
 * What goes in: every created or changed node whole; the path down to it with each
 * ancestor's leaf children (that carries list keys without knowing the YANG, and merging
 * an unchanged leaf changes nothing); every removed child as `nc:operation="remove"` with
 * its keys. So an edit's size follows the change, not the device config.
 */
import type { Element, XmlNode } from '../xml/index.ts';
import { entryKey, getListKeys } from '../xml/index.ts';

/**
 * Creator-tagged nodes per edit-config. The controller's cost for one edit-config is
 * about a + k·n² for n creator-tagged nodes (README of the wire recordings): 6000 in one
 * took ≈14.5 s, so k ≈ 14.5 / 6000² ≈ 4e-7 s; 16 edits of 375 took 1.8 s, so
 * 16·(a + k·375²) = 1.8 gives a ≈ 0.056 s. Sending N nodes in batches of b costs
 * (N/b)·a + N·k·b, least at b = √(a/k) ≈ 375.
 */
export const DEFAULT_BATCH_SIZE = 375;

const NC_NS = 'urn:ietf:params:xml:ns:netconf:base:1.0';

export interface EditOptions {
  /** Most creator-tagged nodes in one edit-config (a node that is one unit may exceed it). */
  batchSize?: number;
}

/** One piece of an edit: a node sent whole, or a removal stub, under its path of ancestors. */
interface Unit {
  path: Element[];
  node: Element;
  remove: boolean;
  /** Deleted and put back (same name and key): sent with nc:operation="replace", no removal. */
  replace?: boolean;
  creators: number;
}

/**
 * The `<config>` contents (top-level elements, no `<config>` wrapper) for what changed
 * under `root`, one string per edit-config. Nothing changed: an empty array.
 */
export function buildEdits(root: XmlNode, opts: EditOptions = {}): string[] {
  return planEdits(root, opts).edits;
}

/** buildEdits, and how many creator-tagged nodes the edits carry. */
export function planEdits(root: XmlNode, opts: EditOptions = {}): { edits: string[]; creators: number } {
  const batchSize = Math.max(1, opts.batchSize ?? DEFAULT_BATCH_SIZE);
  const units: Unit[] = [];
  // Ancestors whose every leaf child goes out with them (a created node split across batches).
  const wholeLeaves = new Set<Element>();
  collect(root, [], units, wholeLeaves, batchSize);

  const batches: Unit[][] = [];
  let current: Unit[] = [];
  let count = 0;
  let creators = 0;
  for (const unit of units) {
    if (current.length > 0 && count + unit.creators > batchSize) {
      batches.push(current);
      current = [];
      count = 0;
    }
    current.push(unit);
    count += unit.creators;
    creators += unit.creators;
  }
  if (current.length > 0) batches.push(current);
  return { edits: batches.map((b) => serializeBatch(b, wholeLeaves)), creators };
}

/** True when the element carries a creator tag (`cl:creator`, whatever its prefix). */
export function isCreatorTagged(el: Element): boolean {
  for (const name of Object.keys(el.getAttributes())) {
    if (name === 'creator' || name.endsWith(':creator')) return true;
  }
  return false;
}

/** Creator-tagged elements in the subtree of `el`, itself included. */
export function countCreators(el: Element): number {
  let n = isCreatorTagged(el) ? 1 : 0;
  for (const c of el.getChildren()) n += countCreators(c);
  return n;
}

function isLeaf(el: Element): boolean {
  return el.getChildren().length === 0;
}

function collect(parent: Element, path: Element[], units: Unit[], wholeLeaves: Set<Element>, batchSize: number): void {
  const deleted = parent.getDeletedChildren();
  const gone = new Map<string, Element>();
  for (const d of deleted) gone.set(identity(d), d);
  const putBack = new Set<Element>();
  for (const child of parent.getChildren()) {
    if (child.isModified()) {
      const old = gone.size > 0 ? gone.get(identity(child)) : undefined;
      if (old) {
        // Removing then merging would depend on the order the controller applies them: replace says it at once.
        putBack.add(old);
        units.push({ path, node: child, remove: false, replace: true, creators: countCreators(child) });
      } else addWhole(child, path, units, wholeLeaves, batchSize);
    } else if (child.hasModifiedDescendant()) {
      collect(child, [...path, child], units, wholeLeaves, batchSize);
    }
  }
  for (const d of deleted) if (!putBack.has(d)) units.push({ path, node: d, remove: true, creators: 0 });
}

/** Name and list key: what makes a re-created node the same node as a deleted one. */
function identity(el: Element): string {
  return `${el.getName()}\u0000${entryKey(el)}`;
}

/** A created or changed node: whole, unless it holds more creator tags than a batch and can be cut below itself. */
function addWhole(node: Element, path: Element[], units: Unit[], wholeLeaves: Set<Element>, batchSize: number): void {
  const creators = countCreators(node);
  if (creators <= batchSize || isCreatorTagged(node) || isLeaf(node)) {
    units.push({ path, node, remove: false, creators });
    return;
  }
  // Merging a created container piecewise builds the same result: send it as an ancestor of its parts.
  wholeLeaves.add(node);
  const below = [...path, node];
  for (const child of node.getChildren()) {
    if (!isLeaf(child)) addWhole(child, below, units, wholeLeaves, batchSize);
  }
}

/** The nested tree of one batch: each ancestor once, its units in order. */
interface OutLevel {
  children: Map<Element, OutNode>;
  order: (OutNode | Unit)[];
}
interface OutNode extends OutLevel {
  el: Element;
}

function serializeBatch(batch: Unit[], wholeLeaves: Set<Element>): string {
  const top: OutLevel = { children: new Map(), order: [] };
  for (const unit of batch) {
    let at: OutLevel = top;
    for (const anc of unit.path) {
      let next = at.children.get(anc);
      if (!next) {
        next = { el: anc, children: new Map(), order: [] };
        at.children.set(anc, next);
        at.order.push(next);
      }
      at = next;
    }
    at.order.push(unit);
  }
  const out: string[] = [];
  for (const item of top.order) writeItem(item, out, wholeLeaves);
  return out.join('');
}

function writeItem(item: OutNode | Unit, out: string[], wholeLeaves: Set<Element>): void {
  if ('remove' in item) {
    if (item.remove) out.push(removal(item.node));
    else if (item.replace) {
      const xml = item.node.dumps();
      const at = 1 + item.node.getName().length;
      out.push(`${xml.slice(0, at)} xmlns:nc="${NC_NS}" nc:operation="replace"${xml.slice(at)}`);
    } else out.push(item.node.dumps());
    return;
  }
  const el = item.el;
  out.push(openTag(el.getName(), el.getAttributes()));
  const all = wholeLeaves.has(el);
  for (const c of el.getChildren()) {
    // Changed leaves travel as units of their own; the rest ride along to carry keys.
    if (isLeaf(c) && (all || !c.isModified())) out.push(c.dumps());
  }
  for (const sub of item.order) writeItem(sub, out, wholeLeaves);
  out.push(`</${el.getName()}>`);
}

/** `<name nc:operation="remove">` with the removed node's keys (or its value, for a leaf). */
function removal(el: Element): string {
  const attrs: Record<string, string> = {};
  for (const [k, v] of Object.entries(el.getAttributes())) {
    if (k === 'xmlns' || k.startsWith('xmlns:')) attrs[k] = v;
  }
  attrs['xmlns:nc'] = NC_NS;
  attrs['nc:operation'] = 'remove';
  if (isLeaf(el)) {
    const data = el.getData();
    return data === undefined || data === '' ? `${openTag(el.getName(), attrs, true)}` : `${openTag(el.getName(), attrs)}${escapeText(String(data))}</${el.getName()}>`;
  }
  const keys = keyChildren(el);
  return `${openTag(el.getName(), attrs)}${keys.map((k) => k.dumps()).join('')}</${el.getName()}>`;
}

/** The key leaves of a list entry: the registered keys, else `name`, else every leaf child. */
function keyChildren(el: Element): Element[] {
  const leaves = el.getChildren().filter(isLeaf);
  const names = getListKeys(el.getName()) ?? ['name'];
  const keys = leaves.filter((c) => names.includes(localName(c.getName())));
  return keys.length > 0 ? keys : leaves;
}

function localName(name: string): string {
  return name.slice(name.indexOf(':') + 1);
}

function openTag(name: string, attrs: Record<string, string>, selfClose = false): string {
  let s = `<${name}`;
  for (const [k, v] of Object.entries(attrs)) s += ` ${k}="${escapeAttr(v)}"`;
  return s + (selfClose ? '/>' : '>');
}

function escapeText(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function escapeAttr(s: string): string {
  return escapeText(s).replace(/"/g, '&quot;');
}
