/**
 * Config-tree benchmark: generates a controller config of N devices × M interfaces,
 * then prints parse time and MB/s, serialize time, heap bytes per input byte, and our
 * parse against a bare txml.parse of the same text, measured in the same run.
 *
 *   node --expose-gc --import tsx scripts/bench-tree.ts [devices] [interfaces]
 *
 * Targets: parse ≤ 1.5× txml, serialize ≥ 2× faster than parse, heap ≤ 10× input.
 * Without --expose-gc the script re-runs itself with it.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { parse as txmlParse } from 'txml/txml';
import { parseString } from '../src/xml/index.ts';

/** A compact controller config: `<devices>` with N devices of M interfaces each. */
export function generateConfig(devices: number, interfaces: number): string {
  const parts: string[] = ['<devices xmlns="http://clicon.org/controller">'];
  for (let d = 0; d < devices; d++) {
    parts.push(
      `<device><name>dev${d}</name><enabled>true</enabled><description>router ${d} &amp; friends</description>` +
        `<user>admin</user><conn-type>NETCONF_SSH</conn-type><addr>10.${d >> 8}.${d & 255}.1</addr>` +
        `<config><interfaces xmlns="urn:ietf:params:xml:ns:yang:ietf-interfaces" xmlns:cl="http://clicon.org/lib" xmlns:ianaift="urn:ietf:params:xml:ns:yang:iana-if-type">`,
    );
    for (let i = 0; i < interfaces; i++) {
      parts.push(
        `<interface cl:creator="svc[name='s${i % 7}']"><name>eth${i}</name><description>link ${i} &lt;core&gt;</description>` +
          `<type>ianaift:ethernetCsmacd</type>` +
          `<enabled>true</enabled><ipv4><address><ip>10.${i & 255}.${d & 255}.1</ip><prefix-length>24</prefix-length></address></ipv4></interface>`,
      );
    }
    parts.push('</interfaces></config></device>');
  }
  parts.push('</devices>');
  return parts.join('');
}

type Gc = () => void;

function best(runs: number, fn: () => void): number {
  let min = Infinity;
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    fn();
    min = Math.min(min, performance.now() - t);
  }
  return min;
}

function main(gc: Gc): void {
  const devices = Number(process.argv[2] ?? 1000);
  const interfaces = Number(process.argv[3] ?? 100);
  const xml = generateConfig(devices, interfaces);
  const mb = Buffer.byteLength(xml) / 1e6;
  console.log(`input: ${devices} devices × ${interfaces} interfaces = ${mb.toFixed(1)} MB`);

  // warm both parsers up on a small document so the JIT has seen them
  const small = generateConfig(20, 20);
  for (let i = 0; i < 20; i++) {
    txmlParse(small);
    parseString(small).dumps();
  }

  const runs = 5;
  let txmlMs = Infinity;
  let oursMs = Infinity;
  // alternate so both see the same machine load
  for (let i = 0; i < runs; i++) {
    gc();
    txmlMs = Math.min(txmlMs, best(1, () => void txmlParse(xml)));
    gc();
    oursMs = Math.min(oursMs, best(1, () => void parseString(xml)));
  }

  gc();
  const before = process.memoryUsage().heapUsed;
  const root = parseString(xml);
  gc();
  const heap = process.memoryUsage().heapUsed - before;

  let out = '';
  const serMs = best(runs, () => {
    out = root.dumps();
  });
  if (out !== xml) throw new Error('round trip is not byte-identical');

  console.log(`parse:      ${oursMs.toFixed(0)} ms, ${(mb / (oursMs / 1000)).toFixed(0)} MB/s`);
  console.log(`txml.parse: ${txmlMs.toFixed(0)} ms, ${(mb / (txmlMs / 1000)).toFixed(0)} MB/s`);
  console.log(`ratio ours/txml: ${(oursMs / txmlMs).toFixed(2)} (target ≤ 1.5)`);
  console.log(`serialize:  ${serMs.toFixed(0)} ms, ${(mb / (serMs / 1000)).toFixed(0)} MB/s; parse/serialize: ${(oursMs / serMs).toFixed(2)} (target ≥ 2)`);
  // the input text is not counted: it was allocated before, and leaf texts slice it
  console.log(`heap: ${(heap / 1e6).toFixed(0)} MB, ${(heap / Buffer.byteLength(xml)).toFixed(2)} bytes per input byte (target ≤ 10)`);
  console.log(`round trip: byte-identical (${root.getChildren().length} top-level element)`);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const gc = (globalThis as { gc?: Gc }).gc;
  if (gc) main(gc);
  else {
    const r = spawnSync(process.execPath, ['--expose-gc', '--import', 'tsx', ...process.argv.slice(1)], { stdio: 'inherit' });
    process.exit(r.status ?? 1);
  }
}
