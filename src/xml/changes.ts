/**
 * What changed in a config tree since it was parsed (the Element modification marks), as
 * the body of a merge edit-config: the one extraction the service server's edit builder
 * and the script client both use.
 *
 * What goes in: every created or changed node whole; the path down to it, each
 * unmodified ancestor carrying its registered list keys (getListKeys) when known, else its
 * leaf children (safe without YANG: merging an unchanged leaf changes nothing); every
 * removed child as `nc:operation="remove"` with its keys; an entry removed and created
 * again as one `nc:operation="replace"`. So an edit's size follows the change, not the
 * config. Untouched subtrees are never visited (hasModifiedDescendant prunes the walk).
 */
import { escapeAttr, escapeText, internals, type Element } from './element.ts';
import { entryKey, getListKeys, localName } from './keys.ts';

const NC_NS = 'urn:ietf:params:xml:ns:netconf:base:1.0';

/** One piece of a change, under its path of ancestors (top-level first). */
export interface Change {
  path: readonly Element[];
  node: Element;
  /** merge: sent whole; replace: removed and created again; remove: a stub with its keys. */
  op: 'merge' | 'replace' | 'remove';
}

export interface ChangeSet {
  changes: Change[];
  /** Created nodes sent piecewise (see CollectOptions.split): as ancestors, with all their attributes and leaves. */
  split: ReadonlySet<Element>;
}

export interface CollectOptions {
  /**
   * For a created node (not a leaf) that should not travel in one piece: it then goes as
   * the ancestor of its element children, each a change of its own (split again if this
   * says so). Merging a created container piecewise builds the same result.
   */
  split?: (node: Element) => boolean;
}

/** The changes under `root` (a document, or any element whose children are top-level config), in document order. */
export function collectChanges(root: Element, opts: CollectOptions = {}): ChangeSet {
  const out: Building = { changes: [], split: new Set() };
  collect(root, [], out, opts.split);
  return out;
}

/** The `<config>` contents (top-level elements, no wrapper) for these changes; '' for none. */
export function writeChanges(changes: readonly Change[], split: ReadonlySet<Element> = new Set()): string {
  const top: OutLevel = { children: new Map(), order: [] };
  for (const change of changes) {
    let at: OutLevel = top;
    for (const anc of change.path) {
      let next = at.children.get(anc);
      if (!next) {
        next = { el: anc, children: new Map(), order: [] };
        at.children.set(anc, next);
        at.order.push(next);
      }
      at = next;
    }
    at.order.push(change);
  }
  const out: string[] = [];
  for (const item of top.order) writeItem(item, out, split);
  return out.join('');
}

/** Everything changed under `root` as one edit-config body, or ''. */
export function changedConfig(root: Element): string {
  const { changes, split } = collectChanges(root);
  return writeChanges(changes, split);
}

/** A ChangeSet while it is collected. */
interface Building {
  changes: Change[];
  split: Set<Element>;
}

// (asked of every child of an ancestor on a change's path: internals.hasChildren reads none of them)
function isLeaf(el: Element): boolean {
  return !internals.hasChildren(internals.raw(el));
}

function collect(parent: Element, path: Element[], out: Building, split: CollectOptions['split']): void {
  const deleted = parent.getDeletedChildren();
  const gone = new Map<string, Element>();
  for (const d of deleted) gone.set(identity(d), d);
  const putBack = new Set<Element>();
  // raw children (no proxy made for each child of an ancestor on the way), and of a list not
  // read, only the entries added to it
  for (const child of internals.childrenRead(internals.raw(parent))) {
    if (child.isModified()) {
      const old = gone.size > 0 ? gone.get(identity(child)) : undefined;
      if (old) {
        // Removing then merging would depend on the order the controller applies them: replace says it at once.
        putBack.add(old);
        out.changes.push({ path, node: child, op: 'replace' });
      } else addWhole(child, path, out, split);
    } else if (child.hasModifiedDescendant()) {
      collect(child, [...path, child], out, split);
    }
  }
  for (const d of deleted) if (!putBack.has(d)) out.changes.push({ path, node: d, op: 'remove' });
}

