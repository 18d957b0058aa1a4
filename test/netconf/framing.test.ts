/**
 * The framing codec: the recorded byte streams in every split, many-chunk messages,
 * UTF-8 split across reads and chunks, every malformed case, both framings, round trips,
 * the memory a message costs however it is cut, and messages ahead of bad bytes.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import v8 from 'node:v8';
import { runInNewContext } from 'node:vm';
import { FramingError, createDecoder, encodeFrame, type Decoder, type FramingMode } from '../../src/netconf/index.ts';
import { WIRE } from '../wire.ts';
import { rng } from '../rng.ts';

// The recordings live in test/fixtures/wire, as for every folder's tests.
const raw = {
  backend: readFileSync(`${WIRE}/backend-to-client.raw`),
  client: readFileSync(`${WIRE}/client-to-backend.raw`),
};

/**
 * An independent reading of a chunked stream, written the obvious way on the whole
 * buffer (header text by regular expression), to check the streaming decoder against.
 */
function referenceSplit(stream: Buffer): string[] {
  const out: string[] = [];
  let pos = 0;
  let parts: Buffer[] = [];
  while (pos < stream.length) {
    const head = /^\n#(\d+|#)\n/.exec(stream.subarray(pos, pos + 16).toString('latin1'));
    assert.ok(head, `reference: bad header at ${pos}`);
    pos += head[0].length;
    if (head[1] === '#') {
      out.push(Buffer.concat(parts).toString('utf8'));
      parts = [];
    } else {
      const n = Number(head[1]);
      parts.push(stream.subarray(pos, pos + n));
      pos += n;
    }
  }
  assert.equal(parts.length, 0, 'reference: stream ends inside a message');
  return out;
}

function decodeAll(mode: FramingMode, reads: Buffer[], opts?: { maxMessageBytes?: number }): string[] {
  const d = createDecoder(mode, opts);
  const out: string[] = [];
  for (const r of reads) out.push(...d.push(r));
  d.end();
  return out;
}

function bytewise(b: Buffer): Buffer[] {
  const out: Buffer[] = [];
  for (let i = 0; i < b.length; i++) out.push(b.subarray(i, i + 1));
  return out;
}

function randomSplit(b: Buffer, seed: number, maxRead: number): Buffer[] {
  const r = rng(seed);
  const out: Buffer[] = [];
  for (let i = 0; i < b.length; ) {
    const n = 1 + Math.floor(r() * maxRead);
    out.push(b.subarray(i, i + n));
    i += n;
  }
  return out;
}

/** Re-frames messages with random chunk sizes (1 byte up to `maxChunk`). */
function manyChunks(messages: string[], seed: number, maxChunk: number): Buffer {
  const r = rng(seed);
  const parts: Buffer[] = [];
  for (const m of messages) {
    const body = Buffer.from(m, 'utf8');
    for (let i = 0; i < body.length; ) {
      const n = Math.min(body.length - i, 1 + Math.floor(r() * maxChunk));
      parts.push(Buffer.from(`\n#${n}\n`), body.subarray(i, i + n));
      i += n;
    }
    parts.push(Buffer.from('\n##\n'));
  }
  return Buffer.concat(parts);
}

function framingError(fn: () => unknown, code: string): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof FramingError, `expected FramingError, got ${String(err)}`);
    assert.equal(err.code, code);
    return true;
  });
}

