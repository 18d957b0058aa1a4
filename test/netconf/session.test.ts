/**
 * Session over a real socket against a scripted peer that plays the Clixon backend:
 * hello, FIFO replies for many callers, one frame per write, notifications between a
 * request and its reply, rpc-error fields from the recorded bytes, timeout, the peer
 * closing with RPCs pending, broken framing, close-session, TCP.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, it } from 'node:test';
import {
  FramingError,
  NetconfError,
  ProtocolError,
  RpcError,
  Session,
  SessionClosedError,
  TimeoutError,
  createDecoder,
  encodeFrame,
  rpc,
  type SessionOptions,
} from '../../src/netconf/index.ts';
import type { XmlNode } from '../../src/xml/index.ts';
import { WIRE } from '../wire.ts';
import { DEADLINE_MS } from '../deadline.ts';

const NC = 'urn:ietf:params:xml:ns:netconf:base:1.0';
const OK = `<rpc-reply xmlns="${NC}"><ok/></rpc-reply>`;
const T = { timeout: DEADLINE_MS }; // no test may hang

const notification = (tid: number): string =>
  `<notification xmlns="urn:ietf:params:xml:ns:netconf:notification:1.0"><eventTime>2026-11-28T08:12:18Z</eventTime>` +
  `<controller-transaction xmlns="http://clicon.org/controller"><tid>${tid}</tid><result>SUCCESS</result></controller-transaction></notification>`;

interface PeerConn {
  socket: net.Socket;
  received: string[];
  /** Each data event's bytes, to check the client never puts two frames (or half of one) in a write. */
  dataEvents: Buffer[];
  send(xml: string): void;
  sendRaw(bytes: Buffer | string): void;
}

interface Peer {
  opts: SessionOptions;
  conns: PeerConn[];
  connected: Promise<PeerConn>;
  closed: Promise<void>;
  close(): Promise<void>;
}

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** A backend stand-in on a temporary UNIX socket (or TCP): `onMessage` scripts its answers. */
async function startPeer(onMessage: (xml: string, conn: PeerConn) => void, tcp = false): Promise<Peer> {
  const conns: PeerConn[] = [];
  let connected!: (c: PeerConn) => void;
  let closed!: () => void;
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    const decoder = createDecoder('chunked');
    const conn: PeerConn = {
      socket,
      received: [],
      dataEvents: [],
      send: (xml) => socket.write(encodeFrame(xml, 'chunked')),
      sendRaw: (bytes) => socket.write(bytes),
    };
    conns.push(conn);
    socket.on('data', (data: Buffer) => {
      conn.dataEvents.push(data);
      for (const xml of decoder.push(data)) {
        conn.received.push(xml);
        onMessage(xml, conn);
      }
    });
    socket.on('error', () => undefined);
    socket.on('close', () => {
      sockets.delete(socket);
      closed();
    });
    connected(conn);
  });
  const peer: Peer = {
    opts: {},
    conns,
    connected: new Promise((resolve) => (connected = resolve)),
    closed: new Promise((resolve) => (closed = resolve)),
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
  if (tcp) {
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    peer.opts = { host: '127.0.0.1', port: (server.address() as net.AddressInfo).port };
  } else {
    const dir = mkdtempSync(join(os.tmpdir(), 'netconf-test-'));
    const path = join(dir, 'backend.sock');
    await new Promise<void>((resolve) => server.listen(path, resolve));
    peer.opts = { path };
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  }
  cleanups.push(() => peer.close());
  return peer;
}

async function connect(peer: Peer, opts: SessionOptions = {}): Promise<Session> {
  const session = await Session.connect({ user: 'root', ...peer.opts, ...opts });
  cleanups.push(() => session.destroy());
  return session;
}

/** The operation inside an rpc, e.g. `get-config`. */
const opOf = (xml: string): string => /<rpc\b[^>]*><([\w-]+)/.exec(xml)?.[1] ?? '?';

const reject = async (p: Promise<unknown>): Promise<unknown> => {
  try {
    await p;
  } catch (err) {
    return err;
  }
  assert.fail('expected a rejection');
};

