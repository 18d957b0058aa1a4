/**
 * The one XML scanner: a strict single pass (indexOf-driven) that lexes, decodes
 * entities, checks well-formedness and reports XmlParseError with line, column and an
 * excerpt; it builds nothing itself, a TreeBuilder makes the nodes. src/xml builds its
 * Elements with it, src/sim its plain SNodes (the simulator keeps its own node type for
 * multi-MB datastores; see src/sim/tree.ts), so both parse the same XML the same way.
 * Kept: elements, attributes (order, prefixes, xmlns), text (entities decoded), CDATA
 * (as text). Dropped: comments, processing instructions, the XML declaration, trailing
 * NUL bytes, and whitespace-only text between elements. DOCTYPE is refused.
 */

export class XmlParseError extends Error {
  override name = 'XmlParseError';
  /** 1-based. */
  line: number;
  /** 1-based, in characters. */
  column: number;
  /** The text around the error, newlines shown as ⏎. */
  excerpt: string;
  /** The file, when parsed with parseFile. */
  file?: string;

  constructor(reason: string, xml: string, pos: number) {
    let line = 1;
    let lineStart = 0;
    for (let i = xml.indexOf('\n'); i >= 0 && i < pos; i = xml.indexOf('\n', i + 1)) {
      line++;
      lineStart = i + 1;
    }
    const column = pos - lineStart + 1;
    const from = Math.max(0, pos - 30);
    const excerpt = (from > 0 ? '…' : '') + xml.slice(from, pos + 30).replace(/\r?\n/g, '⏎') + (pos + 30 < xml.length ? '…' : '');
    super(`${reason} at line ${line}, column ${column}: ${excerpt}`);
    this.line = line;
    this.column = column;
    this.excerpt = excerpt;
  }
}

/**
 * Makes the nodes of one tree. Text reaches `close` whole, once: it may come in pieces
 * (entities, CDATA, comments between) and whitespace beside child elements is layout,
 * which only the scanner can tell; so there is no per-piece text call.
 */
export interface TreeBuilder<N> {
  /** A new element under `parent`; `attrs` are name/value pairs in document order, or null. */
  open(name: string, attrs: string[] | null, parent: N): N;
  /** The element ended: its children in order (null: none) and its text ('' when none). */
  close(node: N, children: N[] | null, text: string): void;
}

export interface ScanOptions {
  /** Text beside child elements is kept (concatenated); false refuses it as "mixed content". */
  mixedContent: boolean;
  /**
   * 'xml': a name is anything up to whitespace, `>` or `/` that does not start with a
   * digit, `-` or `.`; 'ascii': only `[A-Za-z_][-A-Za-z0-9_.:]*` (element and attribute names).
   */
  names: 'xml' | 'ascii';
}

const ENTITIES: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };
const ASCII_NAME = /^[A-Za-z_][-A-Za-z0-9_.:]*$/;

/** Decodes entity references in `s`, which starts at `base` in `xml`. */
export function decodeEntities(s: string, xml: string, base: number): string {
  let out = '';
  let last = 0;
  for (let amp = s.indexOf('&'); amp >= 0; amp = s.indexOf('&', last)) {
    const semi = s.indexOf(';', amp + 1);
    if (semi < 0 || semi - amp > 12) throw new XmlParseError('bare & (not an entity reference)', xml, base + amp);
    const ref = s.slice(amp + 1, semi);
    let ch: string | undefined;
    if (ref.charCodeAt(0) === 35 /* # */) {
      const hex = ref[1] === 'x';
      const digits = ref.slice(hex ? 2 : 1);
      const ok = hex ? /^[0-9a-fA-F]+$/.test(digits) : /^[0-9]+$/.test(digits);
      const cp = ok ? parseInt(digits, hex ? 16 : 10) : NaN;
      if (cp > 0 && cp <= 0x10ffff && !(cp >= 0xd800 && cp <= 0xdfff)) ch = String.fromCodePoint(cp);
    } else ch = ENTITIES[ref];
    if (ch === undefined) throw new XmlParseError(`unknown entity &${ref};`, xml, base + amp);
    out += s.slice(last, amp) + ch;
    last = semi + 1;
  }
  return out + s.slice(last);
}

export function isSpace(c: number): boolean {
  return c === 32 || c === 10 || c === 9 || c === 13;
}

export function allSpace(xml: string, from: number, to: number): boolean {
  for (let i = from; i < to; i++) if (!isSpace(xml.charCodeAt(i))) return false;
  return true;
}

