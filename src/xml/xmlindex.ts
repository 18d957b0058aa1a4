/**
 * The lazy config tree's index: one strict pass over a document that records, per element
 * in document order, where it starts and ends, and whether its source is already what
 * dumps() prints (then an untouched subtree serializes by copying its source). The pass
 * refuses everything parseString's scanner (scan.ts) refuses, with the same XmlParseError
 * at the same place, so a malformed reply is refused whole before any module runs; entity
 * references are checked here and decoded only when an element is read. It builds no
 * strings (names are compared in place), which is what makes it several times faster than
 * building Elements. Elements are read from it (readStartTag, readContent) when the tree
 * reaches them (element.ts), by the same rules as the scanner: mixed content kept, XML names.
 */
import { XmlParseError, allSpace, decodeEntities, isSpace } from './scan.ts';

export interface XmlIndex {
  readonly xml: string;
  /** Elements in the document. */
  readonly count: number;
  /** Per element, in document order: the offset of its `<`. */
  readonly starts: Int32Array;
  /** Per element: the offset after its last `>`; its bitwise not (negative) when its source is not as dumps() prints it. */
  readonly ends: Int32Array;
  /** Names read so far, one string each (configs repeat a few names endlessly). */
  readonly names: Map<string, string>;
}

/** An element's start tag, read. */
export interface StartTag {
  name: string;
  /** Name/value pairs in document order, values decoded; null for none. */
  attrs: string[] | null;
  /** The offset after the start tag's `>`. */
  contentStart: number;
  selfClosing: boolean;
}

const GROW = 2;
/** What a character up to '>' does in a tag name: ends it (whitespace, `>`, `/`), is refused (`<`, `=`, quotes), or neither. */
const END = 1;
const BAD = 2;
const NAME_STOP = new Uint8Array(63);
for (const c of [32, 10, 9, 13, 62, 47]) NAME_STOP[c] = END;
for (const c of [60, 61, 34, 39]) NAME_STOP[c] = BAD;