describe('chunked decoder on the recorded streams', () => {
  for (const [name, stream] of Object.entries(raw)) {
    const expected = referenceSplit(stream);

    it(`${name}: the reference split finds the session's messages`, () => {
      assert.equal(expected.length, name === 'backend' ? 10 : 7);
      assert.ok(expected[0]?.startsWith('<hello'));
      assert.ok(expected.every((m) => m.startsWith('<') && m.trimEnd().endsWith('>')));
    });

    it(`${name}: all at once`, () => {
      assert.deepEqual(decodeAll('chunked', [stream]), expected);
    });

    it(`${name}: byte by byte`, () => {
      assert.deepEqual(decodeAll('chunked', bytewise(stream)), expected);
    });

    it(`${name}: random splits`, () => {
      for (const [seed, max] of [[1, 7], [2, 100], [3, 4096], [4, 65536], [5, 300000]] as const) {
        assert.deepEqual(decodeAll('chunked', randomSplit(stream, seed, max)), expected, `seed ${seed}`);
      }
    });

    it(`${name}: re-chunked into many chunks, randomly split`, () => {
      const rechunked = manyChunks(expected, 7, 5000);
      assert.deepEqual(decodeAll('chunked', randomSplit(rechunked, 8, 3000)), expected);
      const tiny = manyChunks(expected.slice(0, 3), 9, 3);
      assert.deepEqual(decodeAll('chunked', randomSplit(tiny, 10, 11)), expected.slice(0, 3));
    });
  }

  it('several messages in one read come out in order', () => {
    const msgs = ['<a/>', '<b>x</b>', '<c/>'];
    const d = createDecoder('chunked');
    assert.deepEqual(d.push(Buffer.concat(msgs.map((m) => encodeFrame(m, 'chunked')))), msgs);
  });

  it('a message ends only at its end marker, not at a chunk end', () => {
    const d = createDecoder('chunked');
    assert.deepEqual(d.push(Buffer.from('\n#3\n<a>\n#4\n</a>')), []);
    assert.deepEqual(d.push(Buffer.from('\n##\n')), ['<a></a>']);
  });
});

describe('UTF-8', () => {
  const text = '<name>värde – 名前 – 🦊</name>';

  it('a character split across reads and across chunks decodes whole', () => {
    const body = Buffer.from(text, 'utf8');
    for (let cut = 1; cut < body.length; cut++) {
      // Two chunks cut at every byte (chunk lengths count bytes, not characters)…
      const stream = Buffer.concat([
        Buffer.from(`\n#${cut}\n`),
        body.subarray(0, cut),
        Buffer.from(`\n#${body.length - cut}\n`),
        body.subarray(cut),
        Buffer.from('\n##\n'),
      ]);
      assert.deepEqual(decodeAll('chunked', [stream]), [text]);
      // …and one chunk read in two pieces cut at every byte.
      const frame = encodeFrame(text, 'chunked');
      assert.deepEqual(decodeAll('chunked', [frame.subarray(0, cut + 5), frame.subarray(cut + 5)]), [text]);
    }
  });

  it('chunk sizes count bytes', () => {
    const frame = encodeFrame('é', 'chunked');
    assert.equal(frame.toString('utf8'), '\n#2\né\n##\n');
  });
});

