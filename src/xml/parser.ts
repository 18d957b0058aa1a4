/**
 * XML text to tree: a single-pass scanner (indexOf-driven) that builds raw elements
 * directly, strict where txml is lenient: any malformed input throws XmlParseError with
 * line, column and an excerpt, never a partial tree.
 * Kept: elements, attributes (order, prefixes, xmlns), text (entities decoded), CDATA
 * (as text). Dropped: comments, processing instructions, the XML declaration, and
 * whitespace-only text between elements. DOCTYPE is refused.
 */
import { readFileSync } from 'node:fs';
import { internals, type Element, type XmlNode } from './element.ts';

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

/** Parses XML text; the result is a document root whose children are the top-level elements. */
export function parseString(xml: string): XmlNode {
  const doc = internals.makeDocument();
  scan(xml, doc);
  return internals.proxy(doc);
}

/** Parses an XML file (UTF-8). */
export function parseFile(path: string): XmlNode {
  const xml = readFileSync(path, 'utf8');
  try {
    return parseString(xml);
  } catch (err) {
    if (err instanceof XmlParseError) {
      err.file = path;
      err.message = `${path}: ${err.message}`;
    }
    throw err;
  }
}

const ENTITIES: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

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

function isSpace(c: number): boolean {
  return c === 32 || c === 10 || c === 9 || c === 13;
}

function allSpace(xml: string, from: number, to: number): boolean {
  for (let i = from; i < to; i++) if (!isSpace(xml.charCodeAt(i))) return false;
  return true;
}

function scan(xml: string, doc: Element): void {
  const { make, setText, getText, setChildren } = internals;
  let len = xml.length;
  // Clixon's internal messages may end in NUL bytes (clixon-pyapi strips them too)
  while (len > 0 && xml.charCodeAt(len - 1) === 0) len--;
  // names repeat endlessly in configs: share one string per distinct name
  const names = new Map<string, string>();
  const intern = (raw: string): string => {
    const hit = names.get(raw);
    if (hit !== undefined) return hit;
    names.set(raw, raw);
    return raw;
  };
  const open: Element[] = [];
  const openNames: string[] = [];
  const openAt: number[] = [];
  // Children of every open element, stacked; each gets an exact-size array on close
  // (growing arrays one push at a time left most of their capacity unused).
  const kids: Element[] = [];
  const firstKid: number[] = [];
  let kidsFrom = 0;
  let cur = doc;
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
    // whitespace between child elements is layout, not data
    if (kids.length > kidsFrom && allSpace(text, 0, text.length)) return;
    const prev = getText(cur);
    setText(cur, prev === '' ? text : prev + text);
  };

  const addChild = (el: Element): void => {
    // a first child ends whitespace that only indented the parent's first line
    if (kids.length === kidsFrom && open.length > 0) {
      const data = getText(cur);
      if (data !== '' && allSpace(data, 0, data.length)) setText(cur, '');
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
      const name = openNames[depth - 1]!;
      let p = lt + 2 + name.length;
      if (!xml.startsWith(name, lt + 2) || !(isSpace(xml.charCodeAt(p)) || xml.charCodeAt(p) === 62)) {
        const gt = xml.indexOf('>', lt);
        fail(`mismatched closing tag </${xml.slice(lt + 2, gt < 0 ? lt + 40 : gt).trim()}>, expected </${name}>`, lt);
      }
      while (isSpace(xml.charCodeAt(p))) p++;
      if (xml.charCodeAt(p) !== 62) fail(`unterminated closing tag </${name}>`, lt);
      if (kids.length > kidsFrom) {
        setChildren(cur, kids.slice(kidsFrom));
        kids.length = kidsFrom;
      }
      open.pop();
      openNames.pop();
      openAt.pop();
      firstKid.pop();
      kidsFrom = depth > 1 ? firstKid[depth - 2]! : 0;
      cur = depth > 1 ? open[depth - 2]! : doc;
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
        // CDATA is always data, even when only whitespace
        const prev = getText(cur);
        setText(cur, prev === '' ? text : prev + text);
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
    const raw = xml.slice(lt + 1, p);
    let name = names.get(raw);
    if (name === undefined) {
      const first = raw.charCodeAt(0);
      if ((first >= 48 && first <= 57) || first === 45 || first === 46) fail(`bad tag name ${raw}`, lt + 1);
      name = intern(raw);
    }
    let attrs: string[] | null = null;
    for (;;) {
      const before = p;
      while (p < len && isSpace(xml.charCodeAt(p))) p++;
      if (p >= len) fail(`unterminated tag <${name}>`, lt);
      const ch = xml.charCodeAt(p);
      if (ch === 62 /* > */) {
        const el = make(name, attrs, cur);
        addChild(el);
        open.push(el);
        openNames.push(name);
        openAt.push(lt);
        kidsFrom = kids.length;
        firstKid.push(kidsFrom);
        cur = el;
        pos = p + 1;
        break;
      }
      if (ch === 47 /* / */) {
        if (xml.charCodeAt(p + 1) !== 62) fail('expected /> ', p);
        addChild(make(name, attrs, cur));
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
      const aname = intern(xml.slice(an, p));
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
  if (kids.length > 0) setChildren(doc, kids.slice());
}
