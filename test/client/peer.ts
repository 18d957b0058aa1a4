/**
 * A scripted controller for the client tests: a UNIX socket speaking NETCONF 1.1 chunked
 * framing, answering each request through a handler and recording what it received.
 * It is independent of src/netconf on purpose, so the client's wire output is checked
 * against a second reading of the framing.
 */
import { createServer, type Server, type Socket } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** What the peer does with one request: frames to send back (reply, notifications), or 'close'. */
export type Answer = string[] | 'close' | 'silent';
export type Handler = (xml: string, peer: Peer) => Answer;

export class Peer {
  readonly path: string;
  readonly received: string[] = [];
  readonly #dir: string;
  readonly #server: Server;
  readonly #sockets = new Set<Socket>();
  handler: Handler;

  private constructor(handler: Handler) {
    this.#dir = mkdtempSync(join(tmpdir(), 'cx-peer-'));
    this.path = join(this.#dir, 'controller.sock');
    this.handler = handler;
    this.#server = createServer((s) => this.#serve(s));
  }

  static async start(handler: Handler): Promise<Peer> {
    const p = new Peer(handler);
    await new Promise<void>((resolve, reject) => {
      p.#server.once('error', reject);
      p.#server.listen(p.path, resolve);
    });
    return p;
  }

  /** Sends a frame to every connected client, outside any request. */
  push(xml: string): void {
    for (const s of this.#sockets) s.write(frame(xml));
  }

  /** Drops every client connection, as a controller going away would. */
  dropClients(): void {
    for (const s of this.#sockets) s.destroy();
  }

  async close(): Promise<void> {
    for (const s of this.#sockets) s.destroy();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
    rmSync(this.#dir, { recursive: true, force: true });
  }

  #serve(s: Socket): void {
    this.#sockets.add(s);
    s.on('close', () => this.#sockets.delete(s));
    s.on('error', () => s.destroy());
    let buf = Buffer.alloc(0);
    let msg = '';
    s.on('data', (d: Buffer) => {
      buf = Buffer.concat([buf, d]);
      for (;;) {
        const m = /^\n#(\d+)\n|^\n##\n/.exec(buf.subarray(0, 20).toString('latin1'));
        if (!m) return;
        if (m[1] === undefined) {
          buf = buf.subarray(4);
          this.#answer(s, msg);
          msg = '';
          continue;
        }
        const len = Number(m[1]);
        const start = m[0].length;
        if (buf.length < start + len) return;
        msg += buf.subarray(start, start + len).toString('utf8');
        buf = buf.subarray(start + len);
      }
    });
  }

  #answer(s: Socket, xml: string): void {
    this.received.push(xml);
    const a = this.handler(xml, this);
    if (a === 'close') s.destroy();
    else if (a !== 'silent') for (const f of a) s.write(frame(f));
  }
}

/** Runs `fn` against a fresh peer answering with `handler`; the peer is closed afterwards, whatever happens. */
export async function withPeer(handler: Handler, fn: (peer: Peer) => Promise<void>): Promise<void> {
  const peer = await Peer.start(handler);
  try {
    await fn(peer);
  } finally {
    await peer.close();
  }
}

export function frame(xml: string): Buffer {
  const body = Buffer.from(xml, 'utf8');
  return Buffer.concat([Buffer.from(`\n#${body.length}\n`), body, Buffer.from('\n##\n')]);
}

const NS = 'urn:ietf:params:xml:ns:netconf:base:1.0';
export const ok = `<rpc-reply xmlns="${NS}"><ok/></rpc-reply>`;
export const reply = (inner: string): string => `<rpc-reply xmlns="${NS}">${inner}</rpc-reply>`;
export const tidReply = (tid: number | string): string => reply(`<tid xmlns="http://clicon.org/controller">${tid}</tid>`);
export function transactionNotification(tid: number | string, result = 'SUCCESS', extra = ''): string {
  return `<notification xmlns="urn:ietf:params:xml:ns:netconf:notification:1.0"><eventTime>2026-11-28T08:15:27.787972Z</eventTime><controller-transaction xmlns="http://clicon.org/controller"><tid>${tid}</tid><username>root</username><result>${result}</result>${extra}</controller-transaction></notification>`;
}
export function rpcError(tag: string, message: string, type = 'application'): string {
  return reply(
    `<rpc-error><error-type>${type}</error-type><error-tag>${tag}</error-tag><error-severity>error</error-severity><error-message>${message}</error-message></rpc-error>`,
  );
}

/** The request element's name: `get-config`, `controller-commit`, … */
export function op(xml: string): string {
  return /<rpc\b[^>]*>\s*<([\w:-]+)/.exec(xml)?.[1] ?? '';
}

/** A peer that answers like the controller did in the recordings, tids counting from 15. */
export function controllerLike(opts: { data?: string; diff?: string; devicesDiff?: string; devdata?: string; firstTid?: number } = {}): Handler {
  let tid = opts.firstTid ?? 15;
  return (xml) => {
    switch (op(xml)) {
      case 'get-config':
        return [reply(`<data>${opts.data ?? ''}</data>`)];
      case 'controller-commit':
      case 'config-pull':
      case 'connection-change': {
        const t = tid++;
        return [tidReply(t), transactionNotification(t)];
      }
      case 'device-template-apply': {
        if (xml.includes('<type>CONFIG</type>')) return [ok];
        const t = tid++;
        // the notification first: the client must not depend on the order
        return [transactionNotification(t), tidReply(t)];
      }
      case 'device-rpc-result':
        return [reply(`<tid xmlns="http://clicon.org/controller">${/<tid>(\d+)</.exec(xml)?.[1]}</tid><devices xmlns="http://clicon.org/controller">${opts.devdata ?? ''}</devices>`)];
      case 'datastore-diff':
        if (xml.includes('<dsref1>')) return [reply(`<diff xmlns="http://clicon.org/controller">${opts.diff ?? ''}</diff>`)];
        return [reply(opts.devicesDiff ?? '')];
      case 'get':
        if (xml.includes('co:transactions'))
          return [reply('<data><transactions xmlns="http://clicon.org/controller"><transaction><tid>4</tid><username>root</username><result>SUCCESS</result><devices><device><name>dev1</name></device><device><name>dev2</name></device></devices><state>DONE</state><description>Controller commit actions:CHANGE push:COMMIT</description><timestamp0>2026-11-28T08:12:20.431201Z</timestamp0><timestamp>2026-11-28T08:12:20.446554Z</timestamp></transaction></transactions></data>')];
        return [reply('<data><devices xmlns="http://clicon.org/controller"><device><name>dev1</name><conn-state>OPEN</conn-state><conn-state-timestamp>2026-11-28T08:13:11.034123Z</conn-state-timestamp></device><device><name>dev2</name><conn-state>CLOSED</conn-state><logmsg>Connection refused</logmsg></device></devices></data>')];
      default:
        return [ok];
    }
  };
}