/** Indexes `xml`; throws XmlParseError (as parseString's scanner would) when it is not well-formed. */
export function indexXml(xml: string): XmlIndex {
  let len = xml.length;
  // Clixon's internal messages may end in NUL bytes (the scanner drops them too)
  while (len > 0 && xml.charCodeAt(len - 1) === 0) len--;
  let cap = Math.max(64, len >> 5);
  let starts = new Int32Array(cap);
  let ends = new Int32Array(cap);
  let count = 0;
  // the open elements above the current one: index, name length, and whether their source is off
  const openStack: number[] = [];
  const nameLenStack: number[] = [];
  const badStack: boolean[] = [];
  let depth = 0;
  let cur = -1;
  let curNameLen = 0;
  // the current element's source differs from what dumps() prints
  let curBad = false;
  let curKids = false;
  // text pieces before the first child, and the first of them
  let curPieces = 0;
  let curTextFrom = 0;
  let curTextTo = 0;
  let seenElement = false;
  const bom = xml.charCodeAt(0) === 0xfeff ? 1 : 0;
  let pos = bom;
  // the next '&' at or after where it was last looked for (len: none)
  let amp = -1;
  const aStart: number[] = [];
  const aLen: number[] = [];
  const fail = (reason: string, at: number): never => {
    throw new XmlParseError(reason, xml, at);
  };
  const grow = (): void => {
    cap *= GROW;
    const s = new Int32Array(cap);
    s.set(starts);
    starts = s;
    const e = new Int32Array(cap);
    e.set(ends);
    ends = e;
  };

  while (pos < len) {
    const lt = xml.indexOf('<', pos);
    const end = lt < 0 || lt > len ? len : lt;
    if (end > pos) {
      // text (kept in line: the pass's state stays in registers)
      if (amp < pos) {
        amp = xml.indexOf('&', pos);
        if (amp < 0) amp = len;
      }
      const hasRefs = amp < end;
      if (depth === 0) {
        const t = hasRefs ? decodeEntities(xml.slice(pos, end), xml, pos) : null;
        if (t === null ? !allSpace(xml, pos, end) : !allSpace(t, 0, t.length)) fail(seenElement ? 'text after the root element' : 'text before the root element', pos);
      } else {
        if (hasRefs && !refsCanonical(xml, pos, end, amp, false)) curBad = true;
        // whitespace beside children is dropped, text beside them printed before them: either way not as written
        if (curKids) curBad = true;
        else if (curPieces++ === 0) {
          curTextFrom = pos;
          curTextTo = end;
        }
        if (!curBad) {
          const gt = xml.indexOf('>', pos);
          if (gt >= 0 && gt < end) curBad = true;
        }
      }
    }
    if (end === len) break;
    const c = xml.charCodeAt(lt + 1);

    if (c === 47 /* / */) {
      if (depth === 0) fail('closing tag without an open element', lt);
      const nameAt0 = starts[cur]! + 1;
      let p = lt + 2;
      let same = true;
      for (let k = 0; k < curNameLen; k++) {
        if (xml.charCodeAt(p + k) !== xml.charCodeAt(nameAt0 + k)) {
          same = false;
          break;
        }
      }
      p += curNameLen;
      if (!same || !(isSpace(xml.charCodeAt(p)) || xml.charCodeAt(p) === 62)) {
        const gt = xml.indexOf('>', lt);
        const tag = xml.slice(nameAt0, nameAt0 + curNameLen);
        fail(`mismatched closing tag </${xml.slice(lt + 2, gt < 0 ? lt + 40 : gt).trim()}>, expected </${tag}>`, lt);
      }
      if (xml.charCodeAt(p) !== 62) {
        curBad = true;
        while (isSpace(xml.charCodeAt(p))) p++;
        if (xml.charCodeAt(p) !== 62) fail(`unterminated closing tag </${xml.slice(nameAt0, nameAt0 + curNameLen)}>`, lt);
      }
      // <a></a> prints as <a/>
      if (!curKids && curPieces === 0) curBad = true;
      ends[cur] = curBad ? ~(p + 1) : p + 1;
      const bad: boolean = curBad;
      depth--;
      cur = openStack.pop()!;
      curNameLen = nameLenStack.pop()!;
      curBad = badStack.pop()! || bad;
      curKids = true;
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
        if (depth === 0) fail('CDATA outside an element', lt);
        pos = e + 3;
      } else if (xml.startsWith('<!DOCTYPE', lt)) {
        fail('DOCTYPE is not supported', lt);
      } else fail('bad markup after <!', lt);
      // dropped, or CDATA printed as escaped text: not as written
      if (depth > 0) curBad = true;
      continue;
    }

    if (c === 63 /* ? */) {
      const e = xml.indexOf('?>', lt + 2);
      if (e < 0) fail('unterminated processing instruction', lt);
      if (/^<\?xml[\s?]/.test(xml.slice(lt, lt + 6)) && (seenElement || !allSpace(xml, bom, lt))) {
        fail('XML declaration not at the start', lt);
      }
      if (depth > 0) curBad = true;
      pos = e + 2;
      continue;
    }

    // start tag
    let p = lt + 1;
    for (; p < len; p++) {
      const ch = xml.charCodeAt(p);
      // letters (most of a name) are past every character that ends a name or is refused in one
      if (ch > 62) continue;
      const k = NAME_STOP[ch]!;
      if (k === END) break;
      if (k === BAD) fail('bad character in tag name', p);
    }
    if (p === lt + 1 || p >= len) fail(p >= len ? 'unterminated tag' : 'missing tag name', lt);
    const nameLen = p - lt - 1;
    if (badFirst(xml.charCodeAt(lt + 1))) fail(`bad tag name ${xml.slice(lt + 1, p)}`, lt + 1);
    let bad = false;
    let attrs = 0;
    for (;;) {
      const before = p;
      while (p < len && isSpace(xml.charCodeAt(p))) p++;
      if (p >= len) fail(`unterminated tag <${xml.slice(lt + 1, lt + 1 + nameLen)}>`, lt);
      const ch = xml.charCodeAt(p);
      if (ch === 62 /* > */ || ch === 47 /* / */) {
        if (ch === 47 && xml.charCodeAt(p + 1) !== 62) fail('expected /> ', p);
        if (p !== before) bad = true;
        // a first child ends whitespace that only indented the parent's first line
        if (!curKids) {
          if (curPieces > 1 || (curPieces === 1 && allSpace(xml, curTextFrom, curTextTo))) curBad = true;
          curKids = true;
        }
        if (count === cap) grow();
        const i = count++;
        starts[i] = lt;
        if (ch === 47) {
          ends[i] = bad ? ~(p + 2) : p + 2;
          if (bad) curBad = true;
          pos = p + 2;
        } else {
          openStack.push(cur);
          nameLenStack.push(curNameLen);
          badStack.push(curBad);
          depth++;
          cur = i;
          curNameLen = nameLen;
          curBad = bad;
          curKids = false;
          curPieces = 0;
          pos = p + 1;
        }
        break;
      }
      if (p === before) fail('attributes must be separated by whitespace', p);
      if (p !== before + 1 || xml.charCodeAt(before) !== 32) bad = true;
      const an = p;
      for (; p < len; p++) {
        const a = xml.charCodeAt(p);
        if (a === 61 || isSpace(a) || a === 62 || a === 47 || a === 60 || a === 34 || a === 39) break;
      }
      if (p === an) fail('bad attribute', p);
      const anLen = p - an;
      if (badFirst(xml.charCodeAt(an))) fail(`bad attribute name ${xml.slice(an, p)}`, an);
      if (isSpace(xml.charCodeAt(p))) {
        bad = true;
        while (p < len && isSpace(xml.charCodeAt(p))) p++;
      }
      if (xml.charCodeAt(p) !== 61) fail(`attribute ${xml.slice(an, an + anLen)} without a value`, an);
      p++;
      if (isSpace(xml.charCodeAt(p))) {
        bad = true;
        while (p < len && isSpace(xml.charCodeAt(p))) p++;
      }
      const q = xml.charCodeAt(p);
      if (q !== 34 && q !== 39) fail(`attribute ${xml.slice(an, an + anLen)} value must be quoted`, p);
      if (q === 39) bad = true;
      const e = xml.indexOf(q === 34 ? '"' : "'", p + 1);
      if (e < 0) fail(`unterminated value of attribute ${xml.slice(an, an + anLen)}`, p);
      // one look at the value's characters: '<' is refused, '>' and references print otherwise
      let firstAmp = -1;
      for (let k = p + 1; k < e; k++) {
        const v = xml.charCodeAt(k);
        if (v > 62) continue;
        if (v === 60) fail(`< in value of attribute ${xml.slice(an, an + anLen)}`, k);
        else if (v === 62) bad = true;
        else if (v === 38 && firstAmp < 0) firstAmp = k;
      }
      if (firstAmp >= 0 && !refsCanonical(xml, p + 1, e, firstAmp, true)) bad = true;
      for (let k = 0; k < attrs; k++) {
        if (aLen[k] === anLen && xml.startsWith(xml.slice(an, an + anLen), aStart[k]!)) fail(`duplicate attribute ${xml.slice(an, an + anLen)}`, an);
      }
      aStart[attrs] = an;
      aLen[attrs] = anLen;
      attrs++;
      p = e + 1;
    }
    seenElement = true;
  }
  if (depth > 0) fail(`unclosed tag <${xml.slice(starts[cur]! + 1, starts[cur]! + 1 + curNameLen)}>`, starts[cur]!);
  // an index much larger than needed gives back the rest
  if (cap > count + (count >> 2) + 64) {
    starts = starts.slice(0, count);
    ends = ends.slice(0, count);
  }
  return { xml, count, starts, ends, names: new Map() };
}