describe('malformed chunked input', () => {
  const cases: [string, string, string][] = [
    ['leading junk', 'x\n#3\nabc\n##\n', 'BAD_HEADER'],
    ['leading space', ' \n#3\nabc\n##\n', 'BAD_HEADER'],
    ['missing #', '\n3\nabc\n##\n', 'BAD_HEADER'],
    ['non-digit chunk size (as recorded)', '\n#12x\n<rpc/>\n##\n', 'BAD_CHUNK_SIZE'],
    ['empty chunk size', '\n#\nabc', 'BAD_CHUNK_SIZE'],
    ['negative chunk size', '\n#-3\nabc', 'BAD_CHUNK_SIZE'],
    ['zero chunk size (as recorded)', '\n#0\n\n##\n', 'ZERO_CHUNK_SIZE'],
    ['leading zero', '\n#03\nabc\n##\n', 'ZERO_CHUNK_SIZE'],
    ['end marker with no chunk', '\n##\n', 'EMPTY_MESSAGE'],
    ['junk after a chunk', '\n#3\nabcX\n##\n', 'BAD_HEADER'],
    ['junk after ##', '\n#3\nabc\n##X', 'BAD_HEADER'],
    ['junk between messages', '\n#3\nabc\n##\n\n\n#3\nabc\n##\n', 'BAD_HEADER'],
    [
      'end-of-message framing (as recorded)',
      '<rpc xmlns="urn:ietf:params:xml:ns:netconf:base:1.0" message-id="1"><get-config><source><running/></source></get-config></rpc>]]>]]>',
      'BAD_HEADER',
    ],
  ];
  for (const [name, input, code] of cases) {
    it(`${name} → ${code}, at once and byte by byte`, () => {
      framingError(() => decodeAll('chunked', [Buffer.from(input)]), code);
      framingError(() => decodeAll('chunked', bytewise(Buffer.from(input))), code);
    });
  }

  it('sizes beyond RFC 6242 (10 digits, 4294967295) fail even under a larger message limit', () => {
    const huge = { maxMessageBytes: 2 ** 40 };
    framingError(() => decodeAll('chunked', [Buffer.from('\n#12345678901\n')], huge), 'BAD_CHUNK_SIZE');
    framingError(() => decodeAll('chunked', [Buffer.from('\n#4294967296\n')], huge), 'BAD_CHUNK_SIZE');
    framingError(() => decodeAll('chunked', [Buffer.from('\n#4294967296\n')]), 'TOO_LARGE');
  });

  it('the recorded broken-framing cases of errors.json all fail', () => {
    const recorded = JSON.parse(readFileSync(`${WIRE}/errors.json`, 'utf8')) as { sent_bytes?: string; status: string }[];
    const broken = recorded.filter((c) => c.sent_bytes !== undefined);
    assert.equal(broken.length, 3);
    for (const c of broken) assert.throws(() => decodeAll('chunked', [Buffer.from(c.sent_bytes as string)]), FramingError);
  });

  it('a chunk above the maximum message size fails on its header, before its bytes arrive', () => {
    const d = createDecoder('chunked', { maxMessageBytes: 100 });
    framingError(() => d.push(Buffer.from('\n#101\n')), 'TOO_LARGE');
    // Known from the digits alone: no need to wait for the header's end.
    framingError(() => createDecoder('chunked', { maxMessageBytes: 100 }).push(Buffer.from('\n#1000')), 'TOO_LARGE');
  });

  it('chunks adding up above the maximum fail', () => {
    const d = createDecoder('chunked', { maxMessageBytes: 10 });
    assert.deepEqual(d.push(Buffer.from('\n#6\nabcdef')), []);
    framingError(() => d.push(Buffer.from('\n#5\n')), 'TOO_LARGE');
  });

  it('the maximum applies per message, not per stream', () => {
    const msgs = ['<a>123</a>', '<b>456</b>', '<c>789</c>'];
    const stream = Buffer.concat(msgs.map((m) => encodeFrame(m, 'chunked')));
    assert.deepEqual(decodeAll('chunked', [stream], { maxMessageBytes: 10 }), msgs);
  });

  it('EOF inside a message: end() throws TRUNCATED wherever it stops', () => {
    const frame = encodeFrame('<rpc-reply><ok/></rpc-reply>', 'chunked');
    for (let cut = 1; cut < frame.length; cut++) {
      const d = createDecoder('chunked');
      assert.deepEqual(d.push(frame.subarray(0, cut)), []);
      framingError(() => d.end(), 'TRUNCATED');
    }
  });

  it('end() between messages is fine', () => {
    const d = createDecoder('chunked');
    d.end();
    assert.deepEqual(decodeAll('chunked', [encodeFrame('<a/>', 'chunked')]), ['<a/>']);
  });

  it('after an error the decoder is spent and rethrows it', () => {
    const d = createDecoder('chunked');
    framingError(() => d.push(Buffer.from('\n#0\n')), 'ZERO_CHUNK_SIZE');
    framingError(() => d.push(encodeFrame('<a/>', 'chunked')), 'ZERO_CHUNK_SIZE');
    framingError(() => d.end(), 'ZERO_CHUNK_SIZE');
  });
});

