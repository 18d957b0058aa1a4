/**
 * A fake controller for the service server: a UNIX socket speaking chunked framing that
 * answers the server's requests as clixon-controller does (hello, subscriptions, the
 * transaction's state, service-timeout, actions, edit-config, the answer), keeps the
 * state of each transaction it sent (ACTIONS until answered, then DONE) and records every
 * answer. A test scripts misbehaviour per request through `script`: stall, close, send
 * other frames or raw bytes, at the exact moment it wants.
 */
import { createServer, type Server, type Socket } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createDecoder, encodeFrame } from '../../src/netconf/index.ts';
import { DEADLINE_MS } from '../deadline.ts';

const NC = 'urn:ietf:params:xml:ns:netconf:base:1.0';
const CTRL = 'http://clicon.org/controller';
export const OK = `<rpc-reply xmlns="${NC}"><ok/></rpc-reply>`;
/** Where the numbers of connections without a hello start. */
const SIDE_CONNECTIONS = 1000;

/**
 * What the fake does with one request: the usual answer, nothing, hang up, frames or bytes
 * of its own (then hang up, with `close`), or the usual answer bent: repeated, after other
 * frames or followed by some, late, or written a byte at a time.
 */
export type Action =
  | 'default'
  | 'stall'
  | 'close'
  | { frames: string[] }
  | { raw: Buffer; close?: boolean }
  | { answer: { repeat?: number; before?: string[]; after?: string[]; delayMs?: number; dribble?: boolean } };

export interface Request {
  /** The connection, counted from 1. */
  conn: number;
  /** `hello`, `create-subscription`, `get`, `get-config`, `edit-config`, `transaction-actions-done`, … */
  op: string;
  xml: string;
  /** The tid it names, if any. */
  tid?: string;
  /** For get-config: the source datastore. */
  source?: string;
}

export interface Answer {
  tid: string;
  kind: 'done' | 'error';
  reason?: string;
  conn: number;
}

export interface FakeOptions {
  /** What services/service-timeout holds, seconds (absent: the leaf is not set). */
  serviceTimeoutS?: number;
  /** The actions datastore's content (inside `<data>`). */
  actions?: string;
  /**
   * Per device, its `get-device-schema` replies as recorded from a real controller
   * (test/models/fixtures.ts): the list, and the list with each module's text (detail).
   * These devices are also what running lists under devices. A device not here gets the
   * controller's "No matching device found"; none given: the fake has no devices.
   */
  deviceSchemas?: Record<string, { list: string; detail: string }>;
}

/** The actions datastore of the usual test: one testsvc instance, two devices with an empty table. */
export const ACTIONS =
  `<services xmlns="${CTRL}"><testsvc xmlns="urn:example:testsvc"><name>s1</name><params>p1</params></testsvc></services>` +
  `<devices xmlns="${CTRL}">` +
  ['dev1', 'dev2'].map((d) => `<device><name>${d}</name><config><table xmlns="urn:example:clixon"/></config></device>`).join('') +
  '</devices>';

export class FakeController {
  readonly path: string;
  readonly requests: Request[] = [];
  readonly answers: Answer[] = [];
  /** Per request, what to do instead of the usual answer ('default' or undefined: the usual). */
  script: (req: Request) => Action | undefined = () => undefined;
  readonly #dir: string;
  readonly #server: Server;
  readonly #sockets = new Map<number, Socket>();
  readonly #state = new Map<string, 'ACTIONS' | 'DONE'>();
  readonly #waiters: (() => void)[] = [];
  #subscriber: number | undefined;
  #connections = 0;
  #side = 0;
  /** Every socket open, numbered yet or not. */
  readonly #open = new Set<Socket>();

