/**
 * Benchmark of the simulated controller itself at scale, through its socket:
 *  1. get-config of the bench datastore (scripts/lib/bench.ts: 5000 devices × 100 interfaces,
 *     80 MB): start-up, get-config of running, of candidate after a small edit, and of actions
 *     in a services-commit; baseline in the same run: the same bytes sent pre-serialized by a
 *     bare socket server to the same client (what the transfer and the client cost alone).
 *  2. Long sibling lists: 2 devices × N list entries, loaded as the initial config and sent
 *     as one edit-config, at N and N/10: linear when the ratio is about 10 (100 if quadratic).
 *  3. One services-commit cycle with a stand-in service server that does next to nothing
 *     (reads actions raw, sends one creator-tagged leaf per device, actions-done): the
 *     simulator's share of bench-commit's cycle.
 * Targets: get-config < 1 s; N = 6000 loads in < 1 s.
 *
 *   node --expose-gc --import tsx scripts/bench-sim.ts [--devices 5000] [--interfaces 100] [--entries 6000]
 * (without --expose-gc, no heap figure)
 */
import net from 'node:net';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cac } from 'cac';
import { Session, encodeFrame, rpc } from '../src/netconf/index.ts';
import { startSimulator } from '../src/sim/index.ts';
import { benchConfig } from './lib/bench.ts';

const CTRL = 'http://clicon.org/controller';
const EXAMPLE = 'urn:example:clixon';

const cli = cac('bench-sim');
cli
  .option('--devices <n>', 'devices', { default: 5000 })
  .option('--interfaces <n>', 'interfaces per device', { default: 100 })
  .option('--entries <n>', 'list entries per device in the sibling test', { default: 6000 });
const { options } = cli.parse();
const DEVICES = Number(options.devices);
const IFACES = Number(options.interfaces);
const ENTRIES = Number(options.entries);

const dir = mkdtempSync(join(tmpdir(), 'tsapi-bench-sim-'));
const out = (s: string): boolean => process.stdout.write(s + '\n');
const ms = (x: number): string => `${x.toFixed(0)} ms`;
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
/**
 * A client that only counts the reply's bytes (the frame's size from its chunk header),
 * so that a get-config's time is the server's and the transfer's, not a client's decode.
 */
class CountingClient {
  private constructor(private readonly socket: net.Socket) {}

  static connect(path: string): Promise<CountingClient> {
    return new Promise((resolve, reject) => {
      const s = net.connect(path, () => resolve(new CountingClient(s)));
      s.once('error', reject);
    });
  }

  /** Sends one request; resolves with the reply's size once its last byte is in. */
  request(xml: string): Promise<number> {
    return new Promise((resolve) => {
      let head = '';
      let total = -1;
      let got = 0;
      const onData = (d: Buffer): void => {
        got += d.length;
        if (total < 0) {
          head += d.subarray(0, 32).toString('latin1');
          const m = /^\n#(\d+)\n/.exec(head);
          if (m) total = m[0].length + Number(m[1]) + 4;
        }
        if (total >= 0 && got >= total) {
          this.socket.off('data', onData);
          resolve(total);
        }
      };
      this.socket.on('data', onData);
      this.socket.write(encodeFrame(xml, 'chunked'));
    });
  }

  close(): void {
    this.socket.destroy();
  }
}

async function timed<T>(f: () => Promise<T>): Promise<[number, T]> {
  const t0 = performance.now();
  const r = await f();
  return [performance.now() - t0, r];
}

out(`bench-sim: load ${readFileSync('/proc/loadavg', 'utf8').trim()}`);

// ---- 2. long sibling lists ----
function entriesXml(devices: number, entries: number): string {
  let x = `<devices xmlns="${CTRL}">`;
  for (let d = 0; d < devices; d++) {
    x += `<device><name>d${d}</name><config><table xmlns="${EXAMPLE}">`;
    // In arrival order x1, x2, …, which clixon's order (x1, x10, x100, …) is not.
    for (let i = 1; i <= entries; i++) x += `<parameter><name>x${i}</name><value>${i}</value></parameter>`;
    x += '</table></config></device>';
  }
  return x + '</devices>';
}

