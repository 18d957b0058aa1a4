/**
 * The simulator's own XML tree: a small, strict and fast node type for the datastores
 * and the wire. Strict because malformed XML must be refused (the backend answers
 * "XML parse error", mixed content included); separate from src/xml's proxy-based
 * Element because the datastores hold megabytes: nodes are plain objects (shared empty
 * attributes and children), copies are cheap, and each element caches its serialized
 * XML until it changes. Parsing is src/xml's scanner with a builder making SNodes
 * directly (building them from a parsed Element through the public API was 2-3x
 * slower on 16 MB), refusing mixed content and names outside the ASCII rule.
 */
import { escapeText } from '../xml/element.ts';
import { scan, type ScanOptions, type TreeBuilder } from '../xml/scan.ts';

/**
 * Shared by every node without attributes (most datastore nodes), so that a tree of
 * many thousand nodes does not hold a Map each. Reading, deleting and clearing are
 * no-ops; setting throws: add attributes with SNode.setAttr.
 */
class NoAttrs extends Map<string, string> {
  override set(): this {
    throw new TypeError('attributes of a node without any: use setAttr');
  }
}
const NO_ATTRS: Map<string, string> = new NoAttrs();
/** Shared by every node without children; frozen, so a stray push fails loudly. */
const NO_CHILDREN = Object.freeze([]) as unknown as SNode[];

function attrsOf(attrs: Record<string, string> | Map<string, string> | undefined): Map<string, string> {
  if (attrs instanceof Map) return attrs.size === 0 ? NO_ATTRS : attrs;
  if (attrs === undefined) return NO_ATTRS;
  const keys = Object.keys(attrs);
  return keys.length === 0 ? NO_ATTRS : new Map(keys.map((k) => [k, attrs[k]!]));
}

/**
 * parseXml's builder: sets the fields of fresh nodes directly (no cache to drop on a
 * node nobody has seen). Assigned in SNode's static block, which alone reaches them.
 */
let builder: TreeBuilder<SNode>;

export class SNode {
  #name: string;
  #local: string | undefined;
  #attrs: Map<string, string>;
  #children: SNode[] = NO_CHILDREN;
  #text: string | null = null;
  parent: SNode | null = null;
  /**
   * This element's XML while it and its subtree are unchanged (elements with children
   * only): a datastore is served whole after a few edits, so most of it is not
   * serialized again. Every change goes through a setter or method below, which drops
   * the cache here and in the ancestors; a copy keeps it (strings are immutable).
   */
  #xml: string | undefined;

  static {
    builder = {
      open(name, attrs, parent) {
        const n = new SNode(name);
        if (attrs !== null) {
          const m = new Map<string, string>();
          for (let i = 0; i < attrs.length; i += 2) m.set(attrs[i]!, attrs[i + 1]!);
          n.#attrs = m;
        }
        n.parent = parent;
        return n;
      },
      close(n, children, text) {
        if (children !== null) n.#children = children;
        else if (text !== '') n.#text = text;
      },
    };
  }

  constructor(name: string, attrs?: Record<string, string> | Map<string, string>, text?: string | null) {
    this.#name = name;
    this.#attrs = attrsOf(attrs);
    if (text !== undefined) this.#text = text;
  }

  get name(): string {
    return this.#name;
  }

  set name(v: string) {
    this.#name = v;
    this.#local = undefined;
    this.changed();
  }

  /** Read freely; add with setAttr, or assign a new map (a node without attributes shares one empty map). */
  get attrs(): Map<string, string> {
    return this.#attrs;
  }

  set attrs(v: Map<string, string>) {
    this.#attrs = attrsOf(v);
    this.changed();
  }

  /** Change through append/insertAt/remove or by assigning a new array (leaves share one frozen empty array). */
  get children(): SNode[] {
    return this.#children;
  }

  set children(v: SNode[]) {
    this.#children = v;
    this.changed();
  }

  get text(): string | null {
    return this.#text;
  }

  set text(v: string | null) {
    this.#text = v;
    this.changed();
  }

