/**
 * The byte writer behind serialization: copies names, text and attribute values into one
 * growing byte buffer (escaping as it goes) and decodes it once at the end. Building the
 * output from millions of small JS strings spent most of its time in the garbage
 * collector; this allocates almost nothing per node.
 */

const INITIAL = 1 << 16;
// the buffer is shared between calls (serialization never re-enters); a huge one is let go
const KEEP = 1 << 22;

const encoder = new TextEncoder();

let shared: Uint8Array = new Uint8Array(INITIAL);

export class ByteWriter {
  #buf: Uint8Array;
  #n = 0;
  /** Only ASCII written so far: the end result can be read as latin1, much faster than UTF-8. */
  #ascii = true;

  constructor() {
    this.#buf = shared;
  }

  #room(extra: number): void {
    if (this.#n + extra <= this.#buf.length) return;
    let size = this.#buf.length * 2;
    while (size < this.#n + extra) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.#buf.subarray(0, this.#n));
    this.#buf = next;
  }

  /** Markup and names, written as they are. */
  raw(s: string): void {
    this.#room(s.length * 3);
    const buf = this.#buf;
    let n = this.#n;
    for (let i = 0; i < s.length; i++) {
      const c = s.charCodeAt(i);
      if (c < 128) buf[n++] = c;
      else {
        this.#n = n;
        i = this.#utf8(s, i, c);
        n = this.#n;
      }
    }
    this.#n = n;
  }

  /** `s` from `from` to `to` as it is: the source of an untouched subtree. */
  source(s: string, from: number, to: number): void {
    const part = s.slice(from, to);
    this.#room(part.length * 3);
    const { read, written } = encoder.encodeInto(part, this.#buf.subarray(this.#n));
    // not ASCII: written again as raw() writes it (TextEncoder turns a lone surrogate into U+FFFD, raw() does not)
    if (written !== read) this.raw(part);
    else this.#n += written;
  }

  /** Text content: escapes & < >. */
  text(s: string): void {
    this.#escaped(s, false);
  }

  /** An attribute value (inside double quotes): escapes & < > ". */
  attr(s: string): void {
    this.#escaped(s, true);
  }

  #escaped(s: string, quote: boolean): void {
    // worst case every character becomes &quot;
    this.#room(s.length * 6);
    const buf = this.#buf;
    let n = this.#n;
    for (let i = 0; i < s.length; i++) {
      const c = s.charCodeAt(i);
      if (c >= 128) {
        this.#n = n;
        i = this.#utf8(s, i, c);
        n = this.#n;
      } else if (c === 38) n = put(buf, n, AMP);
      else if (c === 60) n = put(buf, n, LT);
      else if (c === 62) n = put(buf, n, GT);
      else if (c === 34 && quote) n = put(buf, n, QUOT);
      else buf[n++] = c;
    }
    this.#n = n;
  }

  /** Encodes the non-ASCII character at i; returns the index of its last code unit. */
  #utf8(s: string, i: number, c: number): number {
    this.#ascii = false;
    const buf = this.#buf;
    let n = this.#n;
    if (c < 0x800) {
      buf[n++] = 0xc0 | (c >> 6);
      buf[n++] = 0x80 | (c & 63);
    } else if (c >= 0xd800 && c < 0xdc00 && i + 1 < s.length && (s.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      const cp = 0x10000 + ((c - 0xd800) << 10) + (s.charCodeAt(i + 1) - 0xdc00);
      buf[n++] = 0xf0 | (cp >> 18);
      buf[n++] = 0x80 | ((cp >> 12) & 63);
      buf[n++] = 0x80 | ((cp >> 6) & 63);
      buf[n++] = 0x80 | (cp & 63);
      i++;
    } else {
      buf[n++] = 0xe0 | (c >> 12);
      buf[n++] = 0x80 | ((c >> 6) & 63);
      buf[n++] = 0x80 | (c & 63);
    }
    this.#n = n;
    return i;
  }

  /** The text written so far; the writer must not be used afterwards. */
  done(): string {
    const out = Buffer.from(this.#buf.buffer, this.#buf.byteOffset, this.#n).toString(this.#ascii ? 'latin1' : 'utf8');
    shared = this.#buf.length > KEEP ? new Uint8Array(INITIAL) : this.#buf;
    return out;
  }
}

const AMP = [38, 97, 109, 112, 59];
const LT = [38, 108, 116, 59];
const GT = [38, 103, 116, 59];
const QUOT = [38, 113, 117, 111, 116, 59];

function put(buf: Uint8Array, n: number, bytes: number[]): number {
  for (const b of bytes) buf[n++] = b;
  return n;
}