describe('end-of-message framing', () => {
  const msgs = ['<hello/>', '<rpc-reply><data>ä]]>x</data></rpc-reply>', '<b/>'];
  const stream = Buffer.from(msgs.map((m) => `${m}]]>]]>\n`).join(''), 'utf8');

  it('splits messages at the delimiter, all at once, byte by byte and randomly', () => {
    assert.deepEqual(decodeAll('eom', [stream]), msgs);
    assert.deepEqual(decodeAll('eom', bytewise(stream)), msgs);
    for (let seed = 1; seed <= 20; seed++) assert.deepEqual(decodeAll('eom', randomSplit(stream, seed, 9)), msgs);
  });

  it('finds a delimiter split at every position, across many reads', () => {
    const one = Buffer.from('<a>]]</a>]]>]]>');
    for (let i = 1; i < one.length; i++) {
      for (let j = i + 1; j < one.length; j++) {
        assert.deepEqual(decodeAll('eom', [one.subarray(0, i), one.subarray(i, j), one.subarray(j)]), ['<a>]]</a>'], `cuts ${i},${j}`);
      }
    }
  });

  it('EOF inside a message throws TRUNCATED; trailing whitespace does not', () => {
    framingError(() => decodeAll('eom', [Buffer.from('<a/>]]>]]><b>')]), 'TRUNCATED');
    framingError(() => decodeAll('eom', [Buffer.from('<a/>]]>]]')]), 'TRUNCATED');
    assert.deepEqual(decodeAll('eom', [Buffer.from('<a/>]]>]]>\n  \n')]), ['<a/>']);
  });

  it('a message growing above the maximum fails without its delimiter', () => {
    const d = createDecoder('eom', { maxMessageBytes: 16 });
    assert.deepEqual(d.push(Buffer.from('<a>0123456789')), []);
    framingError(() => d.push(Buffer.from('0123456789')), 'TOO_LARGE');
  });
});

describe('encoder', () => {
  const samples = ['<a/>', '<x>värde 名前 🦊</x>', `<big>${'p'.repeat(200000)}</big>`, '<x>\n#3\nnot a header\n##\n</x>'];

  for (const mode of ['chunked', 'eom'] as const) {
    it(`${mode}: round trip, each frame alone and all in one stream`, () => {
      for (const s of samples) assert.deepEqual(decodeAll(mode, [encodeFrame(s, mode)]), [s]);
      const all = Buffer.concat(samples.map((s) => encodeFrame(s, mode)));
      assert.deepEqual(decodeAll(mode, randomSplit(all, 42, 777)), samples);
    });
  }

  it('a chunked frame is one chunk with the byte length', () => {
    assert.equal(encodeFrame('<rpc/>', 'chunked').toString(), '\n#6\n<rpc/>\n##\n');
    assert.equal(encodeFrame('<rpc/>', 'eom').toString(), '<rpc/>]]>]]>');
  });

  it('refuses what it cannot frame', () => {
    framingError(() => encodeFrame('', 'chunked'), 'EMPTY_MESSAGE');
    framingError(() => encodeFrame('<!-- ]]>]]> -->', 'eom'), 'DELIMITER_IN_MESSAGE');
  });

  it('a decoder is per stream: two decoders do not share state', () => {
    const a: Decoder = createDecoder('chunked');
    const b: Decoder = createDecoder('chunked');
    assert.deepEqual(a.push(Buffer.from('\n#4\n<a/')), []);
    assert.deepEqual(b.push(encodeFrame('<b/>', 'chunked')), ['<b/>']);
    assert.deepEqual(a.push(Buffer.from('>\n##\n')), ['<a/>']);
  });
});

/** A full collection, so that what the heap holds is what is still referenced. */
const gc = ((): (() => void) => {
  v8.setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as () => void;
})();

/**
 * Bytes held on the heap and in buffers: after a full collection, a turn of the event
 * loop (buffers are freed behind the collector), and another.
 */
async function held(): Promise<number> {
  gc();
  await new Promise((resolve) => setImmediate(resolve));
  gc();
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
}

/**
 * Feeds `messageBytes` of one message as chunks of `chunk` bytes in reads of `read` bytes
 * (each a buffer of its own, as a socket hands them over), and returns the memory the
 * decoder holds per message byte before the end marker, and the decoded message.
 */
async function heapPerByte(chunk: number, read: number, messageBytes: number): Promise<{ perByte: number; message: string }> {
  const unit = Buffer.from(`\n#${chunk}\n${'x'.repeat(chunk)}`);
  const stream = Buffer.alloc(unit.length * Math.ceil(read / unit.length) * 2);
  for (let i = 0; i < stream.length; i += unit.length) unit.copy(stream, i);
  const d = createDecoder('chunked');
  const before = await held();
  const wire = Math.ceil(messageBytes / chunk) * unit.length;
  for (let at = 0; at < wire; at += read) {
    const n = Math.min(read, wire - at);
    const from = at % unit.length;
    assert.deepEqual(d.push(Buffer.from(stream.subarray(from, from + n))), []);
  }
  const perByte = ((await held()) - before) / messageBytes;
  const [message] = d.push(Buffer.from('\n##\n'));
  return { perByte, message: message ?? '' };
}