/**
 * Checks the references in [from, to) of `xml` (the first at `amp`) as the scanner decodes
 * them; true when all are as dumps() writes them (text: &amp; &lt; &gt;, attributes also &quot;).
 */
function refsCanonical(xml: string, from: number, to: number, amp: number, attr: boolean): boolean {
  for (let a = amp; a >= 0 && a < to; a = xml.indexOf('&', a + 1)) {
    // (a reference as dumps() writes it holds neither '<' nor a quote: it lies inside the piece)
    if (!(xml.startsWith('&amp;', a) || xml.startsWith('&lt;', a) || xml.startsWith('&gt;', a) || (attr && xml.startsWith('&quot;', a)))) {
      decodeEntities(xml.slice(from, to), xml, from);
      return false;
    }
  }
  return true;
}

/** A name may not start with a digit, `-` or `.` (the scanner's 'xml' names). */
function badFirst(c: number): boolean {
  return (c >= 48 && c <= 57) || c === 45 || c === 46;
}

/** The offset after element `i`'s last `>`. */
function endOf(ix: XmlIndex, i: number): number {
  const e = ix.ends[i]!;
  return e < 0 ? ~e : e;
}

/** True when element `i`'s source is exactly what dumps() prints for it. */
export function isCanonical(ix: XmlIndex, i: number): boolean {
  return ix.ends[i]! >= 0;
}

function intern(ix: XmlIndex, raw: string): string {
  const hit = ix.names.get(raw);
  if (hit !== undefined) return hit;
  ix.names.set(raw, raw);
  return raw;
}

