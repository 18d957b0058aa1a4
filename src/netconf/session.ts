/**
 * A NETCONF session over the Clixon backend's internal socket (UNIX path or TCP).
 *
 * The backend puts no message-id on its replies and answers each session in order; two
 * requests in one write lose the second, and a half-written frame stalls it for every
 * client (test/fixtures/wire). So the session writes one whole frame per
 * socket write, has at most one request outstanding, and queues further rpc() calls in
 * FIFO order until the reply arrives. `<notification>` messages may arrive at any time,
 * between a request and its reply too; they go to a separate channel (async iterators
 * and the 'notification' event) and never take a request's place.
 *
 * A per-RPC timeout rejects that RPC with TimeoutError and then closes the session:
 * a late reply would otherwise be taken for the next request's. For the same reason a
 * reply carrying another message-id than the request's (the backend echoes ours on some
 * errors), a reply with no request outstanding, anything else where a reply is due
 * (`<data/>` alone, say) and an unreadable message close it with a ProtocolError. When
 * the session ends for any reason, every outstanding and queued RPC rejects with
 * SessionClosedError, its cause saying why.
 */
import { EventEmitter } from 'node:events';
import net from 'node:net';
import { logger } from '../log.ts';
import { parseString, type XmlNode } from '../xml/index.ts';
import { FramingError, NetconfError, ProtocolError, SessionClosedError, TimeoutError, rpcErrorOf } from './errors.ts';
import { createDecoder, encodeFrame, type Decoder, type FramingMode } from './framing.ts';
import { closeSession, defaultUser, hello, messageIdOf, rpcName } from './rpc.ts';

const log = logger('netconf');

/** How long connect waits for the backend's hello when no timeout is set. */
const HELLO_TIMEOUT_MS = 10_000;
/** How long close() waits for the close-session reply when no timeout is set. */
const CLOSE_TIMEOUT_MS = 10_000;

export interface SessionOptions {
  /** The backend's UNIX socket (CLICON_SOCK), or… */
  path?: string;
  /** …its TCP address (CLICON_SOCK_FAMILY IPv4/IPv6 with CLICON_SOCK_PORT); host defaults to localhost. */
  host?: string;
  port?: number;
  /** Default 'chunked', what the backend speaks. */
  framing?: FramingMode;
  /** Send a hello first and wait for the backend's (the service server does; scripts need not). */
  hello?: boolean;
  /** The hello's `cl:transport` (default `ctrl:services`). */
  transport?: string;
  /** The NETCONF user (default: the OS user); used in the hello and close-session. */
  user?: string;
  /** Per-RPC reply timeout in ms, counted from when the request is written (none by default). */
  timeout?: number;
  /** Largest message accepted from the backend, in bytes. */
  maxMessageBytes?: number;
  /** Sees every message sent and received, e.g. for the server's `-d` frame logging. */
  onFrame?: (direction: 'send' | 'recv', xml: string) => void;
}

interface Request {
  xml: string;
  name: string;
  /** The request's message-id: a reply naming another is not its answer. */
  messageId: string | undefined;
  timeout: number | undefined;
  /** Resolve with the reply's text, parsed only when it holds an rpc-error. */
  raw?: boolean;
  resolve: (reply: XmlNode | string) => void;
  reject: (err: Error) => void;
  timer?: NodeJS.Timeout;
}

/** One consumer of notifications(): its backlog and its waiting next() calls. */
interface Subscriber {
  items: XmlNode[];
  waiting: { resolve: (r: IteratorResult<XmlNode>) => void; reject: (err: Error) => void }[];
  ended: boolean;
  error?: Error;
}

export class Session {
  readonly user: string;
  #sessionId: number | undefined;
  readonly #socket: net.Socket;
  readonly #decoder: Decoder;
  readonly #mode: FramingMode;
  readonly #timeout: number | undefined;
  readonly #onFrame: SessionOptions['onFrame'];
  readonly #events = new EventEmitter();
  readonly #queue: Request[] = [];
  #current: Request | undefined;
  #helloWaiter: { resolve: (hello: XmlNode) => void; reject: (err: Error) => void } | undefined;
  readonly #subscribers = new Set<Subscriber>();
  #closed = false;
  #closeCause: Error | undefined;
  /** Set when a message broke the reply order: the rest of that read is read for notifications only, then the session ends. */
  #broken: ProtocolError | undefined;
  #closing: Promise<void> | undefined;
  readonly #socketClosed: Promise<void>;

