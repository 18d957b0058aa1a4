/**
 * The simulator's own XML tree: a small, strict and fast node type for the datastores
 * and the wire. Strict because malformed XML must be refused (the backend answers
 * "XML parse error", mixed content included); separate from src/xml's proxy-based
 * Element because the datastores hold megabytes: nodes are plain objects (shared empty
 * attributes and children), copies are cheap, and each element caches its serialized
 * XML until it changes. An element can be packed (its children kept as that XML only,
 * parsed one level when reached): the datastores hold device configs so. Parsing is
 * src/xml's scanner with a builder making SNodes directly (building them from a parsed
 * Element through the public API was 2-3x slower on 16 MB), refusing mixed content and
 * names outside the ASCII rule.
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

const LT = 0x3c;
const SLASH = 0x2f;
const QUOTE = 0x22;
const GT = 0x3e;

/** Packed XML that is not SNode.write's: a bug, said loudly rather than looping on it. */
export class PackedXmlError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PackedXmlError';
  }
}

/** Index of the `>` ending the tag that starts at `i` (attribute values, which may hold `>`, skipped). */
function tagEnd(x: string, i: number): number {
  let quoted = false;
  for (let k = i + 1; k < x.length; k++) {
    const ch = x.charCodeAt(k);
    if (ch === QUOTE) quoted = !quoted;
    else if (ch === GT && !quoted) return k;
  }
  throw new PackedXmlError(`unterminated tag at ${i}`);
}

const ENTITY: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

