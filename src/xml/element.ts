/**
 * The config tree node: Element keeps its state in private fields and exposes methods
 * only, so every child name is reachable as a property through the proxy that each
 * public method returns. Internals (parser, serializer, paths) work on raw elements.
 * Also owns modification tracking and the compact/pretty/JSON/YAML writers.
 *
 * A parsed tree is lazy: an element read from an index (xmlindex.ts) gets its children and
 * text from the source when first asked for them (LAZY until then), and an element whose
 * subtree no edit has touched since the parse (no DIRTY) prints by copying its source,
 * when that source is already compact XML as dumps() writes it. So what a transaction costs
 * follows what the modules reach and change, not the size of the config.
 */
import { noteOrigin, originFrame } from './origin.ts';
import { entryKey } from './keys.ts';
import { selectPath } from './path.ts';
import { ByteWriter } from './writer.ts';
import { childrenOf, hasChildElements, isCanonical, readStartTag, textOf as indexedText, type XmlIndex } from './xmlindex.ts';

/** A node as users see it: the element's methods plus its children by name. */
export type XmlNode = Element & { readonly [child: string]: XmlNode | undefined };

/** The JSON form of a tree (see `Element.toJSON`). */
export type JsonValue = string | JsonValue[] | { [key: string]: JsonValue };

/** Misuse of the tree API (adding a node into itself, deleting a document root, …). */
export class XmlTreeError extends Error {
  override name = 'XmlTreeError';
}

/** An Element from another copy of this library was handed to this one: the two cannot mix. */
export class ForeignElementError extends XmlTreeError {
  override name = 'ForeignElementError';
  constructor(
    readonly operation: string,
    /** The element.ts URL of the copy that made the element. */
    readonly foreignSource: string,
  ) {
    super(
      `${operation}: the element comes from another copy of clixon-tsapi (${foreignSource}) than the one running here (${SOURCE}); ` +
        `elements cannot move between copies. Import the API as 'clixon-tsapi' (the server, try and runService map that name to their own copy) ` +
        `rather than by a path into another checkout or install, or hand the XML text over: parseString(el.dumps()).`,
    );
  }
}

const MODIFIED = 1;
const DESCENDANT = 2;
const DOCUMENT = 4;
const NEW = 8;
/** Children and text not read from the index yet. */
const LAZY = 16;
/** Something in this subtree changed since the parse (never cleared: its source no longer says what it holds). */
const DIRTY = 32;

/** Reaches the raw element behind a proxy (methods bind `this` to the raw element). */
const RAW: unique symbol = Symbol('raw');
/**
 * Brands every Element across copies of this library (Symbol.for is one symbol per process,
 * RAW is one per copy): an Element made by another installed copy is recognised as such,
 * and refused with a message saying so, instead of failing on its missing private fields.
 * The value is the URL of the copy's element.ts, which names the copy in that message.
 */
const BRAND = Symbol.for('clixon-tsapi.element');
const SOURCE = import.meta.url;
/** Lets the parser build raw elements without a proxy per node. */
const INTERNAL: unique symbol = Symbol('internal');

/** The `_` form of an XML name: `-`, `.` and `:` become `_`. */
export function underscoreName(name: string): string {
  return name.replace(/[-.:]/g, '_');
}

/** True when `name` is `xml` or its `_` form (`ssh_users` matches `ssh-users`). */
function sameUnderscored(xml: string, name: string): boolean {
  if (xml.length !== name.length) return false;
  for (let i = 0; i < xml.length; i++) {
    const a = xml.charCodeAt(i);
    const b = name.charCodeAt(i);
    if (a === b) continue;
    // '_' in the wanted name stands for '-', '.' or ':' in the XML name
    if (b !== 95 || (a !== 45 && a !== 46 && a !== 58)) return false;
  }
  return true;
}

/** Matches an XML name against a wanted name: exact, else its `_` form. */
export function nameMatches(xml: string, name: string): boolean {
  return xml === name || sameUnderscored(xml, name);
}

