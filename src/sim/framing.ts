/**
 * Server-side NETCONF 1.1 chunked framing as the Clixon backend reads it: chunked from
 * the first byte, any broken header is fatal for the connection (the backend closes it
 * without a reply), a message may span many chunks. Local to the simulator because it
 * must report which messages completed within one socket read (see ServerDecoder.push).
 */

export class SimFramingError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SimFramingError';
  }
}

export function encodeChunk(xml: string): Buffer {
  const body = Buffer.from(xml, 'utf8');
  return Buffer.concat([Buffer.from(`\n#${body.length}\n`), body, Buffer.from('\n##\n')]);
}

type State = 'lf' | 'hash' | 'size0' | 'size' | 'data' | 'end2';

export class ServerDecoder {
  private state: State = 'lf';
  private size = 0;
  private sizeDigits = '';
  private parts: Buffer[] = [];
  private total = 0;

  constructor(private readonly maxMessageBytes: number) {}

  /** Feeds one socket read; returns the messages it completed. Throws SimFramingError. */
  push(data: Buffer): string[] {
    const done: string[] = [];
    let i = 0;
    while (i < data.length) {
      const c = data[i]!;
      switch (this.state) {
        case 'lf':
          if (c !== 0x0a) throw new SimFramingError('expected LF before chunk header');
          this.state = 'hash';
          i++;
          break;
        case 'hash':
          if (c !== 0x23) throw new SimFramingError('expected # in chunk header');
          this.state = 'size0';
          i++;
          break;
        case 'size0':
          if (c === 0x23) {
            if (this.parts.length === 0) throw new SimFramingError('end of chunks without a chunk');
            this.state = 'end2';
          } else if (c >= 0x31 && c <= 0x39) {
            this.sizeDigits = String.fromCharCode(c);
            this.state = 'size';
          } else throw new SimFramingError('bad chunk size');
          i++;
          break;
        case 'size':
          if (c >= 0x30 && c <= 0x39) {
            this.sizeDigits += String.fromCharCode(c);
            if (this.sizeDigits.length > 10) throw new SimFramingError('chunk size too large');
          } else if (c === 0x0a) {
            this.size = Number(this.sizeDigits);
            if (this.size > 4294967295) throw new SimFramingError('chunk size too large');
            if (this.total + this.size > this.maxMessageBytes) throw new SimFramingError('message too large');
            this.state = 'data';
          } else throw new SimFramingError('bad chunk size');
          i++;
          break;
        case 'data': {
          const take = Math.min(this.size, data.length - i);
          this.parts.push(data.subarray(i, i + take));
          this.total += take;
          this.size -= take;
          i += take;
          if (this.size === 0) this.state = 'lf';
          break;
        }
        case 'end2':
          if (c !== 0x0a) throw new SimFramingError('expected LF after ##');
          done.push(Buffer.concat(this.parts).toString('utf8'));
          this.parts = [];
          this.total = 0;
          this.state = 'lf';
          i++;
          break;
        default:
          throw new SimFramingError('bad framing state');
      }
    }
    return done;
  }
}