describe('Session', () => {
  it('hello: sends the recorded server hello and reads the session-id', T, async () => {
    const peer = await startPeer((xml, c) => {
      if (xml.startsWith('<hello')) c.send(`<hello xmlns="${NC}"><session-id>21</session-id></hello>`);
    });
    const session = await connect(peer, { hello: true });
    const recorded = JSON.parse(readFileSync(join(WIRE, 'session-pyapi.jsonl'), 'utf8').split('\n')[0] as string) as { xml: string };
    assert.deepEqual(peer.conns[0]?.received, [recorded.xml]);
    assert.equal(session.sessionId, 21);
    assert.equal(session.user, 'root');
    assert.equal(session.closed, false);
  });

  it('without hello nothing is sent until the first rpc', T, async () => {
    const peer = await startPeer((_xml, c) => c.send(OK));
    const session = await connect(peer);
    assert.equal(session.sessionId, undefined);
    const reply = await session.rpc(rpc.commit({ user: 'root' }));
    assert.equal(reply.getName(), 'rpc-reply');
    assert.ok(reply.child('ok'));
    assert.deepEqual(peer.conns[0]?.received, [rpc.commit({ user: 'root' })]);
  });

  it('many concurrent callers each get their own reply, in FIFO order, one frame per write', T, async () => {
    let outstanding = 0;
    let maxOutstanding = 0;
    const order: number[] = [];
    const peer = await startPeer((xml, c) => {
      outstanding++;
      maxOutstanding = Math.max(maxOutstanding, outstanding);
      const n = Number(/nc:select="\/n(\d+)"/.exec(xml)?.[1]);
      order.push(n);
      // Answer slowly, so any request written early would show up as a second frame.
      setTimeout(() => {
        outstanding--;
        c.send(`<rpc-reply xmlns="${NC}"><data><n>${n}</n></data></rpc-reply>`);
      }, n % 3);
    });
    const session = await connect(peer);
    const calls = Array.from({ length: 40 }, (_, i) => session.rpc(rpc.getConfig({ user: 'root', source: 'running', xpath: `/n${i}` })));
    const replies = await Promise.all(calls);
    assert.deepEqual(
      replies.map((r) => r.child('data')?.child('n')?.getData()),
      Array.from({ length: 40 }, (_, i) => String(i)),
    );
    assert.deepEqual(order, Array.from({ length: 40 }, (_, i) => i));
    assert.equal(maxOutstanding, 1);
    const events = peer.conns[0]?.dataEvents ?? [];
    assert.equal(events.length, 40);
    for (const data of events) {
      const d = createDecoder('chunked');
      assert.equal(d.push(data).length, 1, 'exactly one whole frame per write');
      d.end();
    }
  });

  it('notifications between a request and its reply go to the notification channel', T, async () => {
    const peer = await startPeer((xml, c) => {
      if (opOf(xml) === 'create-subscription') {
        c.send(OK);
        c.send(notification(1)); // right after the ok, before the next request (as recorded)
      } else {
        c.send(notification(2));
        // A notification and the reply in one read, then a notification after it.
        c.sendRaw(Buffer.concat([encodeFrame(notification(3), 'chunked'), encodeFrame(`<rpc-reply xmlns="${NC}"><tid xmlns="http://clicon.org/controller">7</tid></rpc-reply>`, 'chunked')]));
        c.send(notification(4));
      }
    });
    const session = await connect(peer);
    const iterated = session.notifications();
    const events: string[] = [];
    session.on('notification', (n) => events.push(n.child('controller-transaction')?.child('tid')?.getData() ?? '?'));
    assert.ok((await session.rpc(rpc.createSubscription({ user: 'root', stream: 'controller-transaction' }))).child('ok'));
    const reply = await session.rpc(rpc.controllerCommit({ user: 'root', push: 'COMMIT' }));
    assert.equal(reply.child('tid')?.getData(), '7');
    const tids: string[] = [];
    for await (const n of iterated) {
      assert.equal(n.getName(), 'notification');
      tids.push(n.child('controller-transaction')?.child('tid')?.getData() ?? '?');
      if (tids.length === 4) break;
    }
    assert.deepEqual(tids, ['1', '2', '3', '4']);
    assert.deepEqual(events, ['1', '2', '3', '4']);
  });

  it('rpc-error replies (the recorded bytes) become RpcError with every field', T, async () => {
    const cases = JSON.parse(readFileSync(join(WIRE, 'errors.json'), 'utf8')) as { case: string; reply_raw?: string; second_reply?: string }[];
    const replies = cases.flatMap((c) => (c.reply_raw ? [c.reply_raw] : c.second_reply ? [c.second_reply] : []));
    let i = 0;
    const peer = await startPeer((_xml, c) => c.sendRaw(replies[i++] as string));
    const session = await connect(peer);
    const errors: RpcError[] = [];
    for (let k = 0; k < replies.length; k++) {
      const err = await reject(session.rpc(rpc.commit({ user: 'root' })));
      assert.ok(err instanceof RpcError, String(err));
      errors.push(err);
    }
    const [unknown, exists] = errors as [RpcError, RpcError];
    assert.equal(unknown.errorType, 'application');
    assert.equal(unknown.errorTag, 'unknown-element');
    assert.equal(unknown.severity, 'error');
    assert.equal(unknown.errorMessage, 'Failed to find YANG spec of XML node: nosuch with parent: config in namespace: urn:example:none');
    assert.equal(unknown.errorInfo?.child('bad-element')?.getData(), 'nosuch');
    assert.equal(unknown.message, `unknown-element: ${unknown.errorMessage}`);
    assert.ok(unknown instanceof NetconfError);
    assert.equal(exists.errorTag, 'data-exists');
    assert.equal(exists.errorInfo, undefined);
    const lock = errors.find((e) => e.errorTag === 'lock-denied') as RpcError;
    assert.equal(lock.errorType, 'protocol');
    assert.equal(lock.errorInfo?.child('session-id')?.getData(), '119');
    assert.equal(lock.errorMessage, 'Operation failed, lock is already held');
    assert.ok(errors.some((e) => e.errorType === 'rpc' && e.errorTag === 'malformed-message'));
    // The session stays usable after rpc-errors.
    assert.equal(session.closed, false);
  });

  it('a reply with several rpc-errors keeps all of them; warnings alone do not fail', T, async () => {
    const two =
      `<rpc-reply xmlns="${NC}"><rpc-error><error-type>application</error-type><error-tag>invalid-value</error-tag><error-severity>error</error-severity>` +
      `<error-app-tag>too-big</error-app-tag><error-path>/a/b</error-path><error-message>first</error-message></rpc-error>` +
      `<rpc-error><error-type>protocol</error-type><error-tag>bad-element</error-tag><error-severity>error</error-severity><error-message>second</error-message></rpc-error></rpc-reply>`;
    const warning = `<rpc-reply xmlns="${NC}"><rpc-error><error-type>application</error-type><error-tag>x</error-tag><error-severity>warning</error-severity></rpc-error><ok/></rpc-reply>`;
    const answers = [two, warning];
    const peer = await startPeer((_xml, c) => c.send(answers.shift() as string));
    const session = await connect(peer);
    const err = (await reject(session.rpc(rpc.commit({ user: 'root' })))) as RpcError;
    assert.equal(err.errors.length, 2);
    assert.equal(err.errorAppTag, 'too-big');
    assert.equal(err.errorPath, '/a/b');
    assert.deepEqual(
      err.errors.map((e) => [e.errorType, e.errorTag, e.errorMessage]),
      [
        ['application', 'invalid-value', 'first'],
        ['protocol', 'bad-element', 'second'],
      ],
    );
    assert.match(err.message, /invalid-value: first .*; bad-element: second/);
    assert.ok((await session.rpc(rpc.commit({ user: 'root' }))).child('ok'));
  });

  it('raw: the reply text as it came; an rpc-error still rejects RpcError; notifications still parsed', T, async () => {
    const data = `<?xml version="1.0"?><rpc-reply xmlns="${NC}"><data><x a="1">t &amp; u</x></data></rpc-reply>`;
    const refused = `<rpc-reply xmlns="${NC}"><rpc-error><error-type>application</error-type><error-tag>invalid-value</error-tag><error-severity>error</error-severity><error-message>no</error-message></rpc-error></rpc-reply>`;
    const answers = [[notification(4), data], [refused], [OK]];
    const peer = await startPeer((_xml, c) => {
      for (const a of answers.shift() as string[]) c.send(a);
    });
    const session = await connect(peer);
    const seen: XmlNode[] = [];
    session.on('notification', (n) => seen.push(n));
    assert.equal(await session.rpc(rpc.getConfig({ user: 'root', source: 'running' }), { raw: true }), data);
    const err = await reject(session.rpc(rpc.commit({ user: 'root' }), { raw: true }));
    assert.ok(err instanceof RpcError && err.errorMessage === 'no', String(err));
    assert.ok((await session.rpc(rpc.commit({ user: 'root' }))).child('ok'));
    assert.equal(seen[0]?.child('controller-transaction')?.child('tid')?.getData(), '4');
  });

  it('timeout: TimeoutError, then the session closes and queued calls reject', T, async () => {
    const peer = await startPeer(() => undefined); // never answers
    const session = await connect(peer, { timeout: 50 });
    let closedWith: Error | undefined;
    session.on('close', (err) => (closedWith = err));
    const first = session.rpc(rpc.getConfig({ user: 'root', source: 'running' }));
    const queued = session.rpc(rpc.commit({ user: 'root' }));
    const err = await reject(first);
    assert.ok(err instanceof TimeoutError);
    assert.equal(err.waitingFor, 'reply to <get-config>');
    const qerr = await reject(queued);
    assert.ok(qerr instanceof SessionClosedError);
    assert.match(qerr.message, /<commit> was sent/);
    assert.equal(qerr.cause, err);
    assert.equal(session.closed, true);
    assert.equal(closedWith, err);
    assert.ok((await reject(session.rpc(rpc.commit({ user: 'root' })))) instanceof SessionClosedError);
    await peer.closed;
  });

  it('a per-call timeout overrides the session default', T, async () => {
    const peer = await startPeer(() => undefined);
    const session = await connect(peer);
    const err = await reject(session.rpc(rpc.commit({ user: 'root' }), { timeout: 20 }));
    assert.ok(err instanceof TimeoutError);
  });

  it('the backend closing the socket rejects the pending and every queued rpc', T, async () => {
    const peer = await startPeer((_xml, c) => c.socket.destroy());
    const session = await connect(peer);
    const closed = new Promise<Error | undefined>((resolve) => session.on('close', resolve));
    const iterator = session.notifications();
    const calls = [0, 1, 2].map(() => session.rpc(rpc.commit({ user: 'root' })));
    const errs = await Promise.all(calls.map(reject));
    for (const e of errs) assert.ok(e instanceof SessionClosedError);
    assert.match((errs[0] as Error).message, /backend closed the connection.*before the reply to <commit>/);
    assert.match((errs[1] as Error).message, /backend closed the connection.*before <commit> was sent/);
    assert.ok((await closed) instanceof SessionClosedError);
    assert.equal(session.closed, true);
    const next = await iterator.next().catch((e: unknown) => e);
    assert.ok(next instanceof SessionClosedError);
    assert.deepEqual(await iterator.next(), { value: undefined, done: true });
  });

  it('broken framing from the backend closes the session with the FramingError', T, async () => {
    const peer = await startPeer((_xml, c) => c.sendRaw('\n#12x\n<rpc-reply/>\n##\n'));
    const session = await connect(peer);
    const closed = new Promise<Error | undefined>((resolve) => session.on('close', resolve));
    const err = await reject(session.rpc(rpc.commit({ user: 'root' })));
    assert.ok(err instanceof SessionClosedError);
    assert.ok(err.cause instanceof FramingError);
    assert.equal(err.cause.code, 'BAD_CHUNK_SIZE');
    const cause = await closed;
    assert.ok(cause instanceof FramingError);
    await peer.closed; // and the socket is gone
  });

  it('a frame cut off by the end of the stream is TRUNCATED', T, async () => {
    const peer = await startPeer((_xml, c) => {
      c.sendRaw(encodeFrame(OK, 'chunked').subarray(0, 20));
      c.socket.end();
    });
    const session = await connect(peer);
    const err = await reject(session.rpc(rpc.commit({ user: 'root' })));
    assert.ok(err instanceof SessionClosedError);
    assert.ok(err.cause instanceof FramingError);
    assert.equal(err.cause.code, 'TRUNCATED');
  });

  it('a reply nobody asked for closes the session rather than being misrouted', T, async () => {
    const peer = await startPeer(() => undefined);
    const session = await connect(peer);
    const closed = new Promise<Error | undefined>((resolve) => session.on('close', resolve));
    (await peer.connected).send(OK);
    const cause = await closed;
    assert.ok(cause instanceof NetconfError);
    assert.match(cause.message, /no request outstanding/);
  });

  it('close() sends close-session after queued calls, then closes the socket', T, async () => {
    const peer = await startPeer((_xml, c) => c.send(OK));
    const session = await connect(peer);
    let closeEvent: Error | undefined | null = null;
    session.on('close', (err) => (closeEvent = err));
    const iterator = session.notifications();
    const before = session.rpc(rpc.commit({ user: 'root' }));
    const closing = session.close();
    assert.ok((await reject(session.rpc(rpc.commit({ user: 'root' })))) instanceof SessionClosedError);
    await before;
    await closing;
    await session.close(); // idempotent
    await peer.closed;
    assert.deepEqual(peer.conns[0]?.received, [rpc.commit({ user: 'root' }), rpc.closeSession({ user: 'root' })]);
    assert.equal(session.closed, true);
    assert.equal(closeEvent, undefined);
    assert.deepEqual(await iterator.next(), { value: undefined, done: true });
  });

  it('close() on a backend that does not answer close-session still closes', T, async () => {
    const peer = await startPeer(() => undefined);
    const session = await connect(peer, { timeout: 50 });
    await session.close();
    await peer.closed;
    assert.equal(session.closed, true);
    assert.equal(opOf(peer.conns[0]?.received[0] ?? ''), 'close-session');
  });

  it('a hello answered with rpc-error fails connect with the RpcError', T, async () => {
    const refusal =
      `<rpc-reply xmlns="${NC}"><rpc-error><error-type>protocol</error-type><error-tag>access-denied</error-tag>` +
      `<error-severity>error</error-severity><error-message>no such user</error-message></rpc-error></rpc-reply>`;
    const peer = await startPeer((_xml, c) => c.send(refusal));
    const err = await reject(Session.connect({ ...peer.opts, hello: true, user: 'nobody' }));
    assert.ok(err instanceof RpcError);
    assert.equal(err.errorTag, 'access-denied');
    await peer.closed;
  });

  it('onFrame sees every message sent and received', T, async () => {
    const frames: [string, string][] = [];
    const peer = await startPeer((xml, c) => {
      if (xml.startsWith('<hello')) c.send(`<hello xmlns="${NC}"><session-id>5</session-id></hello>`);
      else c.send(OK);
    });
    const session = await connect(peer, { hello: true, onFrame: (d, xml) => frames.push([d, xml.slice(0, 12)]) });
    await session.rpc(rpc.commit({ user: 'root' }));
    assert.deepEqual(frames, [
      ['send', '<hello xmlns'],
      ['recv', '<hello xmlns'],
      ['send', '<rpc xmlns="'],
      ['recv', '<rpc-reply x'],
    ]);
  });

  it('works over TCP host:port', T, async () => {
    const peer = await startPeer((xml, c) => c.send(`<rpc-reply xmlns="${NC}"><data><op>${opOf(xml)}</op></data></rpc-reply>`), true);
    const session = await connect(peer);
    const reply: XmlNode = await session.rpc(rpc.lock({ user: 'root' }));
    assert.equal(reply.child('data')?.child('op')?.getData(), 'lock');
  });

  it('connecting to nothing rejects with a NetconfError', T, async () => {
    const dir = mkdtempSync(join(os.tmpdir(), 'netconf-test-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const err = await reject(Session.connect({ path: join(dir, 'none.sock') }));
    assert.ok(err instanceof NetconfError);
    assert.match(err.message, /cannot connect/);
  });

  it('a backend that never says hello fails connect after the timeout', T, async () => {
    const peer = await startPeer(() => undefined);
    const err = await reject(Session.connect({ ...peer.opts, hello: true, timeout: 50 }));
    assert.ok(err instanceof TimeoutError);
    assert.match(err.waitingFor, /hello/);
  });

  it('a reply with another message-id is not the request\'s answer: the session closes naming both', T, async () => {
    // The backend echoes the request's message-id on some rpc-errors (test/fixtures/wire/README.md, errors.json): that one is the answer.
    const echoed = `<rpc-reply xmlns="${NC}" message-id="42"><rpc-error><error-type>application</error-type><error-tag>unknown-element</error-tag><error-severity>error</error-severity><error-message>Unrecognized RPC</error-message></rpc-error></rpc-reply>`;
    const peer = await startPeer((xml, c) => c.send(opOf(xml) === 'commit' ? `<rpc-reply xmlns="${NC}" message-id="7"><ok/></rpc-reply>` : echoed));
    const session = await connect(peer);
    assert.ok((await reject(session.rpc(rpc.lock({ user: 'root' })))) instanceof RpcError);
    for (const raw of [false, true]) {
      const s = raw ? await connect(peer) : session;
      const err = await reject(raw ? s.rpc(rpc.commit({ user: 'root' }), { raw: true }) : s.rpc(rpc.commit({ user: 'root' })));
      assert.ok(err instanceof SessionClosedError, String(err));
      assert.ok(err.cause instanceof ProtocolError);
      assert.match(err.cause.message, /message-id "7" where the reply to <commit> \(message-id "42"\) was due/);
      assert.ok(s.closed);
    }
  });

  it('<data/> where a reply is due closes the session naming the request; between requests it is ignored', T, async () => {
    const peer = await startPeer((xml, c) => {
      if (opOf(xml) === 'get-config') return c.send('<data/>');
      // A stray <data/> after the reply, then a notification: once that is in, the stray was read with nothing due.
      c.send(OK);
      c.send('<data/>');
      c.send(notification(3));
    });
    const session = await connect(peer);
    const notes = session.notifications();
    assert.ok((await session.rpc(rpc.commit({ user: 'root' }))).child('ok'));
    await notes.next();
    assert.ok(!session.closed, 'the stray <data/> was skipped');
    const err = await reject(session.rpc(rpc.getConfig({ user: 'root', source: 'running' })));
    assert.ok(err instanceof SessionClosedError);
    assert.ok(err.cause instanceof ProtocolError);
    assert.match(err.cause.message, /sent <data> where the reply to <get-config> was due/);
  });

  it('whole messages ahead of bad bytes in one read are delivered, then the session closes', T, async () => {
    const peer = await startPeer((_xml, c) => c.sendRaw(Buffer.concat([encodeFrame(OK, 'chunked'), encodeFrame(notification(9), 'chunked'), Buffer.from('junk')])));
    const session = await connect(peer);
    const notes = session.notifications();
    const closed = new Promise<Error | undefined>((resolve) => session.on('close', resolve));
    assert.ok((await session.rpc(rpc.commit({ user: 'root' }))).child('ok'));
    const first = await notes.next();
    assert.equal(first.value?.find('controller-transaction/tid')?.getData(), '9');
    const cause = await closed;
    assert.ok(cause instanceof FramingError && cause.code === 'BAD_HEADER', String(cause));
  });

  it('a notification in the same read as a message that breaks the reply order is still delivered; then the session closes', T, async () => {
    const peer = await startPeer((_xml, c) => c.sendRaw(Buffer.concat([encodeFrame(`<rpc-reply xmlns="${NC}" message-id="7"><ok/></rpc-reply>`, 'chunked'), encodeFrame(notification(5), 'chunked')])));
    const session = await connect(peer);
    const notes = session.notifications();
    const err = await reject(session.rpc(rpc.commit({ user: 'root' })));
    assert.ok(err instanceof SessionClosedError && err.cause instanceof ProtocolError, String(err));
    assert.equal((await notes.next()).value?.find('controller-transaction/tid')?.getData(), '5');
    assert.ok((await reject(notes.next())) instanceof ProtocolError);
  });
});