  private constructor(socket: net.Socket, opts: SessionOptions) {
    this.user = opts.user ?? defaultUser();
    this.#socket = socket;
    this.#mode = opts.framing ?? 'chunked';
    this.#decoder = createDecoder(this.#mode, opts.maxMessageBytes !== undefined ? { maxMessageBytes: opts.maxMessageBytes } : {});
    this.#timeout = opts.timeout;
    this.#onFrame = opts.onFrame;
    this.#socketClosed = new Promise((resolve) => socket.once('close', () => resolve()));
    socket.on('data', (data: Buffer) => this.#onData(data));
    socket.on('end', () => this.#onEnd());
    socket.on('error', (err) => {
      const lost = new SessionClosedError(`the connection to the backend was lost (${err.message})`, { cause: err });
      this.#end(lost, lost.message);
    });
    socket.on('close', () => this.#end(new SessionClosedError('the backend closed the connection'), 'the backend closed the connection'));
  }

  /** Connects, and with `hello` exchanges hellos; rejects NetconfError when either fails. */
  static async connect(opts: SessionOptions): Promise<Session> {
    const where = opts.path ?? `${opts.host ?? 'localhost'}:${opts.port}`;
    if (opts.path === undefined && opts.port === undefined) throw new TypeError('Session.connect needs a socket path or a port');
    const socket =
      opts.path !== undefined ? net.createConnection({ path: opts.path }) : net.createConnection({ host: opts.host ?? 'localhost', port: opts.port as number });
    await new Promise<void>((resolve, reject) => {
      const fail = (err: Error): void => {
        clearTimeout(timer);
        socket.destroy();
        reject(new NetconfError(`cannot connect to the backend at ${where}: ${err.message}`, { cause: err }));
      };
      const ms = opts.timeout;
      const timer = ms !== undefined && ms > 0 && Number.isFinite(ms) ? setTimeout(() => fail(new TimeoutError('the connection', ms)), ms) : undefined;
      socket.once('error', fail);
      socket.once('connect', () => {
        clearTimeout(timer);
        socket.off('error', fail);
        resolve();
      });
    });
    let session: Session;
    try {
      session = new Session(socket, opts);
    } catch (err) {
      socket.destroy(); // bad options (no OS user, a non-positive size limit): nothing to keep open
      throw err;
    }
    log.debug(`connected to ${where}`);
    if (opts.hello) {
      try {
        await session.#hello(opts.transport, opts.timeout ?? HELLO_TIMEOUT_MS);
      } catch (err) {
        session.destroy(err instanceof Error ? err : new NetconfError(String(err)));
        throw err;
      }
    }
    return session;
  }

  /** The backend's session-id, from its hello (only when a hello was exchanged). */
  get sessionId(): number | undefined {
    return this.#sessionId;
  }

  get closed(): boolean {
    return this.#closed;
  }

  /**
   * Why the session ended: TimeoutError, FramingError or ProtocolError when this side
   * closed it over the backend's behaviour, SessionClosedError when the backend went away
   * (its cause the socket's error, if any); undefined while open or after close().
   */
  get closeCause(): Error | undefined {
    return this.#closeCause;
  }

  /**
   * Sends one `<rpc>` and resolves with its `<rpc-reply>` element; rejects RpcError when
   * the reply holds an error, TimeoutError after `timeout` ms (the session then closes),
   * SessionClosedError when the session ends first. Calls are answered in call order.
   * With `raw`, resolves with the reply's text unparsed (for a big get-config that is
   * parsed elsewhere); only a reply naming rpc-error is parsed, to reject RpcError.
   */
  rpc(xml: string, opts: { timeout?: number; raw: true }): Promise<string>;
  rpc(xml: string, opts?: { timeout?: number; raw?: false }): Promise<XmlNode>;
  rpc(xml: string, opts: { timeout?: number; raw?: boolean } = {}): Promise<XmlNode | string> {
    const name = rpcName(xml);
    if (this.#closed || this.#closing) {
      return Promise.reject(new SessionClosedError(`session closed: <${name}> not sent`));
    }
    return new Promise((resolve, reject) => {
      this.#queue.push({ xml, name, messageId: messageIdOf(xml), timeout: opts.timeout ?? this.#timeout, raw: opts.raw === true, resolve, reject });
      this.#pump();
    });
  }

  /**
   * Every `<notification>` element from now on, in arrival order, until the session
   * closes (then the iterator ends, or throws the error that closed it). Create it before
   * subscribing so none is missed.
   */
  notifications(): AsyncIterableIterator<XmlNode> {
    const sub: Subscriber = { items: [], waiting: [], ended: this.#closed };
    if (!this.#closed) this.#subscribers.add(sub);
    const iterator: AsyncIterableIterator<XmlNode> = {
      next: () => {
        const item = sub.items.shift();
        if (item) return Promise.resolve({ value: item, done: false });
        if (sub.error) {
          const err = sub.error;
          delete sub.error;
          return Promise.reject(err);
        }
        if (sub.ended) return Promise.resolve({ value: undefined, done: true });
        return new Promise((resolve, reject) => sub.waiting.push({ resolve, reject }));
      },
      return: () => {
        this.#subscribers.delete(sub);
        sub.ended = true;
        sub.items = [];
        for (const w of sub.waiting.splice(0)) w.resolve({ value: undefined, done: true });
        return Promise.resolve({ value: undefined, done: true });
      },
      [Symbol.asyncIterator]: () => iterator,
    };
    return iterator;
  }

  on(event: 'notification', fn: (notification: XmlNode) => void): this;
  on(event: 'close', fn: (err?: Error) => void): this;
  on(event: 'notification' | 'close', fn: (arg: XmlNode & Error) => void): this {
    this.#events.on(event, fn);
    return this;
  }

  once(event: 'notification', fn: (notification: XmlNode) => void): this;
  once(event: 'close', fn: (err?: Error) => void): this;
  once(event: 'notification' | 'close', fn: (arg: XmlNode & Error) => void): this {
    this.#events.once(event, fn);
    return this;
  }

  off(event: 'notification', fn: (notification: XmlNode) => void): this;
  off(event: 'close', fn: (err?: Error) => void): this;
  off(event: 'notification' | 'close', fn: (arg: XmlNode & Error) => void): this {
    this.#events.off(event, fn);
    return this;
  }

  /**
   * Sends close-session after the RPCs already queued (they still get their replies),
   * then closes the socket (the backend leaves it open). Later rpc() calls are refused.
   * Resolves once the socket is closed. Use destroy() to drop outstanding RPCs instead.
   */
  close(): Promise<void> {
    if (this.#closed) return this.#socketClosed;
    this.#closing ??= (async () => {
      const bye = new Promise<void>((resolve, reject) => {
        // Bounded even without a session timeout, so close() cannot hang on a silent backend.
        const timeout = this.#timeout ?? CLOSE_TIMEOUT_MS;
        const xml = closeSession({ user: this.user });
        this.#queue.push({ xml, name: 'close-session', messageId: messageIdOf(xml), timeout, resolve: () => resolve(), reject });
        this.#pump();
      });
      try {
        await bye;
      } catch (err) {
        log.debug(`close-session: ${err instanceof Error ? err.message : String(err)}`);
      }
      this.#end(undefined, 'closed by close()');
      await this.#socketClosed;
    })();
    return this.#closing;
  }

  /** Drops the connection at once; outstanding RPCs reject with SessionClosedError (cause: `err`). */
  destroy(err?: Error): void {
    this.#end(err, err ? err.message : 'destroyed');
  }

  async #hello(transport: string | undefined, timeoutMs: number): Promise<void> {
    const reply = new Promise<XmlNode>((resolve, reject) => {
      this.#helloWaiter = { resolve, reject };
    });
    const timer = setTimeout(() => this.#end(new TimeoutError("the backend's hello", timeoutMs), 'no hello from the backend'), timeoutMs);
    try {
      this.#write(hello(transport !== undefined ? { user: this.user, transport } : { user: this.user }));
      const msg = await reply;
      const id = msg.child('session-id')?.getData();
      if (id !== undefined && /^\d+$/.test(id.trim())) this.#sessionId = Number(id);
      log.debug(`hello exchanged, session-id ${this.#sessionId ?? 'none'}`);
    } finally {
      clearTimeout(timer);
      this.#helloWaiter = undefined;
    }
  }

  /** Writes one whole frame in one socket write. */
  #write(xml: string): void {
    const frame = encodeFrame(xml, this.#mode);
    this.#frameHook('send', xml);
    this.#socket.write(frame);
  }

  /** Sends the next queued request when none is outstanding. */
  #pump(): void {
    while (!this.#current && !this.#closed) {
      const req = this.#queue.shift();
      if (!req) return;
      try {
        this.#write(req.xml);
      } catch (err) {
        // The request itself cannot be framed (e.g. empty): only it fails.
        req.reject(err instanceof Error ? err : new NetconfError(String(err)));
        continue;
      }
      this.#current = req;
      const ms = req.timeout;
      if (ms !== undefined && ms > 0 && Number.isFinite(ms)) {
        req.timer = setTimeout(() => this.#onTimeout(req, ms), ms);
      }
    }
  }

  #onTimeout(req: Request, ms: number): void {
    if (this.#current !== req) return;
    this.#current = undefined;
    const err = new TimeoutError(`reply to <${req.name}>`, ms);
    req.reject(err);
    this.#end(err, `no reply to <${req.name}> within ${ms} ms, and a late reply would be taken for the next request's`);
  }

  #onData(data: Buffer): void {
    let messages: readonly string[];
    let failure: FramingError | undefined;
    try {
      messages = this.#decoder.push(data);
    } catch (err) {
      if (!(err instanceof FramingError)) throw err;
      // The whole messages before the bad bytes still count: a reply among them answers its request.
      messages = err.messages;
      failure = err;
    }
    for (const xml of messages) {
      if (this.#closed) return;
      this.#dispatch(xml);
    }
    const cause = this.#broken ?? failure;
    if (cause) this.#end(cause, cause.message);
  }

  #onEnd(): void {
    try {
      this.#decoder.end();
    } catch (err) {
      this.#end(err as Error, (err as Error).message);
      return;
    }
    this.#end(new SessionClosedError('the backend closed the connection'), 'the backend closed the connection');
  }

  #dispatch(xml: string): void {
    this.#frameHook('recv', xml);
    const head = topName(xml);
    // Once the order is broken no reply can be matched, but a notification that came with it still counts.
    if (this.#broken && head !== 'notification') return;
    if (head === 'rpc-reply' && this.#current) {
      const id = messageIdOf(xml);
      if (id !== undefined && id !== this.#current.messageId) {
        const want = this.#current.messageId === undefined ? 'none' : `"${this.#current.messageId}"`;
        this.#protocolError(`the backend sent a reply with message-id "${id}" where the reply to <${this.#current.name}> (message-id ${want}) was due`);
        return;
      }
      // A raw request's reply goes out as text: only its head and whether it names rpc-error are looked at.
      if (this.#current.raw && !xml.includes('rpc-error')) {
        this.#settle(this.#current, xml);
        return;
      }
    }
    let top: XmlNode | undefined;
    try {
      top = parseString(xml).getChildren()[0];
    } catch (err) {
      this.#protocolError(`unreadable message from the backend: ${(err as Error).message}`, err);
      return;
    }
    const kind = top?.getName().replace(/^.*:/, '');
    if (top && kind === 'rpc-reply') {
      this.#onReply(top);
    } else if (top && kind === 'notification') {
      this.#notify(top);
    } else if (top && kind === 'hello' && this.#helloWaiter) {
      this.#helloWaiter.resolve(top);
    } else if (this.#current) {
      // Waiting on would end only at the request's timeout, if it has one.
      this.#protocolError(`the backend sent ${top ? `<${kind}>` : 'an empty message'} where the reply to <${this.#current.name}> was due`);
    } else {
      log.warn(`${top ? `unexpected <${kind}>` : 'empty message'} from the backend ignored`);
    }
  }

  /** The session ends with a ProtocolError once the current read has been read (the first one found is the cause). */
  #protocolError(message: string, cause?: unknown): void {
    this.#broken ??= new ProtocolError(message, cause !== undefined ? { cause } : undefined);
  }

  #onReply(reply: XmlNode): void {
    const req = this.#current;
    if (!req && this.#helloWaiter) {
      // The backend refused the hello.
      const e = rpcErrorOf(reply) ?? new NetconfError(`the backend answered the hello with ${reply.dumps()}`);
      this.#end(e, `hello refused: ${e.message}`);
      return;
    }
    if (!req) {
      // Nothing to match it with: routing it anywhere would be a guess.
      this.#protocolError('the backend sent a reply with no request outstanding');
      return;
    }
    const err = rpcErrorOf(reply);
    if (err) {
      this.#settle(req, err);
      return;
    }
    if (reply.child('rpc-error')) log.warn(`<${req.name}> answered with warnings: ${reply.dumps()}`);
    this.#settle(req, req.raw ? reply.dumps() : reply);
  }

  /** Answers the outstanding request (its reply, or the error to reject with) and sends the next one. */
  #settle(req: Request, result: XmlNode | string | Error): void {
    clearTimeout(req.timer);
    this.#current = undefined;
    if (result instanceof Error) req.reject(result);
    else req.resolve(result);
    this.#pump();
  }

