/**
 * Framing decoder speed: a 100 MB message delivered in 64 KiB reads, as one chunk (what
 * the Clixon backend sends) and as 64 KiB chunks (RFC 6242 allows many), and in
 * end-of-message framing. Prints each decode time and its ratio to a plain
 * `Buffer.concat` of the same reads measured in the same run (target: ratio <= 2), and
 * the floor of any decoder that must return a string: one concat plus one UTF-8 decode.
 *
 *   npx tsx scripts/bench-framing.ts [megabytes]
 */
import v8 from 'node:v8';
import vm from 'node:vm';
import { createDecoder, encodeFrame, type FramingMode } from '../src/netconf/index.ts';

const MB = Number(process.argv[2] ?? 100);
const READ = 64 * 1024;
const ROUNDS = 7;

/** ASCII-heavy XML with some multi-byte characters, like real configuration. */
function makeXml(bytes: number): string {
  const unit = '<parameter><name>param-00001-with-a-longer-name</name><value>value</value></parameter>';
  const body = unit.repeat(Math.ceil(bytes / Buffer.byteLength(unit)));
  return `<rpc-reply xmlns="urn:ietf:params:xml:ns:netconf:base:1.0"><data>${body}</data></rpc-reply>`;
}

function manyChunks(xml: string, chunk: number): Buffer {
  const body = Buffer.from(xml, 'utf8');
  const parts: Buffer[] = [];
  for (let i = 0; i < body.length; i += chunk) {
    const piece = body.subarray(i, i + chunk);
    parts.push(Buffer.from(`\n#${piece.length}\n`), piece);
  }
  parts.push(Buffer.from('\n##\n'));
  return Buffer.concat(parts);
}

function reads(stream: Buffer): Buffer[] {
  const out: Buffer[] = [];
  // Copies, as a socket hands over fresh buffers.
  for (let i = 0; i < stream.length; i += READ) out.push(Buffer.from(stream.subarray(i, i + READ)));
  return out;
}

// A collection between measurements, so one run's garbage is not billed to the next.
v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc') as () => void;

function time(fn: () => number): number {
  gc();
  const t0 = process.hrtime.bigint();
  if (fn() < 0) console.log('unreachable');
  return Number(process.hrtime.bigint() - t0) / 1e6;
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[xs.length >> 1] as number;

const xml = makeXml(MB * 1e6);
const cases: { name: string; mode: FramingMode; stream: Buffer }[] = [
  { name: 'chunked, one chunk', mode: 'chunked', stream: encodeFrame(xml, 'chunked') },
  { name: 'chunked, 64 KiB chunks', mode: 'chunked', stream: manyChunks(xml, 64 * 1024) },
  { name: 'end-of-message', mode: 'eom', stream: encodeFrame(xml, 'eom') },
];

console.log(`message: ${(Buffer.byteLength(xml) / 1e6).toFixed(1)} MB in ${READ / 1024} KiB reads, median of ${ROUNDS} interleaved rounds`);
for (const c of cases) {
  const rs = reads(c.stream);
  const concat: number[] = [];
  const decode: number[] = [];
  const floor: number[] = [];
  const ratios: number[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    const base = time(() => Buffer.concat(rs).length);
    const ours = time(() => {
      const d = createDecoder(c.mode, { maxMessageBytes: 512 * 1024 * 1024 });
      let got = 0;
      for (const read of rs) for (const m of d.push(read)) got += m.length;
      d.end();
      if (got !== xml.length) throw new Error(`decoded ${got} chars, expected ${xml.length}`);
      return got;
    });
    floor.push(time(() => Buffer.concat(rs).toString('utf8').length));
    concat.push(base);
    decode.push(ours);
    ratios.push(ours / base);
  }
  console.log(
    `${c.name.padEnd(24)} decode ${median(decode).toFixed(1)} ms | Buffer.concat ${median(concat).toFixed(1)} ms | ratio ${median(ratios).toFixed(2)}` +
      ` | floor (concat + toString) ${median(floor).toFixed(1)} ms`,
  );
}
