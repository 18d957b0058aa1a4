/**
 * NETCONF framing as a pure streaming codec: RFC 6242 chunked framing
 * (`\n#<len>\n<bytes>…\n##\n`, what the Clixon internal socket speaks from the first
 * byte) and RFC 4742 end-of-message framing (`]]>]]>`). No I/O here: the decoder takes
 * socket reads and returns whole messages, the encoder makes one frame.
 *
 * The decoder works on bytes (chunk lengths count bytes and a UTF-8 character may be
 * split across reads). A message in one piece is decoded straight from its read; one in
 * many pieces costs under 2 bytes of memory per message byte however small its chunks
 * or reads are (MessageBytes). A large message costs one copy and one UTF-8 decode.
 * It never buffers more than the maximum message size (end-of-message framing: plus the
 * head of a delimiter split across reads), and malformed input throws a FramingError
 * that carries the whole messages the same read held before the bad bytes; after one,
 * the decoder is spent and rethrows it.
 */
import { FramingError } from './errors.ts';

export type FramingMode = 'chunked' | 'eom';

export interface Decoder {
  /**
   * Feeds one read; returns the messages it completed, in order. Throws FramingError on
   * malformed input, its `messages` holding the whole messages of this read before it.
   */
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

/**
 * The bytes of the message being read. A message in one piece is decoded straight from
 * its read (the common case: no copy). Otherwise a piece over half a block is kept as a
 * view of its read (a socket read holds exactly its bytes, at most 64 KiB, so it costs
 * under 2 bytes per byte), and smaller pieces are copied into 64 KiB blocks: a view per
 * tiny piece would cost ~100 bytes of heap each (1-byte chunks took 107 B per byte).
 */
class MessageBytes {
  /** The message's first piece, as it came, until a second one arrives. */
  #first: Buffer | undefined;
  /** The message so far in order: views of large pieces and filled parts of blocks. */
  #segments: Buffer[] = [];
  #block: Buffer | undefined;
  #blockStart = 0; // where the block's open segment starts
  #blockUsed = 0;
  #length = 0;

  get length(): number {
    return this.#length;
  }

  append(piece: Buffer): void {
    if (piece.length === 0) return;
    if (this.#length === 0) {
      this.#first = piece;
    } else {
      if (this.#first) {
        this.#add(this.#first);
        this.#first = undefined;
      }
      this.#add(piece);
    }
    this.#length += piece.length;
  }