/** Parses `xml` into `root` (a document node the builder made): its children are the top-level elements. */
export function scan<N>(xml: string, root: N, builder: TreeBuilder<N>, opts: ScanOptions): void {
  const mixed = opts.mixedContent;
  const ascii = opts.names === 'ascii';
  let len = xml.length;
  // Clixon's internal messages may end in NUL bytes (clixon-pyapi strips them too)
  while (len > 0 && xml.charCodeAt(len - 1) === 0) len--;
  // names repeat endlessly in configs: check each distinct name once, share one string
  const names = new Map<string, string>();
  const name = (raw: string, at: number, what: string): string => {
    const hit = names.get(raw);
    if (hit !== undefined) return hit;
    const first = raw.charCodeAt(0);
    if (ascii ? !ASCII_NAME.test(raw) : (first >= 48 && first <= 57) || first === 45 || first === 46) fail(`bad ${what} name ${raw}`, at);
    names.set(raw, raw);
    return raw;
  };
  const open: N[] = [];
  const openNames: string[] = [];
  const openAt: number[] = [];
  // the text of every open element above the current one
  const texts: string[] = [];
  // Children of every open element, stacked; each gets an exact-size array on close
  // (growing arrays one push at a time left most of their capacity unused).
  const kids: N[] = [];
  const firstKid: number[] = [];
  let kidsFrom = 0;
  let cur = root;
  let curText = '';
  let seenElement = false;
  let pos = xml.charCodeAt(0) === 0xfeff ? 1 : 0;
  const fail = (reason: string, at: number): never => {
    throw new XmlParseError(reason, xml, at);
  };

  const addText = (text: string, at: number): void => {
    if (open.length === 0) {
      if (!allSpace(text, 0, text.length)) fail(seenElement ? 'text after the root element' : 'text before the root element', at);
      return;
    }
    if (kids.length > kidsFrom) {
      // whitespace between child elements is layout, not data
      if (allSpace(text, 0, text.length)) return;
      if (!mixed) fail('mixed content', at);
    }
    curText = curText === '' ? text : curText + text;
  };

  const addChild = (el: N, at: number): void => {
    // a first child ends whitespace that only indented the parent's first line
    if (kids.length === kidsFrom && curText !== '') {
      if (allSpace(curText, 0, curText.length)) curText = '';
      else if (!mixed) fail('mixed content', at);
    }
    kids.push(el);
  };

  while (pos < len) {
    const lt = xml.indexOf('<', pos);
    const end = lt < 0 || lt > len ? len : lt;
    if (end > pos) {
      let text = xml.slice(pos, end);
      if (text.indexOf('&') >= 0) text = decodeEntities(text, xml, pos);
      addText(text, pos);
    }
    if (end === len) break;
    const c = xml.charCodeAt(lt + 1);

    if (c === 47 /* / */) {
      const depth = open.length;
      if (depth === 0) fail('closing tag without an open element', lt);
      const tag = openNames[depth - 1]!;
      let p = lt + 2 + tag.length;
      if (!xml.startsWith(tag, lt + 2) || !(isSpace(xml.charCodeAt(p)) || xml.charCodeAt(p) === 62)) {
        const gt = xml.indexOf('>', lt);
        fail(`mismatched closing tag </${xml.slice(lt + 2, gt < 0 ? lt + 40 : gt).trim()}>, expected </${tag}>`, lt);
      }
      while (isSpace(xml.charCodeAt(p))) p++;
      if (xml.charCodeAt(p) !== 62) fail(`unterminated closing tag </${tag}>`, lt);
      let children: N[] | null = null;
      if (kids.length > kidsFrom) {
        children = kids.slice(kidsFrom);
        kids.length = kidsFrom;
      }
      builder.close(cur, children, curText);
      open.pop();
      openNames.pop();
      openAt.pop();
      firstKid.pop();
      curText = texts.pop()!;
      kidsFrom = depth > 1 ? firstKid[depth - 2]! : 0;
      cur = depth > 1 ? open[depth - 2]! : root;
      pos = p + 1;
      continue;
    }

    if (c === 33 /* ! */) {
      if (xml.startsWith('<!--', lt)) {
        const e = xml.indexOf('-->', lt + 4);
        if (e < 0) fail('unterminated comment', lt);
        pos = e + 3;
      } else if (xml.startsWith('<![CDATA[', lt)) {
        const e = xml.indexOf(']]>', lt + 9);
        if (e < 0) fail('unterminated CDATA section', lt);
        if (open.length === 0) fail('CDATA outside an element', lt);
        const text = xml.slice(lt + 9, e);
        // CDATA is always data, even when only whitespace (where mixed content is
        // refused, whitespace CDATA beside children is layout like any other)
        if (mixed || kids.length === kidsFrom) curText = curText === '' ? text : curText + text;
        else if (!allSpace(text, 0, text.length)) fail('mixed content', lt);
        pos = e + 3;
      } else if (xml.startsWith('<!DOCTYPE', lt)) {
        fail('DOCTYPE is not supported', lt);
      } else fail('bad markup after <!', lt);
      continue;
    }

    if (c === 63 /* ? */) {
      const e = xml.indexOf('?>', lt + 2);
      if (e < 0) fail('unterminated processing instruction', lt);
      if (/^<\?xml[\s?]/.test(xml.slice(lt, lt + 6)) && (seenElement || !allSpace(xml, xml.charCodeAt(0) === 0xfeff ? 1 : 0, lt))) {
        fail('XML declaration not at the start', lt);
      }
      pos = e + 2;
      continue;
    }

    // start tag
    let p = lt + 1;
    for (; p < len; p++) {
      const ch = xml.charCodeAt(p);
      if (isSpace(ch) || ch === 62 || ch === 47) break;
      if (ch === 60 || ch === 61 || ch === 34 || ch === 39) fail('bad character in tag name', p);
    }
    if (p === lt + 1 || p >= len) fail(p >= len ? 'unterminated tag' : 'missing tag name', lt);
    const tag = name(xml.slice(lt + 1, p), lt + 1, 'tag');
    let attrs: string[] | null = null;
    for (;;) {
      const before = p;
      while (p < len && isSpace(xml.charCodeAt(p))) p++;
      if (p >= len) fail(`unterminated tag <${tag}>`, lt);
      const ch = xml.charCodeAt(p);
      if (ch === 62 /* > */) {
        const el = builder.open(tag, attrs, cur);
        addChild(el, lt);
        open.push(el);
        openNames.push(tag);
        openAt.push(lt);
        texts.push(curText);
        curText = '';
        kidsFrom = kids.length;
        firstKid.push(kidsFrom);
        cur = el;
        pos = p + 1;
        break;
      }
      if (ch === 47 /* / */) {
        if (xml.charCodeAt(p + 1) !== 62) fail('expected /> ', p);
        const el = builder.open(tag, attrs, cur);
        builder.close(el, null, '');
        addChild(el, lt);
        pos = p + 2;
        break;
      }
      if (p === before) fail('attributes must be separated by whitespace', p);
      const an = p;
      for (; p < len; p++) {
        const a = xml.charCodeAt(p);
        if (a === 61 || isSpace(a) || a === 62 || a === 47 || a === 60 || a === 34 || a === 39) break;
      }
      if (p === an) fail('bad attribute', p);
      const aname = name(xml.slice(an, p), an, 'attribute');
      while (p < len && isSpace(xml.charCodeAt(p))) p++;
      if (xml.charCodeAt(p) !== 61) fail(`attribute ${aname} without a value`, an);
      p++;
      while (p < len && isSpace(xml.charCodeAt(p))) p++;
      const q = xml.charCodeAt(p);
      if (q !== 34 && q !== 39) fail(`attribute ${aname} value must be quoted`, p);
      const e = xml.indexOf(q === 34 ? '"' : "'", p + 1);
      if (e < 0) fail(`unterminated value of attribute ${aname}`, p);
      let value = xml.slice(p + 1, e);
      const ltIn = value.indexOf('<');
      if (ltIn >= 0) fail(`< in value of attribute ${aname}`, p + 1 + ltIn);
      if (value.indexOf('&') >= 0) value = decodeEntities(value, xml, p + 1);
      if (attrs === null) attrs = [aname, value];
      else {
        for (let i = 0; i < attrs.length; i += 2) if (attrs[i] === aname) fail(`duplicate attribute ${aname}`, an);
        attrs.push(aname, value);
      }
      p = e + 1;
    }
    seenElement = true;
  }
  if (open.length > 0) fail(`unclosed tag <${openNames[open.length - 1]}>`, openAt[open.length - 1]!);
  builder.close(root, kids.length > 0 ? kids.slice() : null, '');
}
