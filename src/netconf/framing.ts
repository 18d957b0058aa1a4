/**
 * NETCONF framing as a pure streaming codec: RFC 6242 chunked framing
 * (`\n#<len>\n<bytes>…\n##\n`, what the Clixon internal socket speaks from the first
 * byte) and RFC 4742 end-of-message framing (`]]>]]>`). No I/O here: the decoder takes
 * socket reads and returns whole messages, the encoder makes one frame.
 *
 * The decoder works on bytes (chunk lengths count bytes and a UTF-8 character may be
 * split across reads), keeps the body as slices of the reads and joins them once per
 * message, so a large message costs one copy and one UTF-8 decode. It never buffers more
 * than the maximum message size, and any malformed input throws a FramingError; after
 * one, the decoder is spent and rethrows it.
 */
import { FramingError } from './errors.ts';

export type FramingMode = 'chunked' | 'eom';

export interface Decoder {
  /** Feeds one read; returns the messages it completed, in order. */
  push(data: Buffer): string[];
  /** The stream ended: throws FramingError `TRUNCATED` when inside a message. */
  end(): void;
}

export interface DecoderOptions {
  /** Largest message accepted, in bytes (default 256 MiB). */
  maxMessageBytes?: number;
}

export const DEFAULT_MAX_MESSAGE_BYTES = 256 * 1024 * 1024;

// RFC 6242: chunk-size is 1..4294967295, so at most 10 digits.
const MAX_CHUNK_SIZE = 4294967295;
const MAX_SIZE_DIGITS = 10;
const LF = 0x0a;
const HASH = 0x23;
const ZERO = 0x30;
const NINE = 0x39;
const EOM = Buffer.from(']]>]]>');

export function createDecoder(mode: FramingMode, opts: DecoderOptions = {}): Decoder {
  const max = opts.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES;
  if (!(max > 0)) throw new RangeError(`maxMessageBytes must be positive, got ${max}`);
  return mode === 'chunked' ? new ChunkedDecoder(max) : new EomDecoder(max);
}

/** One frame holding `xml`: a single chunk, or the text followed by `]]>]]>`. */
export function encodeFrame(xml: string, mode: FramingMode): Buffer {
  const size = Buffer.byteLength(xml, 'utf8');
  if (mode === 'eom') {
    if (xml.includes(']]>]]>')) {
      throw new FramingError('DELIMITER_IN_MESSAGE', 'the message contains ]]>]]> and cannot be sent in end-of-message framing');
    }
    const out = Buffer.allocUnsafe(size + EOM.length);
    out.write(xml, 0, 'utf8');
    EOM.copy(out, size);
    return out;
  }
  if (size === 0) throw new FramingError('EMPTY_MESSAGE', 'a chunked frame needs at least one byte');
  if (size > MAX_CHUNK_SIZE) throw new FramingError('TOO_LARGE', `${size} bytes do not fit one chunk`);
  const head = `\n#${size}\n`;
  const out = Buffer.allocUnsafe(head.length + size + 4);
  out.write(head, 0, 'latin1');
  out.write(xml, head.length, 'utf8');
  out.write('\n##\n', head.length + size, 'latin1');
  return out;
}

/** Where the chunked decoder is within the grammar. */
const enum At {
  Lf, // expecting the `\n` that opens a chunk header or the end marker
  Hash, // expecting `#`
  First, // expecting the first size digit, or `#` of the end marker
  Digits, // inside the size, expecting digits or the closing `\n`
  Body, // inside a chunk's bytes
  EndLf, // after `\n##`, expecting the final `\n`
}

class ChunkedDecoder implements Decoder {
  #at: At = At.Lf;
  #size = 0; // chunk size being read, then bytes of the chunk still to come
  #digits = 0;
  #parts: Buffer[] = [];
  #total = 0; // bytes of the current message so far, chunk headers excluded
  #started = false; // some byte of the current message was read
  #failed: FramingError | undefined;

  constructor(private readonly max: number) {}