describe('memory', () => {
  const MB = 1 << 20;
  for (const [chunk, read, size] of [
    [1, 65535, 4 * MB],
    [2, 65536, 4 * MB],
    [3, 4096, 2 * MB],
    [1, 1, MB / 4],
    [7, 3, MB / 2],
    [65536, 65536, 8 * MB],
    [40000, 65536, 8 * MB],
  ] as const) {
    it(`${chunk}-byte chunks in ${read}-byte reads: under 2 bytes held per message byte`, async () => {
      const { perByte, message } = await heapPerByte(chunk, read, size);
      assert.equal(message.length, Math.ceil(size / chunk) * chunk);
      assert.ok(perByte < 2, `${perByte.toFixed(2)} bytes per message byte`);
    });
  }

  it('the message limit bounds memory: 1-byte chunks stop at the limit, and the failure frees it', async () => {
    const limit = 4 * MB;
    const d = createDecoder('chunked', { maxMessageBytes: limit });
    const read = Buffer.from('\n#1\nx'.repeat(13107));
    const before = await held();
    let pushed = 0;
    let peak = 0;
    let error: unknown;
    while (error === undefined) {
      try {
        d.push(read);
        pushed += 13107;
      } catch (err) {
        error = err;
      }
      if (pushed % (13107 * 40) === 0) peak = Math.max(peak, (await held()) - before);
    }
    assert.ok(error instanceof FramingError && error.code === 'TOO_LARGE' && /exceed 4194304 bytes/.test(error.message), String(error));
    assert.ok(pushed <= limit, `${pushed} bytes taken in`);
    assert.ok(peak / limit < 2, `${(peak / limit).toFixed(2)} bytes held per byte of the limit`);
    assert.ok((await held()) - before < MB, 'a spent decoder holds nothing');
  });
});

describe('messages ahead of bad bytes, and limits at a delimiter', () => {
  it('chunked: whole messages before junk in the same read are delivered with the error', () => {
    const d = createDecoder('chunked');
    const read = Buffer.concat([encodeFrame('<a/>', 'chunked'), encodeFrame('<b/>', 'chunked'), Buffer.from('junk')]);
    assert.throws(
      () => d.push(read),
      (err: unknown) => err instanceof FramingError && err.code === 'BAD_HEADER' && err.messages.join() === '<a/>,<b/>',
    );
    // Spent: the error again, the messages not again.
    assert.throws(() => d.push(encodeFrame('<c/>', 'chunked')), (err: unknown) => err instanceof FramingError && err.messages.length === 0);
  });

  it('end-of-message: a message at the limit whose delimiter is split across reads is delivered', () => {
    const message = '<a>0123456789</a>';
    for (let cut = 1; cut < 6; cut++) {
      const d = createDecoder('eom', { maxMessageBytes: message.length });
      const stream = Buffer.from(`${message}]]>]]>`);
      assert.deepEqual(d.push(stream.subarray(0, message.length + cut)), [], `cut ${cut}`);
      assert.deepEqual(d.push(stream.subarray(message.length + cut)), [message], `cut ${cut}`);
    }
    // One byte more is too large, delimiter or not.
    framingError(() => createDecoder('eom', { maxMessageBytes: message.length - 1 }).push(Buffer.from(`${message}]]>`)), 'TOO_LARGE');
  });

  it('end-of-message: messages before an oversized one in the same read are delivered with the error', () => {
    const d = createDecoder('eom', { maxMessageBytes: 8 });
    assert.throws(
      () => d.push(Buffer.from('<a/>]]>]]><b/>]]>]]>0123456789')),
      (err: unknown) => err instanceof FramingError && err.code === 'TOO_LARGE' && err.messages.join() === '<a/>,<b/>',
    );
  });
});