async function siblings(entries: number): Promise<{ loadMs: number; editMs: number }> {
  const config = entriesXml(2, entries);
  const sock = join(dir, `list${entries}.sock`);
  const [loadMs, sim] = await timed(() => startSimulator({ path: sock, config }));
  await sim.close();
  const empty = await startSimulator({ path: sock, config: `<devices xmlns="${CTRL}"><device><name>d0</name></device><device><name>d1</name></device></devices>` });
  const s = await Session.connect({ path: sock, user: 'admin', timeout: 600_000 });
  const [editMs] = await timed(() => s.rpc(rpc.editConfig({ target: 'candidate', config })));
  await s.close();
  await empty.close();
  return { loadMs, editMs };
}

/** Best of three (the figures are small: one collection or a busy core would swamp them). */
async function bestSiblings(entries: number): Promise<{ loadMs: number; editMs: number }> {
  const runs = [await siblings(entries), await siblings(entries), await siblings(entries)];
  return { loadMs: Math.min(...runs.map((r) => r.loadMs)), editMs: Math.min(...runs.map((r) => r.editMs)) };
}

{
  await siblings(100); // warm-up
  const small = await bestSiblings(Math.max(1, Math.round(ENTRIES / 10)));
  const big = await bestSiblings(ENTRIES);
  out(`\n2. 2 devices × ${ENTRIES} list entries, best of 3: initial load ${ms(big.loadMs)}, one edit-config ${ms(big.editMs)} (target < 1000 ms: ${Math.max(big.loadMs, big.editMs) < 1000 ? 'met' : 'NOT met'})`);
  out(
    `  at ${Math.round(ENTRIES / 10)} entries: ${ms(small.loadMs)}, ${ms(small.editMs)}; ratio ${(big.loadMs / small.loadMs).toFixed(1)}× and ${(big.editMs / small.editMs).toFixed(1)}× for 10× the entries (10 linear, 100 quadratic)`,
  );
}