  /**
   * Drops the cached XML here and above. Above, the first ancestor without a cache ends
   * the walk: serializing an element caches every element with children below it, and
   * each change clears upward, so nothing above an uncached ancestor has a cache.
   */
  private changed(): void {
    this.#xml = undefined;
    for (let n = this.parent; n && n.#xml !== undefined; n = n.parent) n.#xml = undefined;
  }

  /** Compact XML of this element, cached for elements with children (see #xml). */
  static write(n: SNode): string {
    if (n.#xml !== undefined) return n.#xml;
    let s = '<' + n.#name;
    if (n.#attrs.size > 0) for (const [k, v] of n.#attrs) s += ' ' + k + '="' + escapeAttr(v) + '"';
    const kids = n.#children;
    if (kids.length === 0) {
      const t = n.#text;
      return t === null || t === '' ? s + '/>' : s + '>' + escapeText(t) + '</' + n.#name + '>';
    }
    s += '>';
    for (let i = 0; i < kids.length; i++) s += SNode.write(kids[i]!);
    return (n.#xml = s + '</' + n.#name + '>');
  }

  /** Cached: sorting and indexing thousands of siblings ask for it many times each. */
  get localName(): string {
    if (this.#local === undefined) {
      const i = this.#name.indexOf(':');
      this.#local = i < 0 ? this.#name : this.#name.slice(i + 1);
    }
    return this.#local;
  }

  get prefix(): string {
    const i = this.name.indexOf(':');
    return i < 0 ? '' : this.name.slice(0, i);
  }

  setAttr(name: string, value: string): void {
    if (this.#attrs === NO_ATTRS) this.#attrs = new Map();
    this.#attrs.set(name, value);
    this.changed();
  }

  /** The namespace bound to a prefix ('' = default) at this node. */
  lookupNs(prefix: string): string | undefined {
    const key = prefix === '' ? 'xmlns' : `xmlns:${prefix}`;
    for (let n: SNode | null = this; n; n = n.parent) {
      if (n.attrs.size === 0) continue;
      const v = n.attrs.get(key);
      if (v !== undefined) return v;
    }
    return undefined;
  }

  /** This element's namespace ('' when none is bound). */
  get ns(): string {
    return this.lookupNs(this.prefix) ?? '';
  }

  append(child: SNode): SNode {
    child.parent = this;
    if (this.#children === NO_CHILDREN) this.#children = [child];
    else this.#children.push(child);
    this.changed();
    return child;
  }

  insertAt(index: number, child: SNode): SNode {
    child.parent = this;
    if (this.#children === NO_CHILDREN) this.#children = [child];
    else this.#children.splice(index, 0, child);
    this.changed();
    return child;
  }

  remove(child: SNode): void {
    const i = this.#children.indexOf(child);
    if (i >= 0) {
      this.#children.splice(i, 1);
      this.changed();
    }
    child.parent = null;
  }

  /** First child with this local name (any namespace). */
  child(local: string): SNode | undefined {
    for (const c of this.children) if (c.localName === local) return c;
    return undefined;
  }

  childrenNamed(local: string): SNode[] {
    return this.children.filter((c) => c.localName === local);
  }

  /** Text of a child leaf, or undefined. */
  childText(local: string): string | undefined {
    const c = this.child(local);
    return c ? (c.text ?? '') : undefined;
  }

  /** Deep copy, detached. */
  clone(): SNode {
    const n = new SNode(this.#name, this.#attrs === NO_ATTRS ? NO_ATTRS : new Map(this.#attrs), this.#text);
    n.#xml = this.#xml;
    const kids = this.#children;
    if (kids.length > 0) {
      const out = new Array<SNode>(kids.length);
      for (let i = 0; i < kids.length; i++) {
        const c = kids[i]!.clone();
        c.parent = n;
        out[i] = c;
      }
      n.#children = out;
    }
    return n;
  }

  /**
   * Compact XML; a document root (name '') prints its children only. Built by string
   * concatenation (V8 ropes: far cheaper than joining hundreds of thousands of pieces).
   */
  toXml(): string {
    if (this.#name !== '') return SNode.write(this);
    let s = '';
    for (const c of this.#children) s += SNode.write(c);
    return s;
  }
}

// Unlike src/xml, `>` stays as is in attribute values (the simulator's tests pin this; clixon's
// xml_chardata_encode would write &gt;, and &apos; for ').
export function escapeAttr(s: string): string {
  if (!/[&<"]/.test(s)) return s;
  return s.replace(/[&<"]/g, (c) => (c === '&' ? '&amp;' : c === '<' ? '&lt;' : '&quot;'));
}

const PARSE: ScanOptions = { mixedContent: false, names: 'ascii' };

/**
 * Parses a document strictly (see src/xml/scan.ts), also refusing mixed content and
 * names outside `[A-Za-z_][-A-Za-z0-9_.:]*`. Returns a document root (name '') whose
 * children are the top-level elements. Whitespace-only text beside child elements is
 * dropped; a leaf keeps its text exactly (null when empty). Throws XmlParseError.
 */
export function parseXml(src: string): SNode {
  const doc = new SNode('');
  scan(src, doc, builder, PARSE);
  return doc;
}

/** A fresh element in canonical datastore form: local name, default namespace when it differs. */
export function el(name: string, ns?: string, text?: string | null): SNode {
  const n = new SNode(name, ns ? { xmlns: ns } : {});
  if (text !== undefined) n.text = text;
  return n;
}