const TEXT_ESCAPE = /[&<>]/;
const ATTR_ESCAPE = /[&<>"]/;

export function escapeText(s: string): string {
  if (!TEXT_ESCAPE.test(s)) return s;
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

export function escapeAttr(s: string): string {
  if (!ATTR_ESCAPE.test(s)) return s;
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

export interface CreateOptions {
  attributes?: Record<string, string>;
  data?: string | number | boolean;
}

export interface GetElementsOptions {
  /** Keep only elements whose text equals this. */
  text?: string;
  /** Search all descendants (document order), not only the children. */
  recursive?: boolean;
}

export interface ToXmlOptions {
  pretty?: boolean;
  /** Spaces per level when pretty; default 2. */
  indent?: number;
}

/** Internal access for the parser and path code (not exported from index.ts). */
export interface Internals {
  /** The document root of an indexed document: its elements are read when reached. */
  lazyDocument(ix: XmlIndex): Element;
  /** A parsed element; the parser hands over the children with setChildren. */
  make(name: string, attrs: string[] | null, parent: Element): Element;
  setChildren(el: Element, children: Element[]): void;
  makeDocument(): Element;
  setText(el: Element, text: string): void;
  getText(el: Element): string;
  /** Has child elements (without reading an element not read yet). */
  hasChildren(el: Element): boolean;
  /**
   * The children that can hold changes, without reading any: all of them, or for an element
   * whose children were not read yet, those added to it since (nothing else below it can
   * have changed).
   */
  childrenRead(el: Element): readonly Element[];
  /** The children without child elements, in order; of an element not read yet, read apart (detached) without reading the others. */
  leafChildren(el: Element): Element[];
  children(el: Element): readonly Element[];
  parent(el: Element): Element | null;
  name(el: Element): string;
  raw(el: Element): Element;
  proxy(el: Element): XmlNode;
}

// Assigned in Element's static block, which alone can reach the private fields.
export let internals: Internals;

const handler: ProxyHandler<Element> = {
  get(target, prop) {
    if (typeof prop === 'symbol' || prop in target) {
      const v: unknown = Reflect.get(target, prop, target);
      return typeof v === 'function' ? v.bind(target) : v;
    }
    return target.child(prop);
  },
  has(target, prop) {
    return prop in target || (typeof prop === 'string' && target.child(prop) !== undefined);
  },
  set() {
    // Children are edited with create/add/delete/setData, never by assignment.
    return false;
  },
  deleteProperty() {
    return false;
  },
};

export class Element {
  #name: string;
  /** Attributes as flat name/value pairs, in document order. */
  #attrs: string[] | null;
  #text: string;
  #kids: Element[] | null;
  #parent: Element | null;
  #flags: number;
  #proxy: XmlNode | null;
  #deleted: Element[] | null;
  /** The index this element was read from, its number there (-1: the document) and where its content starts (-1: none). */
  #ix: XmlIndex | null;
  #at: number;
  #content: number;

  get #children(): Element[] | null {
    if (this.#flags & LAZY) this.#load();
    return this.#kids;
  }

  set #children(kids: Element[] | null) {
    if (this.#flags & LAZY) this.#load();
    this.#kids = kids;
  }

  get #data(): string {
    if (this.#flags & LAZY) this.#load();
    return this.#text;
  }

  set #data(text: string) {
    if (this.#flags & LAZY) this.#load();
    this.#text = text;
  }

  /** Reads this element's children (as lazy elements) and text from the index; children added before follow them. */
  #load(): void {
    this.#flags &= ~LAZY;
    const ix = this.#ix!;
    if (this.#content < 0 && this.#at >= 0) return;
    const kids = childrenOf(ix, this.#at);
    if (kids.length > 0) {
      const added = this.#kids;
      const els = new Array<Element>(kids.length);
      for (let i = 0; i < kids.length; i++) els[i] = Element.#fromIndex(ix, kids[i]!, this);
      this.#kids = added === null ? els : els.concat(added);
    }
    if (this.#at >= 0) this.#text = indexedText(ix, this.#at, this.#content, kids);
  }

  static #fromIndex(ix: XmlIndex, at: number, parent: Element | null): Element {
    const tag = readStartTag(ix, at);
    const el = new Element(tag.name, undefined, INTERNAL);
    el.#attrs = tag.attrs;
    el.#parent = parent;
    el.#ix = ix;
    el.#at = at;
    if (!tag.selfClosing) {
      el.#content = tag.contentStart;
      el.#flags = LAZY;
    }
    return el;
  }

  static {
    internals = {
      lazyDocument(ix) {
        const el = new Element('', undefined, INTERNAL);
        el.#flags = DOCUMENT | LAZY;
        el.#ix = ix;
        return el;
      },
      make(name, attrs, parent) {
        const el = new Element(name, undefined, INTERNAL);
        el.#attrs = attrs;
        el.#parent = parent;
        return el;
      },
      setChildren(el, children) {
        el.#children = children;
      },
      makeDocument() {
        const el = new Element('', undefined, INTERNAL);
        el.#flags = DOCUMENT;
        return el;
      },
      setText(el, text) {
        el.#data = text;
      },
      getText: (el) => el.#data,
      // an element not read yet asks its index, so telling a leaf reads nothing
      hasChildren: (el) => (el.#kids !== null && el.#kids.length > 0) || (el.#flags & LAZY ? hasChildElements(el.#ix!, el.#at) : false),
      childrenRead: (el) => el.#kids ?? [],
      leafChildren(el) {
        if (!(el.#flags & LAZY)) return (el.#kids ?? []).filter((c) => !internals.hasChildren(c));
        // read from the index, detached: none of the other children is read
        const ix = el.#ix!;
        const out: Element[] = [];
        for (const k of childrenOf(ix, el.#at)) if (!hasChildElements(ix, k)) out.push(Element.#fromIndex(ix, k, null));
        return out;
      },
      children: (el) => el.#children ?? [],
      parent: (el) => el.#parent,
      name: (el) => el.#name,
      raw: (el) => own(el, 'the tree API'),
      proxy: (el) => el.#node(),
    };
  }

  /**
   * A new detached element. The result is the navigable node (`new Element('a')` can
   * be used as an XmlNode; `element()` gives it that type).
   */
  constructor(name: string, opts?: CreateOptions, internal?: typeof INTERNAL) {
    this.#name = name;
    this.#attrs = null;
    this.#text = '';
    this.#kids = null;
    this.#parent = null;
    this.#flags = 0;
    this.#proxy = null;
    this.#deleted = null;
    this.#ix = null;
    this.#at = -1;
    this.#content = -1;
    if (internal === INTERNAL) return;
    if (opts?.attributes) this.#attrs = flatten(opts.attributes);
    if (opts?.data !== undefined) this.#data = String(opts.data);
    this.#flags = NEW | MODIFIED;
    return this.#node();
  }

  get [RAW](): Element {
    return this;
  }

  get [BRAND](): string {
    return SOURCE;
  }

  /** Where module code created or last changed this node (`file:line`), when origin capture was on. */
  getOrigin(): string | undefined {
    // A node parsed inside a subtree that module code added has the add()'s origin.
    for (let p: Element | null = this; p; p = p.#parent) {
      const origin = originFrame(p);
      if (origin) return origin;
    }
    return undefined;
  }

  #node(): XmlNode {
    return (this.#proxy ??= new Proxy(this, handler) as XmlNode);
  }

  // ---- identity -------------------------------------------------------------------

  /** The XML name, prefix included (`ssh-users`, `cl:foo`); '' for a document root. */
  getName(): string {
    return this.#name;
  }

  getParent(): XmlNode | undefined {
    const p = this.#parent;
    return p === null ? undefined : p.#node();
  }

  /** Ancestors, nearest first, the document root last. */
  getParents(): XmlNode[] {
    const out: XmlNode[] = [];
    for (let p = this.#parent; p; p = p.#parent) out.push(p.#node());
    return out;
  }

  /** The top of this tree (the document root after a parse). */
  getRoot(): XmlNode {
    let el: Element = this;
    while (el.#parent) el = el.#parent;
    return el.#node();
  }

  getChildren(): XmlNode[] {
    return this.#children ? this.#children.map((c) => c.#node()) : [];
  }

  /** The first child named `name` (exact XML name, else its `_` form). */
  child(name: string): XmlNode | undefined {
    const c = this.#child(name);
    return c === undefined ? undefined : c.#node();
  }

  #child(name: string): Element | undefined {
    const kids = this.#children;
    if (kids === null) return undefined;
    for (let i = 0; i < kids.length; i++) if (kids[i]!.#name === name) return kids[i];
    // the `_` form can only differ where the wanted name has a '_'
    if (name.includes('_')) {
      for (let i = 0; i < kids.length; i++) if (sameUnderscored(kids[i]!.#name, name)) return kids[i];
    }
    return undefined;
  }

  /**
   * Children (or, recursive, all descendants in document order) named `name` (exact or
   * `_` form; any name when omitted), optionally only those whose text is `opts.text`.
   */
  getElements(name?: string, opts: GetElementsOptions = {}): XmlNode[] {
    const out: XmlNode[] = [];
    const visit = (el: Element): void => {
      if (el.#children === null) return;
      for (const c of el.#children) {
        if ((name === undefined || nameMatches(c.#name, name)) && (opts.text === undefined || c.#data === opts.text)) {
          out.push(c.#node());
        }
        if (opts.recursive) visit(c);
      }
    };
    visit(this);
    return out;
  }

  /**
   * The entry among children named `name` whose list key matches: `key` is its entryKey
   * (the registered key's value, else its `name` child; a leaf-list entry's text), or a
   * record of key children and their values.
   */
  getEntry(name: string, key: string | Record<string, string>): XmlNode | undefined {
    const kids = this.#children;
    if (kids === null) return undefined;
    for (const c of kids) {
      if (!nameMatches(c.#name, name)) continue;
      if (typeof key === 'string') {
        if (entryKey(c) === key) return c.#node();
      } else if (Object.entries(key).every(([k, v]) => textOf(c.#child(k)) === v)) return c.#node();
    }
    return undefined;
  }

  isDocument(): boolean {
    return (this.#flags & DOCUMENT) !== 0;
  }

  // ---- data -----------------------------------------------------------------------

  /** The element's text, decoded; '' for a container. */
  getData(): string;
  /** The text converted, e.g. `getData(Number)`. */
  getData<T>(convert: (text: string) => T): T;
  getData<T>(convert?: (text: string) => T): string | T {
    return convert ? convert(this.#data) : this.#data;
  }

  setData(value: string | number | boolean): void {
    const s = String(value);
    if (s === this.#data) return;
    this.#data = s;
    noteOrigin(this, this.#name, this.#parent ? this.#parent.#name : '', 'data');
    this.#mark();
  }

  /** The text, so a node reads naturally in template literals. */
  toString(): string {
    return this.#data;
  }

  // ---- attributes -----------------------------------------------------------------

  /** A copy of the attributes, in document order, names with their prefixes. */
  getAttributes(): Record<string, string> {
    const out: Record<string, string> = {};
    const a = this.#attrs;
    if (a) for (let i = 0; i < a.length; i += 2) out[a[i]!] = a[i + 1]!;
    return out;
  }

  getAttribute(name: string): string | undefined {
    const a = this.#attrs;
    if (a) for (let i = 0; i < a.length; i += 2) if (a[i] === name) return a[i + 1];
    return undefined;
  }

  /** Replaces all attributes. */
  setAttributes(attributes: Record<string, string>): void {
    this.#attrs = flatten(attributes);
    this.#mark();
  }

  /** Sets the given attributes, keeping the others (and their order). */
  updateAttributes(attributes: Record<string, string>): void {
    const a = (this.#attrs ??= []);
    let changed = false;
    for (const [k, v] of Object.entries(attributes)) {
      const i = findAttr(a, k);
      if (i < 0) a.push(k, v);
      else if (a[i + 1] === v) continue;
      else a[i + 1] = v;
      changed = true;
    }
    if (changed) this.#mark();
  }

  deleteAttribute(name: string): void {
    const a = this.#attrs;
    const i = a ? findAttr(a, name) : -1;
    if (i < 0) return;
    a!.splice(i, 2);
    this.#mark();
  }

  // ---- editing --------------------------------------------------------------------

  /** Appends a new child and returns it. */
  create(name: string, opts: CreateOptions = {}): XmlNode {
    const el = new Element(name, undefined, INTERNAL);
    if (opts.attributes) el.#attrs = flatten(opts.attributes);
    if (opts.data !== undefined) el.#data = String(opts.data);
    noteOrigin(el, name, this.#name, 'create');
    this.#append(el);
    return el.#node();
  }

  /**
   * Appends `node` (moving it out of its current tree) and returns it. Adding a document
   * root moves its top-level elements in and returns the first of them.
   */
  add(node: Element): XmlNode {
    const el = own(node, 'add()');
    if (el.#flags & DOCUMENT) {
      const kids = el.#children ? [...el.#children] : [];
      if (kids.length === 0) throw new XmlTreeError('cannot add an empty document');
      for (const k of kids) {
        noteOrigin(k, k.#name, this.#name, 'add');
        this.#append(k.#detach(false));
      }
      return kids[0]!.#node();
    }
    for (let p: Element | null = this; p; p = p.#parent) {
      if (p === el) throw new XmlTreeError(`cannot add <${el.#name}> inside itself`);
    }
    noteOrigin(el, el.#name, this.#name, 'add');
    this.#append(el.#detach(true));
    return el.#node();
  }

  #append(el: Element): void {
    el.#parent = this;
    // children not read yet: the new one waits in #kids and follows them once they are read,
    // so that adding to a long list reads none of it
    if (this.#flags & LAZY) (this.#kids ??= []).push(el);
    else if (this.#children === null) this.#children = [el];
    else this.#children.push(el);
    el.#flags |= NEW;
    el.#mark();
  }

  /** Removes this element from its parent; `recordDeletion` notes it there. */
  #detach(recordDeletion: boolean): Element {
    const p = this.#parent;
    if (p === null) return this;
    const kids = p.#children!;
    kids.splice(kids.indexOf(this), 1);
    p.#dirty();
    if (recordDeletion) p.#recordDeleted(this);
    this.#parent = null;
    return this;
  }

  /**
   * Notes a removed child, unless it never reached the datastore: `probe` (the child, still
   * in place) or one of its ancestors was created since the parse.
   */
  #recordDeleted(el: Element, probe: Element = el): void {
    if (this.#flags & DOCUMENT) return;
    for (let p: Element | null = probe; p; p = p.#parent) if (p.#flags & NEW) return;
    (this.#deleted ??= []).push(el);
    this.#markDescendant();
  }

  /**
   * Deletes: with no argument this element itself; with a name every child of that name
   * (`*`: all children); with a node that child.
   */
  delete(target?: string | Element): void {
    if (target === undefined) {
      if (this.#parent === null) throw new XmlTreeError('cannot delete a node without a parent');
      this.#detach(true);
      return;
    }
    if (typeof target !== 'string') {
      const el = own(target, 'delete()');
      if (el.#parent === this) el.#detach(true);
      return;
    }
    const kids = this.#children;
    if (kids === null) return;
    for (const c of [...kids]) if (target === '*' || nameMatches(c.#name, target)) c.#detach(true);
  }

  /** Puts `node` where this element is, removing this one; returns the new node. */
  replace(node: Element): XmlNode {
    const el = own(node, 'replace()');
    const p = this.#parent;
    if (p === null) throw new XmlTreeError('cannot replace a node without a parent');
    if (el === this) return this.#node();
    for (let a: Element | null = p; a; a = a.#parent) {
      if (a === el) throw new XmlTreeError(`cannot replace a node by its ancestor <${el.#name}>`);
    }
    el.#detach(true);
    p.#recordDeleted(this);
    const kids = p.#children!;
    kids[kids.indexOf(this)] = el;
    el.#parent = p;
    this.#parent = null;
    el.#flags |= NEW;
    el.#mark();
    return el.#node();
  }

  /** Changes the XML name; the old entry counts as deleted from the parent. */
  rename(newName: string): void {
    if (newName === this.#name) return;
    if (this.#parent) this.#parent.#recordDeleted(this.#clone(), this);
    this.#name = newName;
    this.#mark();
  }

  /** A deep, detached, unmodified copy. */
  copy(): XmlNode {
    return this.#clone().#node();
  }

  #clone(): Element {
    const el = new Element(this.#name, undefined, INTERNAL);
    el.#attrs = this.#attrs ? [...this.#attrs] : null;
    if (this.#ix !== null && !(this.#flags & DIRTY)) {
      // as parsed: the copy reads the same source when reached
      el.#ix = this.#ix;
      el.#at = this.#at;
      el.#content = this.#content;
      el.#flags = (this.#flags & DOCUMENT) | LAZY;
      return el;
    }
    el.#data = this.#data;
    el.#flags = this.#flags & DOCUMENT;
    if (this.#children) {
      el.#children = this.#children.map((c) => {
        const k = c.#clone();
        k.#parent = el;
        return k;
      });
    }
    return el;
  }

  // ---- queries --------------------------------------------------------------------

  /** The first node at a path relative to this one (`a/b[k='v']/c`, `..`, `[N]` from 0). */
  find(path: string): XmlNode | undefined {
    return selectPath(this, path, true)[0];
  }

  /** All nodes at a path relative to this one. */
  findAll(path: string): XmlNode[] {
    return selectPath(this, path, false);
  }

  // ---- iteration ------------------------------------------------------------------

  /** This element, then its following siblings of the same name. */
  *[Symbol.iterator](): IterableIterator<XmlNode> {
    const p = this.#parent;
    if (p === null) {
      yield this.#node();
      return;
    }
    const kids = p.#children!;
    for (let i = kids.indexOf(this); i < kids.length; i++) {
      if (kids[i]!.#name === this.#name) yield kids[i]!.#node();
    }
  }

  // ---- modification tracking ------------------------------------------------------

  /** Created, added, renamed, replaced in, or its data or attributes changed. */
  isModified(): boolean {
    return (this.#flags & MODIFIED) !== 0;
  }

  /**
   * Something below changed (a modified node or a deleted child). Ancestors of a subtree
   * cleared with clearModified() may keep answering true until they are cleared.
   */
  hasModifiedDescendant(): boolean {
    return (this.#flags & DESCENDANT) !== 0;
  }

  /** Children removed since the parse or the last clearModified(). */
  getDeletedChildren(): XmlNode[] {
    return this.#deleted ? this.#deleted.map((c) => c.#node()) : [];
  }

  /** Forgets all changes in this subtree. */
  clearModified(): void {
    this.#flags &= DOCUMENT | LAZY | DIRTY;
    this.#deleted = null;
    // (of an element not read yet, only the children added to it can have changed: they are its #kids)
    if (this.#kids) for (const c of this.#kids) c.clearModified();
  }

  #mark(): void {
    this.#flags |= MODIFIED | DIRTY;
    if (this.#parent !== null) {
      // (a node coming in may be dirty already: its new parent is marked all the same)
      this.#parent.#dirty();
      this.#parent.#markDescendant();
    }
  }

  // Walks up, stopping at the first ancestor already dirty: its ancestors are too.
  #dirty(): void {
    for (let p: Element | null = this; p !== null && !(p.#flags & DIRTY); p = p.#parent) p.#flags |= DIRTY;
  }

  // Walks up, stopping at the first ancestor already marked: its ancestors are too.
  #markDescendant(): void {
    for (let p: Element | null = this; p !== null && !(p.#flags & DESCENDANT); p = p.#parent) p.#flags |= DESCENDANT;
  }

  // ---- output ---------------------------------------------------------------------

  /** Compact XML; a document root prints its children only. */
  dumps(): string {
    const w = new ByteWriter();
    if (this.#flags & DOCUMENT) {
      if (this.#children) for (const c of this.#children) c.#write(w, null, '');
    } else this.#write(w, null, '');
    return w.done();
  }

  /** XML text: compact by default, or indented (leaves on one line) with `pretty`. */
  toXml(opts: ToXmlOptions = {}): string {
    if (!opts.pretty) return this.dumps();
    const unit = ' '.repeat(opts.indent ?? 2);
    const w = new ByteWriter();
    if (this.#flags & DOCUMENT) {
      if (this.#children) for (const c of this.#children) c.#write(w, unit, '');
    } else this.#write(w, unit, '');
    return w.done();
  }

  /** Writes this element; `unit` is the indent step when pretty, null when compact. */
  #write(w: ByteWriter, unit: string | null, pad: string): void {
    const ix = this.#ix;
    if (unit === null && ix !== null && !(this.#flags & DIRTY) && this.#at >= 0 && isCanonical(ix, this.#at)) {
      w.source(ix.xml, ix.starts[this.#at]!, ix.ends[this.#at]!);
      return;
    }
    if (unit !== null) w.raw(pad);
    w.raw('<');
    w.raw(this.#name);
    const a = this.#attrs;
    if (a !== null) {
      for (let i = 0; i < a.length; i += 2) {
        w.raw(' ');
        w.raw(a[i]!);
        w.raw('="');
        w.attr(a[i + 1]!);
        w.raw('"');
      }
    }
    const kids = this.#children;
    if (kids === null || kids.length === 0) {
      if (this.#data === '') w.raw(unit === null ? '/>' : '/>\n');
      else {
        w.raw('>');
        w.text(this.#data);
        w.raw('</');
        w.raw(this.#name);
        w.raw(unit === null ? '>' : '>\n');
      }
      return;
    }
    if (unit === null) {
      w.raw('>');
      if (this.#data !== '') w.text(this.#data);
      for (let i = 0; i < kids.length; i++) kids[i]!.#write(w, null, '');
      w.raw('</');
    } else {
      w.raw('>\n');
      const inner = pad + unit;
      if (this.#data !== '') {
        w.raw(inner);
        w.text(this.#data);
        w.raw('\n');
      }
      for (let i = 0; i < kids.length; i++) kids[i]!.#write(w, unit, inner);
      w.raw(pad);
      w.raw('</');
    }
    w.raw(this.#name);
    w.raw(unit === null ? '>' : '>\n');
  }

  /**
   * `{ name: value }` (a document: one key per top-level name). A value is the text for a
   * leaf, an object of children otherwise; repeated names become arrays; attributes are
   * `@name` keys, and text beside attributes or children is `#text`.
   */
  toJSON(): JsonValue {
    if (this.#flags & DOCUMENT) return this.#jsonChildren();
    return { [this.#name]: this.#jsonValue() };
  }

  #jsonValue(): JsonValue {
    const kids = this.#children;
    const a = this.#attrs;
    if ((kids === null || kids.length === 0) && (a === null || a.length === 0)) return this.#data;
    const obj: { [key: string]: JsonValue } = {};
    if (a !== null) for (let i = 0; i < a.length; i += 2) obj['@' + a[i]] = a[i + 1]!;
    if (this.#data !== '') obj['#text'] = this.#data;
    Object.assign(obj, this.#jsonChildren());
    return obj;
  }

  #jsonChildren(): { [key: string]: JsonValue } {
    const obj: { [key: string]: JsonValue } = {};
    for (const c of this.#children ?? []) {
      const v = c.#jsonValue();
      const prev = obj[c.#name];
      if (prev === undefined) obj[c.#name] = v;
      else if (Array.isArray(prev)) prev.push(v);
      else obj[c.#name] = [prev, v];
    }
    return obj;
  }

  /** YAML of the same structure as toJSON(). */
  toYaml(): string {
    return yamlValue(this.toJSON(), '') + '\n';
  }

  [Symbol.for('nodejs.util.inspect.custom')](): string {
    const s = this.dumps();
    return s.length > 200 ? s.slice(0, 200) + '…' : s;
  }
}

/** A new detached element, typed for navigation. */
export function element(name: string, opts?: CreateOptions): XmlNode {
  return new Element(name, opts) as XmlNode;
}

function textOf(el: Element | undefined): string | undefined {
  return el === undefined ? undefined : el.getData();
}

function flatten(attributes: Record<string, string>): string[] {
  const out: string[] = [];
  for (const [k, v] of Object.entries(attributes)) out.push(k, String(v));
  return out;
}

function findAttr(a: string[], name: string): number {
  for (let i = 0; i < a.length; i += 2) if (a[i] === name) return i;
  return -1;
}

const YAML_PLAIN = /^[A-Za-z0-9_/][A-Za-z0-9_ ./-]*$/;
const YAML_RESERVED = /^(true|false|yes|no|on|off|null|y|n|~|[-+]?[0-9.]+(e[-+]?[0-9]+)?|0x[0-9a-f]+|0o[0-7]+)$/i;

function yamlScalar(s: string): string {
  // JSON strings are valid YAML double-quoted scalars
  if (s === '' || !YAML_PLAIN.test(s) || YAML_RESERVED.test(s) || s.endsWith(' ')) return JSON.stringify(s);
  return s;
}

function yamlKey(k: string): string {
  return /^[A-Za-z_][A-Za-z0-9_.:-]*$/.test(k) && !k.endsWith(':') ? k : JSON.stringify(k);
}

function yamlValue(v: JsonValue, pad: string): string {
  if (typeof v === 'string') return yamlScalar(v);
  if (Array.isArray(v)) {
    if (v.length === 0) return '[]';
    return v
      .map((item) => {
        if (typeof item === 'string') return pad + '- ' + yamlScalar(item);
        const body = yamlValue(item, pad + '  ');
        // the first line of a nested block sits after the dash
        return pad + '- ' + body.slice(pad.length + 2);
      })
      .join('\n');
  }
  const keys = Object.keys(v);
  if (keys.length === 0) return '{}';
  return keys
    .map((k) => {
      const item = v[k]!;
      if (typeof item === 'string') return pad + yamlKey(k) + ': ' + yamlScalar(item);
      const empty = Array.isArray(item) ? item.length === 0 : Object.keys(item).length === 0;
      if (empty) return pad + yamlKey(k) + ': ' + (Array.isArray(item) ? '[]' : '{}');
      return pad + yamlKey(k) + ':\n' + yamlValue(item, Array.isArray(item) ? pad : pad + '  ');
    })
    .join('\n');
}

/**
 * The raw element behind `node`, a node of this copy of the library. Anything else is a
 * usage error, typed: an Element of another copy (ForeignElementError) or not an Element.
 */
function own(node: unknown, operation: string): Element {
  // RAW is this copy's own symbol: only its Elements answer it (the fast path, as before).
  const el = (node as { [RAW]?: Element } | null | undefined)?.[RAW];
  if (el !== undefined) return el;
  if (node !== null && typeof node === 'object' && BRAND in node) {
    throw new ForeignElementError(operation, String((node as { [BRAND]: unknown })[BRAND]));
  }
  throw new XmlTreeError(`${operation} takes an Element, got ${node === null ? 'null' : typeof node}`);
}

/** True for a node of this copy of the library (false for another copy's Element, or anything else). */
export function isElement(value: unknown): value is XmlNode {
  return value !== null && typeof value === 'object' && (value as { [RAW]?: Element })[RAW] !== undefined;
}