  private constructor(readonly opts: FakeOptions) {
    this.#dir = mkdtempSync(join(tmpdir(), 'tsapi-fake-'));
    this.path = join(this.#dir, 'controller.sock');
    this.#server = createServer((s) => this.#serve(s));
  }

  static async start(opts: FakeOptions = {}): Promise<FakeController> {
    const f = new FakeController(opts);
    await new Promise<void>((resolve, reject) => {
      f.#server.once('error', reject);
      f.#server.listen(f.path, resolve);
    });
    return f;
  }

  /** Service server connections (those opening with a hello) so far. */
  get connections(): number {
    return this.#connections;
  }

  /** The services-commit notification for `tid`, as the controller writes it. */
  static servicesCommit(tid: string, services: string[] = []): string {
    return (
      `<notification xmlns="urn:ietf:params:xml:ns:netconf:notification:1.0"><eventTime>2026-11-28T08:15:27.787972Z</eventTime>` +
      `<services-commit xmlns="${CTRL}"><tid>${tid}</tid><source>actions</source><target>actions</target>` +
      services.map((s) => `<service>${s}</service>`).join('') +
      '</services-commit></notification>'
    );
  }

  /** Starts transaction `tid` (it waits in ACTIONS for an answer); returns the notification to send. */
  begin(tid: string): string {
    this.#state.set(tid, 'ACTIONS');
    return FakeController.servicesCommit(tid);
  }

  /** Starts transaction `tid` and sends its services-commit to the subscriber; returns the connection it went on. */
  commit(tid: string): number {
    const conn = this.#subscriber;
    const s = conn !== undefined ? this.#sockets.get(conn) : undefined;
    if (conn === undefined || !s) throw new Error('no services-commit subscriber');
    s.write(encodeFrame(this.begin(tid), 'chunked'));
    return conn;
  }

  /** Sends a notification (`<notification>…`) to the services-commit subscriber. */
  notify(xml: string): void {
    const conn = this.#subscriber;
    const s = conn !== undefined ? this.#sockets.get(conn) : undefined;
    if (conn === undefined || !s) throw new Error('no services-commit subscriber');
    s.write(encodeFrame(xml, 'chunked'));
  }

  /** Whether connection `conn` is still open. */
  isOpen(conn: number): boolean {
    return this.#sockets.has(conn);
  }

  /** Hangs up on every connection, as a controller going away would. */
  dropAll(): void {
    for (const s of this.#open) s.destroy();
  }

  /** Resolves once `cond` holds (checked on every request, answer and connection, and on recheck()); rejects past the deadline naming `what`. */
  until(what: string, cond: () => boolean, deadlineMs = DEADLINE_MS): Promise<void> {
    if (cond()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`fake controller: waited in vain for ${what}; requests: ${this.requests.map((r) => `${r.conn}:${r.op}`).join(' ')}`)), deadlineMs);
      const check = (): void => {
        if (!cond()) return void this.#waiters.push(check);
        clearTimeout(timer);
        resolve();
      };
      this.#waiters.push(check);
    });
  }

  /** The answers given for `tid`, once there is one. */
  async answered(tid: string): Promise<Answer[]> {
    await this.until(`an answer for tid ${tid}`, () => this.answers.some((a) => a.tid === tid));
    return this.answers.filter((a) => a.tid === tid);
  }

  /** Resolves once a services-commit subscriber is connected (counting from connection `from`). */
  subscribed(from = 1): Promise<void> {
    return this.until(`a subscriber on connection ${from} or later`, () => this.#subscriber !== undefined && this.#subscriber >= from);
  }

  async close(): Promise<void> {
    this.dropAll();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
    rmSync(this.#dir, { recursive: true, force: true });
  }

  /** Checks the conditions until() waits on again: for conditions on something outside the fake, a log line say. */
  recheck(): void {
    this.#wake();
  }

  #wake(): void {
    for (const w of this.#waiters.splice(0)) w();
  }

  #serve(socket: Socket): void {
    // Numbered by its first message: a session that says hello (a service server) 1, 2, …;
    // one that does not (a script, the server's models session) from SIDE_CONNECTIONS on.
    let conn: number | undefined;
    this.#open.add(socket);
    const decoder = createDecoder('chunked');
    socket.on('data', (d: Buffer) => {
      let messages: string[];
      try {
        messages = decoder.push(d);
      } catch {
        socket.destroy();
        return;
      }
      for (const xml of messages) {
        if (conn === undefined) {
          conn = /^<hello\b/.test(xml) ? ++this.#connections : SIDE_CONNECTIONS + ++this.#side;
          this.#sockets.set(conn, socket);
        }
        this.#request(conn, socket, xml);
      }
    });
    socket.on('error', () => socket.destroy());
    socket.on('close', () => {
      this.#open.delete(socket);
      if (conn !== undefined) this.#sockets.delete(conn);
      if (this.#subscriber === conn) this.#subscriber = undefined;
      this.#wake();
    });
    this.#wake();
  }

  #request(conn: number, socket: Socket, xml: string): void {
    const op = /^<hello\b/.test(xml) ? 'hello' : (/<rpc\b[^>]*>\s*<([\w-]+)/.exec(xml)?.[1] ?? '?');
    const req: Request = { conn, op, xml };
    const tid = /<(?:co:)?tid>(\d+)</.exec(xml)?.[1] ?? /co:tid='(\d+)'/.exec(xml)?.[1];
    if (tid !== undefined) req.tid = tid;
    const source = /<source><([\w-]+)/.exec(xml)?.[1];
    if (source !== undefined) req.source = source;
    this.requests.push(req);
    const action = this.script(req) ?? 'default';
    // Subscribed once the subscription is answered, as it is unless bent.
    if (op === 'create-subscription' && xml.includes('<stream>services-commit</stream>') && (action === 'default' || (typeof action === 'object' && 'answer' in action))) {
      this.#subscriber = conn;
    }
    const frames = (list: string[]): Buffer => Buffer.concat(list.map((f) => encodeFrame(f, 'chunked')));
    if (action === 'close') socket.destroy();
    else if (action === 'stall') {
      // no answer
    } else if (action === 'default') {
      socket.write(frames(this.#answer(req, xml)));
    } else if ('raw' in action) {
      socket.write(action.raw);
      if (action.close) socket.end(() => socket.destroy());
    } else if ('frames' in action) {
      socket.write(frames(action.frames));
    } else {
      const a = action.answer;
      const answer = this.#answer(req, xml);
      const bytes = frames([...(a.before ?? []), ...Array.from({ length: a.repeat ?? 1 }, () => answer).flat(), ...(a.after ?? [])]);
      const write = (): void => {
        if (socket.destroyed) return;
        if (!a.dribble) socket.write(bytes);
        else for (let i = 0; i < bytes.length; i++) socket.write(bytes.subarray(i, i + 1));
      };
      if (a.delayMs !== undefined) setTimeout(write, a.delayMs);
      else write();
    }
    this.#wake();
  }

  /** The answer clixon-controller gives (controller_rpc.c for the transaction's RPCs). */
  #answer(req: Request, xml: string): string[] {
    const reply = (inner: string): string => `<rpc-reply xmlns="${NC}">${inner}</rpc-reply>`;
    switch (req.op) {
      case 'hello':
        return [`<hello xmlns="${NC}"><session-id>${req.conn}</session-id></hello>`];
      case 'create-subscription':
        return [OK];
      case 'get': {
        const state = req.tid !== undefined ? this.#state.get(req.tid) : undefined;
        if (state === undefined) return [reply('<data/>')];
        return [reply(`<data><transactions xmlns="${CTRL}"><transaction><tid>${req.tid}</tid><username>alice</username><state>${state}</state></transaction></transactions></data>`)];
      }
      case 'get-config':
        if (req.source === 'running' && xml.includes('ctrl:devices/ctrl:device/ctrl:name')) {
          const names = Object.keys(this.opts.deviceSchemas ?? {});
          return [reply(names.length === 0 ? '<data/>' : `<data><devices xmlns="${CTRL}">${names.map((n) => `<device><name>${n}</name></device>`).join('')}</devices></data>`)];
        }
        if (req.source === 'running') {
          const t = this.opts.serviceTimeoutS;
          return [reply(t === undefined ? '<data/>' : `<data><services xmlns="${CTRL}"><service-timeout>${t}</service-timeout></services></data>`)];
        }
        return [reply(`<data>${this.opts.actions ?? ACTIONS}</data>`)];
      case 'get-device-schema': {
        const device = /<device>([^<]*)<\/device>/.exec(xml)?.[1] ?? '';
        const recorded = this.opts.deviceSchemas?.[device];
        if (!recorded) return [operationFailed('No matching device found')];
        return [xml.includes('<detail>true</detail>') ? recorded.detail : recorded.list];
      }
      case 'transaction-actions-done':
      case 'transaction-error': {
        const state = req.tid !== undefined ? this.#state.get(req.tid) : undefined;
        if (state !== 'ACTIONS') return [operationFailed(state === undefined ? 'No such transaction' : 'Transaction already completed')];
        this.#state.set(req.tid!, 'DONE');
        const answer: Answer = { tid: req.tid!, kind: req.op === 'transaction-error' ? 'error' : 'done', conn: req.conn };
        const reason = /<reason>([\s\S]*)<\/reason>/.exec(xml)?.[1];
        if (reason !== undefined) answer.reason = unescape(reason);
        this.answers.push(answer);
        return [OK];
      }
      default:
        return [OK];
    }
  }
}

function operationFailed(message: string): string {
  return `<rpc-reply xmlns="${NC}"><rpc-error><error-type>application</error-type><error-tag>operation-failed</error-tag><error-severity>error</error-severity><error-message>${message}</error-message></rpc-error></rpc-reply>`;
}

function unescape(text: string): string {
  const named: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };
  return text.replace(/&(lt|gt|amp|quot|apos);/g, (_m, name: string) => named[name] ?? '');
}
