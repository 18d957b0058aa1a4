/**
 * Config-tree benchmark: generates a controller config of N devices × M interfaces, then
 * prints, measured in the same run: the one-pass index behind parseString (MB/s) against
 * the whole parse (every element built) and a bare txml.parse; the heap each tree holds per
 * input byte; serializing; a module's pass that changes one leaf per device, and one that
 * reads every node, on the lazy tree against the whole one. Times are the least CPU time of
 * several runs (the machine's load, printed with them, inflates wall time).
 *
 *   node --expose-gc --import tsx scripts/bench-tree.ts [devices] [interfaces]
 *
 * Targets: index ≥ 300 MB/s, whole parse ≤ 1.5× txml, serialize ≥ 2× faster than parse,
 * heap ≤ 10× input.
 * Without --expose-gc the script re-runs itself with it.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { parse as txmlParse } from 'txml/txml';
import { existsSync, readFileSync } from 'node:fs';
import { parseString, type XmlNode } from '../src/xml/index.ts';
import { parseStringWhole } from '../src/xml/parser.ts';
import { changedConfig } from '../src/xml/changes.ts';
import { indexXml } from '../src/xml/xmlindex.ts';

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

/** This thread's CPU time in ms (Linux), else the process's (GC threads included). */
function cpuNow(): number {
  try {
    return Number(readFileSync('/proc/thread-self/schedstat', 'utf8').split(' ')[0]) / 1e6;
  } catch {
    const u = process.cpuUsage();
    return (u.user + u.system) / 1000;
  }
}

/**
 * The least CPU time (ms) of `runs` calls: on a busy machine wall time measures the wait for
 * a core as much as the work; this thread's alone leaves out the collector's threads still
 * sweeping the trees of the runs before.
 */
function best(runs: number, fn: () => void): number {
  let min = Infinity;
  for (let i = 0; i < runs; i++) {
    const c = cpuNow();
    fn();
    min = Math.min(min, cpuNow() - c);
  }
  return min;
}

