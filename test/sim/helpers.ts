/**
 * Test helpers for the simulator: a raw NETCONF client over a plain socket using the
 * src/netconf framing codec (one frame per write, replies and notifications kept in
 * arrival order), temp dirs, and the recorded wire files.
 */
import net from 'node:net';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createDecoder, encodeFrame } from '../../src/netconf/index.ts';
import { startSimulator, type Simulator, type SimulatorOptions } from '../../src/sim/index.ts';

import { CLIXON_EXAMPLE_MODELS, WIRE } from '../wire.ts';
import { DEADLINE_MS } from '../deadline.ts';
export { WIRE };
export const BASE = 'urn:ietf:params:xml:ns:netconf:base:1.0';
export const CTRL = 'http://clicon.org/controller';

const WAIT_MS = DEADLINE_MS;

export class RawClient {
  private readonly decoder = createDecoder('chunked');
  private readonly queue: string[] = [];
  private waiters: (() => void)[] = [];
  closed = false;

  private constructor(readonly socket: net.Socket) {
    socket.on('data', (d) => {
      for (const m of this.decoder.push(d)) this.queue.push(m);
      this.wake();
    });
    socket.on('close', () => {
      this.closed = true;
      this.wake();
    });
    socket.on('error', () => undefined);
  }

  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }

  static connect(path: string): Promise<RawClient> {
    return new Promise((resolve, reject) => {
      const s = net.connect(path, () => resolve(new RawClient(s)));
      s.once('error', reject);
    });
  }

  sendRaw(bytes: Buffer | string): void {
    this.socket.write(bytes);
  }

  send(xml: string): void {
    this.socket.write(encodeFrame(xml, 'chunked'));
  }

  /** The next message (reply or notification), in arrival order. */
  async next(timeout = WAIT_MS): Promise<string> {
    const deadline = Date.now() + timeout;
    while (this.queue.length === 0) {
      if (this.closed) throw new Error('connection closed');
      const left = deadline - Date.now();
      if (left <= 0) throw new Error('timeout waiting for a message');
      await new Promise<void>((r) => {
        const t = setTimeout(r, left);
        this.waiters.push(() => {
          clearTimeout(t);
          r();
        });
      });
    }
    return this.queue.shift()!;
  }

  /** Sends one request and returns the next message that is not a notification. */
  async rpc(xml: string): Promise<string> {
    this.send(xml);
    for (;;) {
      const m = await this.next();
      if (!m.startsWith('<notification')) return m;
      this.notifications.push(m);
    }
  }

  readonly notifications: string[] = [];

  /** The next notification (held ones first). */
  async notification(timeout = WAIT_MS): Promise<string> {
    if (this.notifications.length > 0) return this.notifications.shift()!;
    for (;;) {
      const m = await this.next(timeout);
      if (m.startsWith('<notification')) return m;
      throw new Error(`expected a notification, got ${m}`);
    }
  }

  /** Resolves when the server closes the connection. */
  async waitClosed(timeout = WAIT_MS): Promise<void> {
    const deadline = Date.now() + timeout;
    while (!this.closed) {
      if (Date.now() > deadline) throw new Error('timeout waiting for close');
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  pending(): number {
    return this.queue.length;
  }

  close(): void {
    this.socket.destroy();
  }
}

export function rpc(body: string, user = 'root'): string {
  return `<rpc xmlns="${BASE}" username="${user}" message-id="42">${body}</rpc>`;
}

export interface Rig {
  sim: Simulator;
  dir: string;
  clients: RawClient[];
  connect(): Promise<RawClient>;
  close(): Promise<void>;
}

export async function rig(opts: Partial<SimulatorOptions> = {}): Promise<Rig> {
  const dir = mkdtempSync(join(tmpdir(), 'sim-test-'));
  const sim = await startSimulator({ path: join(dir, 'ctrl.sock'), config: RIG_CONFIG, yangDirs: [WIRE, ...CLIXON_EXAMPLE_MODELS], ...opts });
  const clients: RawClient[] = [];
  return {
    sim,
    dir,
    clients,
    async connect() {
      const c = await RawClient.connect(sim.path!);
      clients.push(c);
      return c;
    },
    async close() {
      for (const c of clients) c.close();
      await sim.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The devices of the recordings' rig, empty device configs, no services. */
export const RIG_CONFIG = `<config>
<devices xmlns="${CTRL}">
<device><name>dev1</name><enabled>true</enabled><description>rig device 1</description><user>root</user><conn-type>NETCONF_SSH</conn-type><port>8301</port><yang-config>VALIDATE</yang-config><private-candidate>false</private-candidate><addr>127.0.0.1</addr><config/></device>
<device><name>dev2</name><enabled>true</enabled><description>rig device 2</description><user>root</user><conn-type>NETCONF_SSH</conn-type><port>8302</port><yang-config>VALIDATE</yang-config><private-candidate>false</private-candidate><addr>127.0.0.1</addr><config/></device>
</devices>
</config>`;

export interface WireLine {
  seq: number;
  from: 'client' | 'backend';
  scenario?: string | null;
  xml: string;
}

export function readJsonl(file: string): WireLine[] {
  return readFileSync(join(WIRE, file), 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as WireLine);
}