  #notify(n: XmlNode): void {
    for (const sub of this.#subscribers) {
      const w = sub.waiting.shift();
      if (w) w.resolve({ value: n, done: false });
      else sub.items.push(n);
    }
    try {
      this.#events.emit('notification', n);
    } catch (err) {
      log.error(`a notification listener threw: ${(err as Error).message}`);
    }
  }

  #frameHook(direction: 'send' | 'recv', xml: string): void {
    if (!this.#onFrame) return;
    try {
      this.#onFrame(direction, xml);
    } catch (err) {
      log.error(`onFrame threw: ${(err as Error).message}`);
    }
  }

  /** Ends the session once: rejects everything outstanding, ends iterators, emits 'close'. */
  #end(cause: Error | undefined, why: string): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#closeCause = cause;
    log.debug(`session closed: ${why}`);
    if (cause) this.#socket.destroy();
    else this.#socket.end(() => this.#socket.destroy());
    const opts = cause ? { cause } : {};
    const current = this.#current;
    this.#current = undefined;
    if (current) {
      clearTimeout(current.timer);
      current.reject(new SessionClosedError(`session closed (${why}) before the reply to <${current.name}>`, opts));
    }
    for (const req of this.#queue.splice(0)) {
      req.reject(new SessionClosedError(`session closed (${why}) before <${req.name}> was sent`, opts));
    }
    this.#helloWaiter?.reject(cause ?? new SessionClosedError(`session closed (${why}) during the hello`));
    for (const sub of this.#subscribers) {
      sub.ended = true;
      const waiting = sub.waiting.splice(0);
      // A deliberate close just ends the iteration; anything else is news to the consumer.
      if (cause) {
        const first = waiting.shift();
        if (first) first.reject(cause);
        else sub.error = cause;
      }
      for (const w of waiting) w.resolve({ value: undefined, done: true });
    }
    this.#subscribers.clear();
    try {
      this.#events.emit('close', cause);
    } catch (err) {
      log.error(`a close listener threw: ${(err as Error).message}`);
    }
  }
}

/** The local name of a message's top element, from its first start tag (an XML declaration or comments before it skipped). */
function topName(xml: string): string | undefined {
  return /^(?:\s|<\?[\s\S]*?\?>|<!--[\s\S]*?-->)*<(?:[\w.-]+:)?([\w.-]+)/.exec(xml)?.[1];
}