function main(gc: Gc): void {
  const devices = Number(process.argv[2] ?? 1000);
  const interfaces = Number(process.argv[3] ?? 100);
  const xml = generateConfig(devices, interfaces);
  const bytes = Buffer.byteLength(xml);
  const mb = bytes / 1e6;
  console.log(`input: ${devices} devices × ${interfaces} interfaces = ${mb.toFixed(1)} MB; load ${loadavg()}`);
  if (!existsSync('/proc/thread-self/schedstat')) console.log('warning: no /proc/thread-self/schedstat: CPU times are the process\'s, the collector\'s threads included');

  // warm the parsers up on a small document so the JIT has seen them
  const small = generateConfig(20, 20);
  for (let i = 0; i < 20; i++) {
    txmlParse(small);
    parseStringWhole(small).dumps();
    walk(parseString(small));
  }

  const runs = 7;
  let txmlMs = Infinity;
  let wholeMs = Infinity;
  let indexMs = Infinity;
  // alternate so all see the same machine load
  for (let i = 0; i < runs; i++) {
    gc();
    txmlMs = Math.min(txmlMs, best(1, () => void txmlParse(xml)));
    gc();
    wholeMs = Math.min(wholeMs, best(1, () => void parseStringWhole(xml)));
    gc();
    indexMs = Math.min(indexMs, best(1, () => void parseString(xml)));
  }
  const rate = (ms: number): string => `${ms.toFixed(0)} ms CPU, ${(mb / (ms / 1000)).toFixed(0)} MB/s`;
  console.log(`one-pass index (parseString): ${rate(indexMs)} (target ≥ 300 MB/s: ${mb / (indexMs / 1000) >= 300 ? 'met' : 'NOT met'})`);
  console.log(`whole parse (baseline):       ${rate(wholeMs)}; the index is ${(wholeMs / indexMs).toFixed(1)}× faster`);
  console.log(`txml.parse:                   ${rate(txmlMs)}; whole parse/txml ${(wholeMs / txmlMs).toFixed(2)} (target ≤ 1.5)`);

  // what each tree holds (the input text is not counted: it was allocated before); the
  // index's typed arrays are outside the JS heap, so they are counted by their size
  gc();
  const h0 = process.memoryUsage().heapUsed;
  const ix = indexXml(xml);
  gc();
  const lazyHeap = process.memoryUsage().heapUsed - h0 + ix.starts.byteLength + ix.ends.byteLength;
  const whole = parseStringWhole(xml);
  gc();
  const wholeHeap = process.memoryUsage().heapUsed - h0 - (lazyHeap - ix.starts.byteLength - ix.ends.byteLength);
  console.log(
    `held: the lazy tree's index ${(lazyHeap / 1e6).toFixed(0)} MB = ${(lazyHeap / bytes).toFixed(2)} bytes per input byte (${ix.count} elements); ` +
      `whole tree ${(wholeHeap / 1e6).toFixed(0)} MB = ${(wholeHeap / bytes).toFixed(2)} (target ≤ 10)`,
  );

  let out = '';
  const wholeSer = best(runs, () => {
    out = whole.dumps();
  });
  if (out !== xml) throw new Error('whole tree: round trip is not byte-identical');
  const lazySer = best(runs, () => {
    out = parseString(xml).dumps();
  });
  if (out !== xml) throw new Error('lazy tree: round trip is not byte-identical');
  console.log(`serialize, whole tree: ${rate(wholeSer)}; parse/serialize ${(wholeMs / wholeSer).toFixed(2)} (target ≥ 2)`);
  console.log(`parse + serialize untouched, lazy tree (source copied): ${rate(lazySer)}`);

  // a module's pass: one leaf changed per device, then the edit built; against the same on the whole tree
  const touch = (root: XmlNode): string => {
    for (const d of root.devices?.getElements('device') ?? []) d.child('config')!.interfaces!.create('mtu', { data: '9000' });
    return changedConfig(root);
  };
  let lazyEdit = '';
  let wholeEdit = '';
  const lazyTouch = best(3, () => {
    lazyEdit = touch(parseString(xml));
  });
  const wholeTouch = best(3, () => {
    wholeEdit = touch(parseStringWhole(xml));
  });
  if (lazyEdit !== wholeEdit) throw new Error('the edits differ');
  console.log(`parse + one leaf per device + edit: lazy ${lazyTouch.toFixed(0)} ms, whole ${wholeTouch.toFixed(0)} ms CPU (${(wholeTouch / lazyTouch).toFixed(1)}×)`);
  // a module that reads every node: the lazy tree reads all of it, at what cost against the whole parse
  let n = 0;
  const lazyAll = best(3, () => {
    n = walk(parseString(xml));
  });
  const wholeAll = best(3, () => void walk(parseStringWhole(xml)));
  console.log(`parse + read every node (${n} elements): lazy ${lazyAll.toFixed(0)} ms, whole ${wholeAll.toFixed(0)} ms CPU (lazy/whole ${(lazyAll / wholeAll).toFixed(2)})`);
  console.log(`load at the end: ${loadavg()}`);
}

/** Reads every element's name, attributes and text; the count. */
function walk(root: XmlNode): number {
  let n = 0;
  const visit = (el: XmlNode): void => {
    n++;
    el.getAttributes();
    el.getData();
    for (const c of el.getChildren()) visit(c);
  };
  for (const c of root.getChildren()) visit(c);
  return n;
}

function loadavg(): string {
  try {
    return readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
  } catch {
    return 'unknown (no /proc/loadavg)';
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const gc = (globalThis as { gc?: Gc }).gc;
  if (gc) main(gc);
  else {
    const r = spawnSync(process.execPath, ['--expose-gc', '--import', 'tsx', ...process.argv.slice(1)], { stdio: 'inherit' });
    process.exit(r.status ?? 1);
  }
}