function unescapeXml(s: string): string {
  if (!s.includes('&')) return s;
  return s.replace(/&(#x[0-9a-fA-F]+|#[0-9]+|amp|lt|gt|quot|apos);/g, (_, e: string) =>
    e[0] === '#' ? String.fromCodePoint(e[1] === 'x' ? parseInt(e.slice(2), 16) : Number(e.slice(1))) : ENTITY[e]!,
  );
}

/** Name and attributes of the start tag at x[start..end] (end at its `>`) into `n`. */
let readTag: (x: string, start: number, end: number, n: SNode) => void;

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
  /**
   * Packed: the children are not held as nodes, only in #xml (see SNode.pack); reading
   * them parses one level (unpack), and so does any change. A datastore holds each
   * device's config packed: a get-config of 80 MB serves the strings, a copy of the
   * datastore copies a string per device, and the heap holds a few objects per device
   * instead of a few million nodes, whose marking made most of a big get-config's time.
   */
  #packed = false;
  /** Where each child's XML ends in #xml, when pack() knew it (unpack then cuts instead of scanning). */
  #ends: number[] | undefined;

  static {
    readTag = (x, start, end, n) => {
      const stop = x.charCodeAt(end - 1) === SLASH ? end - 1 : end;
      let k = start + 1;
      while (k < stop && x.charCodeAt(k) !== 0x20) k++;
      n.#name = x.slice(start + 1, k);
      if (k >= stop) return;
      const m = new Map<string, string>();
      while (k < stop) {
        const eq = x.indexOf('="', k);
        const q = x.indexOf('"', eq + 2);
        m.set(x.slice(k + 1, eq), unescapeXml(x.slice(eq + 2, q)));
        k = q + 1;
      }
      n.#attrs = m;
    };
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
    this.unpack();
    this.#name = v;
    this.#local = undefined;
    this.changed();
  }

  /** Read freely; add with setAttr, or assign a new map (a node without attributes shares one empty map). */
  get attrs(): Map<string, string> {
    return this.#attrs;
  }

  set attrs(v: Map<string, string>) {
    this.unpack();
    this.#attrs = attrsOf(v);
    this.changed();
  }

  /** Change through append/insertAt/remove or by assigning a new array (leaves share one frozen empty array). */
  get children(): SNode[] {
    this.unpack();
    return this.#children;
  }

  set children(v: SNode[]) {
    this.#packed = false;
    this.#ends = undefined;
    this.#children = v;
    this.changed();
  }

  /** Whether the element has no child elements (a packed one has some; it is not unpacked to say so). */
  get isLeaf(): boolean {
    return !this.#packed && this.#children.length === 0;
  }

  get text(): string | null {
    return this.#text;
  }

  set text(v: string | null) {
    this.unpack();
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

  /**
   * Serializes the element and drops its children, keeping the XML only (see #packed);
   * an element without children stays as it is. The children dropped are detached, so
   * that a holder of one cannot change the packed XML through it.
   */
  static pack(n: SNode): void {
    if (n.#packed || n.#children.length === 0) return;
    // One flat string instead of the rope of the element's pieces (thousands of string
    // objects, walked again by every reply that holds them): slicing flattens.
    const xml = (n.#xml = (' ' + SNode.write(n)).slice(1));
    const ends: number[] = [];
    let at = tagEnd(xml, 0) + 1;
    for (const c of n.#children) {
      ends.push((at += SNode.write(c).length));
      c.parent = null;
    }
    n.#ends = ends;
    n.#children = NO_CHILDREN;
    n.#packed = true;
  }

  static isPacked(n: SNode): boolean {
    return n.#packed;
  }

  /** The element's serialized XML while it is cached (packed, or written and unchanged since). */
  static cachedXml(n: SNode): string | undefined {
    return n.#xml;
  }

  /**
   * Rebuilds a packed element's children from its XML, one level: each child with
   * children of its own comes packed, with its slice of the XML. The XML is SNode.write's
   * own (no comments, declarations or whitespace between elements; text and attribute
   * values escaped), so a scan for tags is a parse of it.
   */
  private unpack(): void {
    if (!this.#packed) return;
    this.#packed = false;
    const x = this.#xml!;
    const ends = this.#ends;
    this.#ends = undefined;
    const kids: SNode[] = [];
    let p = tagEnd(x, 0) + 1;
    while (x.charCodeAt(p + 1) !== SLASH) {
      const end = tagEnd(x, p);
      const c = new SNode('');
      readTag(x, p, end, c);
      c.parent = this;
      if (x.charCodeAt(end - 1) === SLASH) {
        kids.push(c);
        p = end + 1;
        continue;
      }
      const known = ends?.[kids.length];
      kids.push(c);
      if (x.charCodeAt(end + 1) === LT && x.charCodeAt(end + 2) !== SLASH) {
        if (known !== undefined) {
          c.#xml = x.slice(p, known);
          c.#packed = true;
          p = known;
          continue;
        }
        // Element children: to the matching close tag.
        let depth = 1;
        let q = end + 1;
        for (;;) {
          q = x.indexOf('<', q);
          if (q < 0) throw new PackedXmlError(`element at ${p} not closed`);
          if (x.charCodeAt(q + 1) === SLASH) {
            q = x.indexOf('>', q);
            if (--depth === 0) break;
          } else {
            q = tagEnd(x, q);
            if (x.charCodeAt(q - 1) !== SLASH) depth++;
          }
        }
        c.#xml = x.slice(p, q + 1);
        c.#packed = true;
        p = q + 1;
        continue;
      }
      const close = x.indexOf('<', end + 1);
      if (close > end + 1) c.#text = unescapeXml(x.slice(end + 1, close));
      p = x.indexOf('>', close) + 1;
    }
    this.#children = kids.length > 0 ? kids : NO_CHILDREN;
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
    this.unpack();
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
    this.unpack();
    child.parent = this;
    if (this.#children === NO_CHILDREN) this.#children = [child];
    else this.#children.push(child);
    this.changed();
    return child;
  }

  insertAt(index: number, child: SNode): SNode {
    this.unpack();
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
    n.#packed = this.#packed;
    n.#ends = this.#ends;
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
 * `onClose` sees each element once it is complete, its children included (the loader
 * packs device configs there, so that their nodes die young).
 */
export function parseXml(src: string, onClose?: (n: SNode) => void): SNode {
  const doc = new SNode('');
  const b: TreeBuilder<SNode> = onClose
    ? {
        open: builder.open,
        close(n, children, text) {
          builder.close(n, children, text);
          onClose(n);
        },
      }
    : builder;
  scan(src, doc, b, PARSE);
  return doc;
}

/** A fresh element in canonical datastore form: local name, default namespace when it differs. */
export function el(name: string, ns?: string, text?: string | null): SNode {
  const n = new SNode(name, ns ? { xmlns: ns } : {});
  if (text !== undefined) n.text = text;
  return n;
}