/** Name and list key: what makes a re-created node the same node as a deleted one. */
function identity(el: Element): string {
  return `${el.getName()}\u0000${entryKey(el)}`;
}

function addWhole(node: Element, path: Element[], out: Building, split: CollectOptions['split']): void {
  if (!split || isLeaf(node) || !split(node)) {
    out.changes.push({ path, node, op: 'merge' });
    return;
  }
  out.split.add(node);
  const below = [...path, node];
  for (const child of node.getChildren()) {
    if (!isLeaf(child)) addWhole(child, below, out, split);
  }
}

/** The nested tree being written: each ancestor once, its changes in order. */
interface OutLevel {
  children: Map<Element, OutNode>;
  order: (OutNode | Change)[];
}
interface OutNode extends OutLevel {
  el: Element;
}

function writeItem(item: OutNode | Change, out: string[], split: ReadonlySet<Element>): void {
  if ('op' in item) {
    out.push(item.op === 'remove' ? removal(item.node) : item.op === 'replace' ? withOperation(item.node, 'replace') : item.node.dumps());
    return;
  }
  const el = item.el;
  if (split.has(el)) {
    // A created node sent piecewise: all of it that is not a change of its own.
    out.push(openTag(el.getName(), el.getAttributes()));
    for (const c of el.getChildren()) if (isLeaf(c)) out.push(c.dumps());
  } else {
    out.push(openTag(el.getName(), namespaceAttributes(el)));
    // Changed leaves travel as changes of their own; unchanged ones ride along to identify the entry.
    for (const c of carried(el)) if (!c.isModified()) out.push(c.dumps());
  }
  for (const sub of item.order) writeItem(sub, out, split);
  out.push(`</${el.getName()}>`);
}

/** What an unmodified ancestor carries: its registered list keys when it has them, else its leaf children. */
function carried(el: Element): Element[] {
  return keyLeaves(el, getListKeys(el.getName()));
}

/** `el` whole with `nc:operation` on its start tag. */
function withOperation(el: Element, op: string): string {
  const xml = el.dumps();
  const at = 1 + el.getName().length;
  return `${xml.slice(0, at)} xmlns:nc="${NC_NS}" nc:operation="${op}"${xml.slice(at)}`;
}

/** `<name nc:operation="remove">` with the removed node's keys (or its value, for a leaf). */
function removal(el: Element): string {
  const attrs: Record<string, string> = { ...namespaceAttributes(el), 'xmlns:nc': NC_NS, 'nc:operation': 'remove' };
  if (isLeaf(el)) {
    const data = el.getData();
    return data === undefined || data === '' ? openTag(el.getName(), attrs, true) : `${openTag(el.getName(), attrs)}${escapeText(String(data))}</${el.getName()}>`;
  }
  return `${openTag(el.getName(), attrs)}${keyChildren(el).map((k) => k.dumps()).join('')}</${el.getName()}>`;
}

/** The key leaves of a removed list entry: the registered keys, else `name`, else every leaf child. */
function keyChildren(el: Element): Element[] {
  return keyLeaves(el, getListKeys(el.getName()) ?? ['name']);
}

/** The leaf children named in `names` (by local name); all leaf children when no names, or none of them, are there. */
function keyLeaves(el: Element, names: readonly string[] | undefined): Element[] {
  const leaves = internals.leafChildren(internals.raw(el));
  if (!names) return leaves;
  const keys = leaves.filter((c) => names.includes(localName(c.getName())));
  return keys.length > 0 ? keys : leaves;
}

/** The namespace declarations of `el`: all an unmodified ancestor needs of its attributes. */
function namespaceAttributes(el: Element): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(el.getAttributes())) {
    if (k === 'xmlns' || k.startsWith('xmlns:')) out[k] = v;
  }
  return out;
}

function openTag(name: string, attrs: Record<string, string>, selfClose = false): string {
  let s = `<${name}`;
  for (const [k, v] of Object.entries(attrs)) s += ` ${k}="${escapeAttr(v)}"`;
  return s + (selfClose ? '/>' : '>');
}