  push(data: Buffer): string[] {
    if (this.#failed) throw this.#failed;
    try {
      return this.#feed(data);
    } catch (err) {
      if (err instanceof FramingError) this.#failed = err;
      throw err;
    }
  }

  end(): void {
    if (this.#failed) throw this.#failed;
    if (this.#started) {
      this.#failed = new FramingError('TRUNCATED', `the stream ended inside a message (${this.#total} bytes read)`);
      throw this.#failed;
    }
  }

  #feed(data: Buffer): string[] {
    const out: string[] = [];
    const n = data.length;
    let i = 0;
    while (i < n) {
      if (this.#at === At.Body) {
        const take = Math.min(this.#size, n - i);
        this.#parts.push(data.subarray(i, i + take));
        this.#size -= take;
        i += take;
        if (this.#size === 0) this.#at = At.Lf;
        continue;
      }
      const c = data[i++] as number;
      switch (this.#at) {
        case At.Lf:
          if (c !== LF) throw new FramingError('BAD_HEADER', `expected \\n before a chunk header, got ${show(c)}`);
          this.#started = true;
          this.#at = At.Hash;
          break;
        case At.Hash:
          if (c !== HASH) throw new FramingError('BAD_HEADER', `expected # in a chunk header, got ${show(c)}`);
          this.#at = At.First;
          break;
        case At.First:
          if (c === HASH) {
            if (this.#parts.length === 0) throw new FramingError('EMPTY_MESSAGE', 'end of chunks before any chunk');
            this.#at = At.EndLf;
          } else if (c === ZERO) {
            throw new FramingError('ZERO_CHUNK_SIZE', 'a chunk size may not be 0 or start with 0');
          } else if (c > ZERO && c <= NINE) {
            this.#size = c - ZERO;
            this.#digits = 1;
            this.#at = At.Digits;
          } else {
            throw new FramingError('BAD_CHUNK_SIZE', `expected a digit in the chunk size, got ${show(c)}`);
          }
          break;
        case At.Digits:
          if (c === LF) {
            this.#startChunk();
          } else if (c >= ZERO && c <= NINE) {
            if (++this.#digits > MAX_SIZE_DIGITS) throw new FramingError('BAD_CHUNK_SIZE', 'chunk size has too many digits');
            this.#size = this.#size * 10 + (c - ZERO);
            if (this.#total + this.#size > this.max) this.#tooLarge();
          } else {
            throw new FramingError('BAD_CHUNK_SIZE', `expected a digit in the chunk size, got ${show(c)}`);
          }
          break;
        case At.EndLf:
          if (c !== LF) throw new FramingError('BAD_HEADER', `expected \\n after ##, got ${show(c)}`);
          out.push(this.#finish());
          break;
      }
    }
    return out;
  }

  #startChunk(): void {
    if (this.#size > MAX_CHUNK_SIZE) throw new FramingError('BAD_CHUNK_SIZE', `chunk size ${this.#size} is above ${MAX_CHUNK_SIZE}`);
    // Refuse before buffering anything of it: a bound known from the header alone.
    if (this.#total + this.#size > this.max) this.#tooLarge();
    this.#total += this.#size;
    this.#at = At.Body;
  }

  #tooLarge(): never {
    throw new FramingError('TOO_LARGE', `message would exceed ${this.max} bytes (chunk of ${this.#size} or more after ${this.#total})`);
  }

  #finish(): string {
    const parts = this.#parts;
    const text = parts.length === 1 ? (parts[0] as Buffer).toString('utf8') : Buffer.concat(parts, this.#total).toString('utf8');
    this.#parts = [];
    this.#total = 0;
    this.#started = false;
    this.#at = At.Lf;
    return text;
  }
}

/**
 * End-of-message framing: a message is every byte up to `]]>]]>`. Whitespace between
 * messages (some peers send a newline after the delimiter) is not a message, nor part of one.
 */
class EomDecoder implements Decoder {
  #parts: Buffer[] = [];
  #total = 0;
  #failed: FramingError | undefined;

  constructor(private readonly max: number) {}

  push(data: Buffer): string[] {
    if (this.#failed) throw this.#failed;
    const out: string[] = [];
    let from = 0;
    while (from < data.length) {
      // A delimiter split across reads: its head ends the buffered bytes, its tail starts this read.
      const split = from === 0 ? this.#splitDelimiter(data) : 0;
      if (split > 0) {
        this.#emit(out, EOM.length - split);
        from = split;
        continue;
      }
      const at = data.indexOf(EOM, from);
      const stop = at < 0 ? data.length : at;
      if (this.#total + (stop - from) > this.max) {
        this.#failed = new FramingError('TOO_LARGE', `message would exceed ${this.max} bytes`);
        throw this.#failed;
      }
      if (stop > from) {
        this.#parts.push(data.subarray(from, stop));
        this.#total += stop - from;
      }
      if (at < 0) break;
      this.#emit(out, 0);
      from = at + EOM.length;
    }
    return out;
  }

  end(): void {
    if (this.#failed) throw this.#failed;
    if (!isBlank(this.#parts)) {
      this.#failed = new FramingError('TRUNCATED', `the stream ended inside a message (${this.#total} bytes read)`);
      throw this.#failed;
    }
  }

  /** How many leading bytes of `data` complete a delimiter begun by the buffered bytes (0: none). */
  #splitDelimiter(data: Buffer): number {
    for (let head = Math.min(EOM.length - 1, this.#total); head > 0; head--) {
      const tail = EOM.length - head;
      if (data.length < tail) continue;
      if (this.#endsWith(head) && data.subarray(0, tail).equals(EOM.subarray(head))) return tail;
    }
    return 0;
  }

  /** Whether the buffered bytes end with the first `head` bytes of the delimiter. */
  #endsWith(head: number): boolean {
    let k = head;
    for (let p = this.#parts.length - 1; p >= 0 && k > 0; p--) {
      const part = this.#parts[p] as Buffer;
      for (let j = part.length - 1; j >= 0 && k > 0; j--) {
        if (part[j] !== EOM[--k]) return false;
      }
    }
    return k === 0;
  }

  /** Ends the buffered message, dropping its last `drop` bytes (a delimiter head). */
  #emit(out: string[], drop: number): void {
    const text = Buffer.concat(this.#parts, this.#total).subarray(0, this.#total - drop).toString('utf8');
    this.#parts = [];
    this.#total = 0;
    const message = text.trimStart();
    if (message !== '') out.push(message);
  }
}

function isBlank(parts: Buffer[]): boolean {
  return parts.every((p) => p.every((c) => c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d));
}

function show(c: number): string {
  return c >= 0x21 && c < 0x7f ? `'${String.fromCharCode(c)}'` : `byte 0x${c.toString(16).padStart(2, '0')}`;
}
