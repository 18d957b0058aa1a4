/**
 * The simulated controller's protocol side: sessions on a UNIX/TCP socket, framing
 * (src/netconf's chunked codec), hello, RPC dispatch with the recorded reply and
 * rpc-error shapes, notifications.
 * Each message is handled to completion before the next; a reply is written before
 * the notifications its RPC causes, except services-commit, which the controller emits
 * while handling controller-commit (before the `<tid>` reply).
 */
import net from 'node:net';
import { unlinkSync, existsSync } from 'node:fs';
import { userInfo } from 'node:os';
import { logger } from '../log.ts';
import { SNode, parseXml, escapeAttr } from './tree.ts';
import { escapeText, XmlParseError } from '../xml/index.ts';
import { createDecoder, encodeFrame, FramingError, type Decoder } from '../netconf/index.ts';
import { NS } from './datamodel.ts';
import { SimRpcError } from './edit.ts';
import type { Controller } from './controller.ts';

const log = logger('sim');

export const DEFAULT_MAX_MESSAGE_BYTES = 512 * 1024 * 1024;

/** Another process already serves on the socket path. */
export class SocketInUseError extends Error {
  constructor(readonly path: string) {
    super(`socket ${path} is in use by another process`);
    this.name = 'SocketInUseError';
  }
}

/** Whether something accepts connections on a UNIX socket path. */
function socketAlive(path: string): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect(path);
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

export class SimSession {
  readonly streams = new Set<string>();
  username?: string;
  closed = false;
  private readonly decoder: Decoder;

  constructor(
    readonly id: number,
    private readonly socket: net.Socket,
    private readonly server: SimServer,
    maxMessageBytes: number,
  ) {
    // Chunked from the first byte, as the backend reads its socket; per read, the messages it completed.
    this.decoder = createDecoder('chunked', { maxMessageBytes });
    socket.on('data', (d) => this.onData(d));
    socket.on('error', () => this.end());
    socket.on('close', () => this.end());
  }

  send(xml: string): void {
    if (this.closed || this.socket.destroyed) return;
    this.socket.write(encodeFrame(xml, 'chunked'));
  }

  /** Drops the connection without a reply (what the backend does on broken framing). */
  end(): void {
    if (this.closed) return;
    this.closed = true;
    this.socket.destroy();
    this.server.sessionEnded(this);
  }

  private onData(data: Buffer): void {
    let msgs: string[];
    try {
      msgs = this.decoder.push(data);
    } catch (e) {
      if (e instanceof FramingError) {
        log.debug(`session ${this.id}: ${e.message}, closing`);
        this.end();
        return;
      }
      throw e;
    }
    if (msgs.length > 1) {
      // The backend reads one buffer and parses what it got as one message.
      this.send(malformed('More than one message in netconf rpc frame'));
      return;
    }
    for (const m of msgs) this.server.handle(this, m);
  }
}

export function errorReply(e: SimRpcError, messageId?: string): string {
  const mid = e.echoId && messageId !== undefined ? ` message-id="${escapeAttr(messageId)}"` : '';
  return (
    `<rpc-reply xmlns="${NS.base}"${mid}><rpc-error><error-type>${e.errorType}</error-type>` +
    `<error-tag>${e.errorTag}</error-tag>${e.info ? `<error-info>${e.info}</error-info>` : ''}` +
    `<error-severity>error</error-severity><error-message>${escapeText(e.message)}</error-message></rpc-error></rpc-reply>`
  );
}

function malformed(message: string): string {
  return errorReply(new SimRpcError('rpc', 'malformed-message', message));
}

export function operationFailed(message: string): SimRpcError {
  return new SimRpcError('application', 'operation-failed', message);
}

/** A handler's outcome: the inside of `<rpc-reply>`, and what happens once it is sent. */
export interface RpcResult {
  body: string;
  after?: () => void;
}

export class SimServer {
  private readonly servers: net.Server[] = [];
  readonly sessions = new Set<SimSession>();
  private nextSessionId = 1;
  path?: string;
  port?: number;

  constructor(
    private readonly controller: Controller,
    private readonly maxMessageBytes = DEFAULT_MAX_MESSAGE_BYTES,
  ) {}