/** Reads element `i`'s start tag (the index pass has checked it). */
export function readStartTag(ix: XmlIndex, i: number): StartTag {
  const xml = ix.xml;
  const lt = ix.starts[i]!;
  let p = lt + 1;
  for (;;) {
    const ch = xml.charCodeAt(p);
    if (ch === 32 || ch === 62 || ch === 47 || ch === 10 || ch === 9 || ch === 13) break;
    p++;
  }
  const name = intern(ix, xml.slice(lt + 1, p));
  let attrs: string[] | null = null;
  for (;;) {
    while (isSpace(xml.charCodeAt(p))) p++;
    const ch = xml.charCodeAt(p);
    if (ch === 62) return { name, attrs, contentStart: p + 1, selfClosing: false };
    if (ch === 47) return { name, attrs, contentStart: p + 2, selfClosing: true };
    const an = p;
    for (;;) {
      const a = xml.charCodeAt(p);
      if (a === 61 || isSpace(a)) break;
      p++;
    }
    const aname = intern(ix, xml.slice(an, p));
    while (xml.charCodeAt(p) !== 34 && xml.charCodeAt(p) !== 39) p++;
    const e = xml.indexOf(xml.charCodeAt(p) === 34 ? '"' : "'", p + 1);
    let value = xml.slice(p + 1, e);
    if (value.indexOf('&') >= 0) value = decodeEntities(value, xml, p + 1);
    if (attrs === null) attrs = [aname, value];
    else attrs.push(aname, value);
    p = e + 1;
  }
}

/** The element after `k` and all its descendants. */
function nextAfter(ix: XmlIndex, k: number): number {
  const starts = ix.starts;
  const count = ix.count;
  const end = endOf(ix, k);
  if (k + 1 >= count || starts[k + 1]! >= end) return k + 1;
  // galloping, then binary search, for the first element starting at or after `end`
  let lo = k + 1;
  let step = 1;
  let hi = lo + step;
  while (hi < count && starts[hi]! < end) {
    lo = hi;
    step *= 2;
    hi = lo + step;
  }
  if (hi > count) hi = count;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (starts[mid]! < end) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** True when element `i` (-1: the document) has child elements. */
export function hasChildElements(ix: XmlIndex, i: number): boolean {
  return i + 1 < ix.count && (i < 0 || ix.starts[i + 1]! < endOf(ix, i));
}

/** The indexes of the children of element `i` (-1: the top-level elements), in order. */
export function childrenOf(ix: XmlIndex, i: number): number[] {
  const out: number[] = [];
  const end = i < 0 ? ix.xml.length : endOf(ix, i);
  for (let k = i + 1; k < ix.count && ix.starts[k]! < end; k = nextAfter(ix, k)) out.push(k);
  return out;
}

/**
 * Element `i`'s text (as the scanner joins it: whitespace beside children dropped, text
 * beside them concatenated, CDATA kept, entities decoded), given where its content starts
 * (StartTag.contentStart; the element is not self-closing) and its children.
 */
export function textOf(ix: XmlIndex, i: number, contentStart: number, kids: readonly number[]): string {
  const xml = ix.xml;
  const end = endOf(ix, i);
  const closeStart = xml.lastIndexOf('<', end - 1);
  if (ix.ends[i]! >= 0) {
    // as dumps() prints it: one plain piece of text, before any child
    const to = kids.length > 0 ? ix.starts[kids[0]!]! : closeStart;
    const t = xml.slice(contentStart, to);
    return t.indexOf('&') >= 0 ? decodeEntities(t, xml, contentStart) : t;
  }
  let text = '';
  let hadKids = false;
  const gap = (from: number, to: number): void => {
    let pos = from;
    while (pos < to) {
      let lt = xml.indexOf('<', pos);
      if (lt < 0 || lt > to) lt = to;
      if (lt > pos) {
        let t = xml.slice(pos, lt);
        if (t.indexOf('&') >= 0) t = decodeEntities(t, xml, pos);
        if (!hadKids || !allSpace(t, 0, t.length)) text += t;
      }
      if (lt === to) return;
      if (xml.startsWith('<!--', lt)) pos = xml.indexOf('-->', lt + 4) + 3;
      else if (xml.startsWith('<![CDATA[', lt)) {
        const e = xml.indexOf(']]>', lt + 9);
        text += xml.slice(lt + 9, e);
        pos = e + 3;
      } else pos = xml.indexOf('?>', lt + 2) + 2;
    }
  };
  let from = contentStart;
  for (const k of kids) {
    gap(from, ix.starts[k]!);
    if (!hadKids && text !== '' && allSpace(text, 0, text.length)) text = '';
    hadKids = true;
    from = endOf(ix, k);
  }
  gap(from, closeStart);
  return text;
}