  /** Whether the bytes end with `bytes`. */
  endsWith(bytes: Buffer): boolean {
    if (bytes.length > this.#length) return false;
    let k = bytes.length;
    const parts = this.#parts();
    for (let p = parts.length - 1; p >= 0 && k > 0; p--) {
      const part = parts[p] as Buffer;
      for (let j = part.length - 1; j >= 0 && k > 0; j--) if (part[j] !== bytes[--k]) return false;
    }
    return true;
  }

  /** Whether every byte is XML white space. */
  isBlank(): boolean {
    return this.#parts().every((p) => p.every((c) => c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d));
  }

  /** The first `length - drop` bytes as text; the memory is released. */
  take(drop = 0): string {
    const parts = this.#parts();
    const n = this.#length - drop;
    const text = parts.length === 1 ? (parts[0] as Buffer).toString('utf8', 0, n) : Buffer.concat(parts, this.#length).toString('utf8', 0, n);
    this.clear();
    return text;
  }

  clear(): void {
    this.#first = undefined;
    this.#segments = [];
    this.#block = undefined;
    this.#blockStart = this.#blockUsed = 0;
    this.#length = 0;
  }

  #parts(): Buffer[] {
    if (this.#first) return [this.#first];
    if (!this.#block || this.#blockUsed === this.#blockStart) return this.#segments;
    return [...this.#segments, this.#block.subarray(this.#blockStart, this.#blockUsed)];
  }

  #add(piece: Buffer): void {
    if (piece.length > BLOCK_BYTES / 2) {
      this.#closeSegment();
      this.#segments.push(piece);
      return;
    }
    for (let from = 0; from < piece.length; ) {
      if (!this.#block || this.#blockUsed === this.#block.length) {
        this.#closeSegment();
        // Memory of its own, never a slice of Buffer's shared pool that it would keep alive.
        this.#block = Buffer.allocUnsafeSlow(BLOCK_BYTES);
        this.#blockStart = this.#blockUsed = 0;
      }
      const n = piece.copy(this.#block, this.#blockUsed, from);
      this.#blockUsed += n;
      from += n;
    }
  }

  /** Ends the block's open segment (before a view, or when the block is full). */
  #closeSegment(): void {
    if (!this.#block || this.#blockUsed === this.#blockStart) return;
    this.#segments.push(this.#block.subarray(this.#blockStart, this.#blockUsed));
    this.#blockStart = this.#blockUsed;
  }
}

const BLOCK_BYTES = 64 * 1024;

/**
 * The decoders' shared shell: a read's messages in order; on malformed input, the error
 * with the whole messages that read held before it, the memory released, and the decoder
 * spent (it rethrows the error, without those messages, from then on).
 */
abstract class BaseDecoder implements Decoder {
  #failed: FramingError | undefined;
  protected readonly body = new MessageBytes();

  constructor(protected readonly max: number) {}

  push(data: Buffer): string[] {
    if (this.#failed) throw this.#failed;
    const out: string[] = [];
    try {
      this.feed(data, out);
      return out;
    } catch (err) {
      if (!(err instanceof FramingError)) throw err;
      this.#fail(err);
      throw out.length > 0 ? err.withMessages(out) : err;
    }
  }

  end(): void {
    if (this.#failed) throw this.#failed;
    const open = this.openMessage();
    if (open === undefined) return;
    const err = new FramingError('TRUNCATED', `the stream ended inside a message (${open} bytes read)`);
    this.#fail(err);
    throw err;
  }

  #fail(err: FramingError): void {
    this.#failed = err;
    this.body.clear();
  }

  /** Decodes one read, appending each message it completes to `out`; throws FramingError. */
  protected abstract feed(data: Buffer, out: string[]): void;
  /** The bytes read of an unfinished message, or undefined between messages. */
  protected abstract openMessage(): number | undefined;
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

class ChunkedDecoder extends BaseDecoder {
  #at: At = At.Lf;
  #size = 0; // chunk size being read, then bytes of the chunk still to come
  #digits = 0;
  #total = 0; // bytes of the current message so far (announced chunks included), chunk headers excluded
  #started = false; // some byte of the current message was read

  protected openMessage(): number | undefined {
    return this.#started ? this.body.length : undefined;
  }

  protected feed(data: Buffer, out: string[]): void {
    const n = data.length;
    let i = 0;
    while (i < n) {
      if (this.#at === At.Body) {
        const take = Math.min(this.#size, n - i);
        this.body.append(data.subarray(i, i + take));
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
            if (this.#total === 0) throw new FramingError('EMPTY_MESSAGE', 'end of chunks before any chunk');
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
          out.push(this.body.take());
          this.#total = 0;
          this.#started = false;
          this.#at = At.Lf;
          break;
      }
    }
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
}

/**
 * End-of-message framing: a message is every byte up to `]]>]]>`. Whitespace between
 * messages (some peers send a newline after the delimiter) is not a message, nor part of one.
 */
class EomDecoder extends BaseDecoder {
  protected openMessage(): number | undefined {
    return this.body.isBlank() ? undefined : this.body.length;
  }

  protected feed(data: Buffer, out: string[]): void {
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
      this.body.append(data.subarray(from, stop));
      // Bytes that may be the head of a delimiter finished by the next read are not the message's.
      const held = this.body.length - (at < 0 ? this.#delimiterHead() : 0);
      if (held > this.max) throw new FramingError('TOO_LARGE', `message would exceed ${this.max} bytes`);
      if (at < 0) break;
      this.#emit(out, 0);
      from = at + EOM.length;
    }
  }

  /** How many leading bytes of `data` complete a delimiter begun by the buffered bytes (0: none). */
  #splitDelimiter(data: Buffer): number {
    for (let head = Math.min(EOM.length - 1, this.body.length); head > 0; head--) {
      const tail = EOM.length - head;
      if (data.length < tail) continue;
      if (this.#endsWith(head) && data.subarray(0, tail).equals(EOM.subarray(head))) return tail;
    }
    return 0;
  }

  /** The length of the longest delimiter head the buffered bytes end with. */
  #delimiterHead(): number {
    for (let head = Math.min(EOM.length - 1, this.body.length); head > 0; head--) if (this.#endsWith(head)) return head;
    return 0;
  }

  /** Whether the buffered bytes end with the first `head` bytes of the delimiter. */
  #endsWith(head: number): boolean {
    return this.body.endsWith(EOM.subarray(0, head));
  }

  /** Ends the buffered message, dropping its last `drop` bytes (a delimiter head). */
  #emit(out: string[], drop: number): void {
    const message = this.body.take(drop).trimStart();
    if (message !== '') out.push(message);
  }
}

function show(c: number): string {
  return c >= 0x21 && c < 0x7f ? `'${String.fromCharCode(c)}'` : `byte 0x${c.toString(16).padStart(2, '0')}`;
}