// ---- 1. get-config of the bench datastore ----
{
  // Flat (slicing flattens the rope benchConfig builds), so that the parse freeing the rope's pieces does not offset the heap figure.
  const config = (' ' + benchConfig(DEVICES, IFACES)).slice(1);
  const sock = join(dir, 'big.sock');
  const gc = (globalThis as { gc?: () => void }).gc;
  gc?.();
  const heap0 = process.memoryUsage().heapUsed;
  const [startMs, sim] = await timed(() => startSimulator({ path: sock, config }));
  gc?.();
  // The config text stays alive here (it is this script's), so the difference is the simulator's.
  const heap = gc ? `heap held by the simulator ${((process.memoryUsage().heapUsed - heap0) / 1e6).toFixed(0)} MB` : 'heap: run with node --expose-gc --import tsx';
  out(`\n1. ${DEVICES} devices × ${IFACES} interfaces, ${(config.length / 1e6).toFixed(1)} MB: start-up ${ms(startMs)}; ${heap}`);
  const s = await Session.connect({ path: sock, user: 'admin', timeout: 600_000 });
  const counter = await CountingClient.connect(sock);
  const runs: number[] = [];
  let bytes = 0;
  for (let i = 0; i < 3; i++) {
    const [t, size] = await timed(() => counter.request(rpc.getConfig({ source: 'running' })));
    runs.push(t);
    bytes = size;
  }
  out(`  get-config running: ${runs.map(ms).join(', ')} (median ${ms(median(runs))}, ${(bytes / 1e6).toFixed(1)} MB; target < 1000 ms: ${median(runs) < 1000 ? 'met' : 'NOT met'})`);
  const [editMs] = await timed(() =>
    s.rpc(rpc.editConfig({ target: 'candidate', config: `<services xmlns="${CTRL}"><x xmlns="${EXAMPLE}"><name>a</name></x></services>` })),
  );
  const afterEdit: number[] = [];
  for (let i = 0; i < 3; i++) afterEdit.push((await timed(() => counter.request(rpc.getConfig({ source: 'candidate' }))))[0]);
  out(`  edit-config candidate (one service entry) ${ms(editMs)}; then get-config candidate: ${afterEdit.map(ms).join(', ')}`);

  // Baseline: the same reply, serialized once beforehand, from a bare server to the same client.
  const reply = await s.rpc(rpc.getConfig({ source: 'running' }), { raw: true });
  const frame = encodeFrame(reply, 'chunked');
  const bareSock = join(dir, 'bare.sock');
  const bare = net.createServer((c) => {
    // Every request (the session sends no hello) gets the prepared reply.
    c.on('data', (d) => {
      for (let n = d.toString('latin1').split('\n##\n').length - 1; n > 0; n--) c.write(frame);
    });
  });
  await new Promise<void>((r) => bare.listen(bareSock, r));
  const b = await CountingClient.connect(bareSock);
  const bareRuns: number[] = [];
  for (let i = 0; i < 3; i++) bareRuns.push((await timed(() => b.request(rpc.getConfig({ source: 'running' }))))[0]);
  b.close();
  await new Promise<void>((r) => bare.close(() => r()));
  out(`  baseline, the same bytes pre-serialized from a bare socket server: ${bareRuns.map(ms).join(', ')} (median ${ms(median(bareRuns))}); the simulator's own share ${ms(median(runs) - median(bareRuns))}`);

  // ---- 3. one services-commit cycle with a stand-in service server ----
  const handler = await Session.connect({ path: sock, user: 'admin', timeout: 600_000 });
  const notes = handler.notifications();
  await handler.rpc(rpc.createSubscription({ stream: 'services-commit' }));
  await s.rpc(rpc.createSubscription({ stream: 'controller-transaction' }));
  const outcomes = s.notifications();
  await s.rpc(rpc.discardChanges());
  await s.rpc(
    rpc.editConfig({ target: 'candidate', config: `<services xmlns="${CTRL}"><x xmlns="${EXAMPLE}"><name>b</name></x></services>` }),
  );
  const steps: string[] = [];
  const serve = (async () => {
    const n = (await notes.next()).value!;
    const tid = n.child('services-commit')!.child('tid')!.getData();
    const [readMs, actionsBytes] = await timed(() => counter.request(rpc.getConfig({ source: 'actions' })));
    let edit = `<devices xmlns="${CTRL}">`;
    for (let i = 0; i < DEVICES; i++)
      edit += `<device><name>dev${i}</name><config><system xmlns="urn:example:sys"><contact cl:creator="x[name='b']">noc@example.com</contact></system></config></device>`;
    edit += '</devices>';
    const [editActionsMs] = await timed(() => handler.rpc(rpc.editConfig({ target: 'actions', config: edit })));
    const [doneMs] = await timed(() => handler.rpc(rpc.transactionActionsDone({ tid })));
    steps.push(`get-config actions ${ms(readMs)} (${(actionsBytes / 1e6).toFixed(1)} MB)`, `edit-config ${ms(editActionsMs)} (${(edit.length / 1e3).toFixed(0)} KB)`, `transaction-actions-done ${ms(doneMs)}`);
  })();
  const [cycleMs] = await timed(async () => {
    const [commitMs] = await timed(() => s.rpc(rpc.controllerCommit({ push: 'COMMIT', actions: 'CHANGE', source: 'ds:candidate' })));
    steps.unshift(`controller-commit reply ${ms(commitMs)}`);
    await serve;
    for (;;) {
      const o = (await outcomes.next()).value!;
      const result = o.child('controller-transaction')?.child('result')?.getData();
      if (result !== undefined) {
        steps.push(`outcome ${result}`);
        return;
      }
    }
  });
  out(`\n3. one services-commit, stand-in service server (one tagged leaf per device): ${ms(cycleMs)} from controller-commit to the outcome`);
  out(`  ${steps.join('; ')}`);
  const [afterMs] = await timed(() => counter.request(rpc.getConfig({ source: 'running' })));
  out(`  get-config running after the commit ${ms(afterMs)}`);
  counter.close();
  await handler.close();
  await s.close();
  await sim.close();
}

out(`\nload at the end ${readFileSync('/proc/loadavg', 'utf8').trim()}`);
rmSync(dir, { recursive: true, force: true });