  async listen(opts: { path?: string; host?: string; port?: number }): Promise<void> {
    if (opts.path) {
      if (existsSync(opts.path)) {
        if (await socketAlive(opts.path)) throw new SocketInUseError(opts.path);
        unlinkSync(opts.path);
      }
      await this.listenOne((s) => s.listen(opts.path));
      this.path = opts.path;
    }
    if (opts.port !== undefined) {
      const srv = await this.listenOne((s) => s.listen(opts.port, opts.host ?? '127.0.0.1'));
      const addr = srv.address();
      this.port = typeof addr === 'object' && addr ? addr.port : opts.port;
    }
  }

  private listenOne(start: (s: net.Server) => void): Promise<net.Server> {
    const srv = net.createServer((sock) => this.accept(sock));
    this.servers.push(srv);
    return new Promise((resolve, reject) => {
      srv.once('error', reject);
      srv.once('listening', () => {
        srv.off('error', reject);
        resolve(srv);
      });
      start(srv);
    });
  }

  private accept(sock: net.Socket): void {
    const s = new SimSession(this.nextSessionId++, sock, this, this.maxMessageBytes);
    this.sessions.add(s);
    log.debug(`session ${s.id} connected`);
  }

  sessionEnded(s: SimSession): void {
    this.sessions.delete(s);
    this.controller.sessionClosed(s);
    log.debug(`session ${s.id} closed`);
  }

  async close(): Promise<void> {
    for (const s of [...this.sessions]) s.end();
    await Promise.all(this.servers.map((srv) => new Promise<void>((r) => srv.close(() => r()))));
    if (this.path && existsSync(this.path)) unlinkSync(this.path);
  }

  /** Sends a notification to every session subscribed to the stream. */
  notify(stream: string, body: string): void {
    const xml = `<notification xmlns="${NS.notif}"><eventTime>${timestamp()}</eventTime>${body}</notification>`;
    for (const s of this.sessions) if (s.streams.has(stream)) s.send(xml);
  }

  handle(s: SimSession, xml: string): void {
    let doc: SNode;
    try {
      doc = parseXml(xml);
    } catch (e) {
      if (e instanceof XmlParseError) {
        s.send(malformed('XML parse error'));
        return;
      }
      throw e;
    }
    if (doc.children.length === 0) {
      s.send(malformed('Empty message in netconf rpc frame'));
      return;
    }
    if (doc.children.length > 1) {
      s.send(malformed('More than one message in netconf rpc frame'));
      return;
    }
    const msg = doc.children[0]!;
    if (msg.localName === 'hello') {
      const user = attrByLocal(msg, 'username');
      if (user) s.username = user;
      s.send(`<hello xmlns="${NS.base}"><session-id>${s.id}</session-id></hello>`);
      return;
    }
    const messageId = msg.attrs.get('message-id');
    if (msg.localName !== 'rpc') {
      s.send(errorReply(unknownRpc(msg.localName), messageId));
      return;
    }
    const op = msg.children[0];
    if (!op) {
      s.send(malformed('Empty message in netconf rpc frame'));
      return;
    }
    const user = attrByLocal(msg, 'username') ?? s.username ?? osUser();
    let result: RpcResult;
    try {
      result = this.controller.dispatch(s, op, user);
    } catch (e) {
      if (e instanceof SimRpcError) s.send(errorReply(e, messageId));
      else {
        log.error(e);
        s.send(errorReply(operationFailed(e instanceof Error ? e.message : String(e)), messageId));
      }
      return;
    }
    s.send(`<rpc-reply xmlns="${NS.base}">${result.body}</rpc-reply>`);
    try {
      result.after?.();
    } catch (e) {
      // The reply is out; a failure after it must not take the simulator down.
      log.error(e);
    }
  }
}

export function unknownRpc(name: string): SimRpcError {
  return new SimRpcError('application', 'unknown-element', 'Unrecognized RPC (wrong namespace?)', `<bad-element>${escapeText(name)}</bad-element>`, true);
}

export function attrByLocal(n: SNode, local: string): string | undefined {
  for (const [k, v] of n.attrs) if (k === local || k.endsWith(`:${local}`)) return v;
  return undefined;
}

function osUser(): string {
  try {
    return userInfo().username;
  } catch {
    return 'root';
  }
}

/** The controller's time format: ISO 8601 UTC with microseconds. */
export function timestamp(d = new Date()): string {
  return d.toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}
