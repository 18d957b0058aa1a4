/**
 * What the controller recording (scripts/record-controller.ts) and its replay against
 * the simulator (replay-controller.test.ts) share: the recorded step format, the
 * normalizer that makes a run's messages comparable with another run's, a peer that
 * drives one src/netconf Session and keeps every message it received as text, and the
 * structural XML comparison.
 */
import { readFileSync } from 'node:fs';
import { RpcError, Session, SessionClosedError, type SessionOptions } from '../../src/netconf/index.ts';
import { parseXml, type SNode } from '../../src/sim/tree.ts';

/** One recorded step, in the order the recorder took it; `session` names the peer. */
export type Step =
  | { n: number; name: string; session: string; kind: 'connect'; hello: boolean; reply?: string }
  /** `reply` null: the backend closed the connection instead of answering. */
  | { n: number; name: string; session: string; kind: 'rpc'; send: string; reply: string | null }
  | { n: number; name: string; session: string; kind: 'notification'; stream: Stream; tid?: string; reply: string }
  | { n: number; name: string; session: string; kind: 'disconnect' };

export type Stream = 'services-commit' | 'controller-transaction';

export function readSteps(file: string): Step[] {
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as Step);
}

const TIME = /\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|[+-]\d\d:\d\d)?/g;
const TID_ELEMENT = /(<(?:[\w.-]+:)?tid(?:\s[^>]*)?>)(\d+)(<\/)/g;
const TID_PREDICATE = /(tid=(?:'|"|&apos;|&quot;))(\d+)/g;
const SESSION_ID = /(<(?:[\w.-]+:)?session-id(?:\s[^>]*)?>)(\d+)(<\/)/g;
const PLACEHOLDER = /\{(tid|session):(\d+)\}/g;

/**
 * Makes one run's messages comparable with another's: what the controller assigns
 * (tids, session-ids) becomes `{tid:K}` / `{session:K}`, numbered in order of first
 * appearance (session-id 0, "no session", stays), and every timestamp (eventTime,
 * timestamp, conn-state-timestamp, times in log text) becomes `{time}`. A tid that first appears in a sent message is the
 * sender's own (an unknown tid on purpose) and stays as it is. Message-ids need
 * nothing: every request carries the same one.
 */
export class Normalizer {
  readonly #tids = new Map<string, string>();
  readonly #sessions = new Map<string, string>();
  readonly #literal = new Set<string>();
  readonly #values = new Map<string, string>();

  #placeholder(kind: 'tid' | 'session', value: string): string {
    const map = kind === 'tid' ? this.#tids : this.#sessions;
    let p = map.get(value);
    if (p === undefined) {
      p = `{${kind}:${map.size + 1}}`;
      map.set(value, p);
      this.#values.set(p, value);
    }
    return p;
  }

  #tid = (value: string): string => (this.#literal.has(value) ? value : this.#placeholder('tid', value));

  /** A received message, normalized. */
  received(xml: string): string {
    return xml
      .replace(TIME, '{time}')
      .replace(TID_ELEMENT, (_m, open: string, v: string, close: string) => open + this.#tid(v) + close)
      .replace(SESSION_ID, (_m, open: string, v: string, close: string) => open + (v === '0' ? v : this.#placeholder('session', v)) + close);
  }

  /** A tid we send, normalized: its placeholder once received, else itself from now on. */
  sentTid(value: string): string {
    if (!this.#tids.has(value)) this.#literal.add(value);
    return this.#tid(value);
  }

  /** A message we send, normalized (recording side). */
  sent(xml: string): string {
    return xml
      .replace(TID_ELEMENT, (_m, open: string, v: string, close: string) => open + this.sentTid(v) + close)
      .replace(TID_PREDICATE, (_m, open: string, v: string) => open + this.sentTid(v));
  }

  /** A normalized message with this run's values put back (replay side); throws on a placeholder this run never saw. */
  restore(xml: string): string {
    return xml.replace(PLACEHOLDER, (p) => {
      const v = this.#values.get(p);
      if (v === undefined) throw new Error(`${p} was never received in this run`);
      return v;
    });
  }

  /** This run's value of a placeholder, if it was received. */
  value(placeholder: string): string | undefined {
    return this.#values.get(placeholder);
  }
}

const NOTIFICATION_WAIT_MS = 30_000;

/**
 * One NETCONF session as the recorder and the replay drive it: every received frame is
 * kept as text (an rpc-error reply too, which Session.rpc rejects), notifications in
 * arrival order until taken.
 */
export class Peer {
  #lastReply = '';
  readonly #notifications: string[] = [];
  #wake: (() => void) | undefined;

  private constructor(readonly session: Session) {}

  /** Connects; with `hello`, also returns the backend's hello. */
  static async connect(opts: SessionOptions): Promise<{ peer: Peer; hello?: string }> {
    let peer: Peer | undefined;
    let hello: string | undefined;
    const session = await Session.connect({
      ...opts,
      onFrame: (dir, xml) => {
        if (dir !== 'recv') return;
        if (!peer) hello = xml;
        else peer.#received(xml);
      },
    });
    peer = new Peer(session);
    return hello === undefined ? { peer } : { peer, hello };
  }

  #received(xml: string): void {
    if (/^\s*<(?:[\w.-]+:)?notification[\s>]/.test(xml)) {
      this.#notifications.push(xml);
      this.#wake?.();
    } else this.#lastReply = xml;
  }

  /** Sends one request; resolves with its reply's text, an rpc-error included, or null when the backend closed the connection instead. */
  async rpc(xml: string, timeout = 60_000): Promise<string | null> {
    try {
      await this.session.rpc(xml, { raw: true, timeout });
    } catch (err) {
      if (err instanceof SessionClosedError) return null;
      if (!(err instanceof RpcError)) throw err;
    }
    return this.#lastReply;
  }

  /**
   * The first held notification of `stream` (for controller-transaction: with `tid`, if
   * given), taken off the queue; others stay. Waits up to `timeout` ms.
   */
  async notification(stream: Stream, tid?: string, timeout = NOTIFICATION_WAIT_MS): Promise<string> {
    const deadline = Date.now() + timeout;
    for (;;) {
      const i = this.#notifications.findIndex((n) => notificationMatches(n, stream, tid));
      if (i >= 0) return this.#notifications.splice(i, 1)[0]!;
      const left = deadline - Date.now();
      if (left <= 0 || this.session.closed) throw new Error(`no ${stream} notification${tid ? ` for tid ${tid}` : ''} within ${timeout} ms`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.#wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.#wake = undefined;
    }
  }
}

function notificationMatches(xml: string, stream: Stream, tid: string | undefined): boolean {
  const body = parseXml(xml).children[0]?.children.find((c) => c.localName !== 'eventTime');
  if (body?.localName !== stream) return false;
  return tid === undefined || body.childText('tid') === tid;
}

/**
 * Every difference between two messages, each as `path: what`: element names and
 * namespaces, attributes (in any order), leaf text (exact, except for leaves named in
 * `ignoreText`), children in order. Whitespace between elements does not count. Empty
 * when they are equal.
 */
export function xmlDifferences(actual: string, expected: string, ignoreText: ReadonlySet<string> = new Set()): string[] {
  const out: string[] = [];
  walk(parseXml(actual), parseXml(expected), '', out, ignoreText);
  return out;
}

function walk(a: SNode, e: SNode, path: string, out: string[], ignoreText: ReadonlySet<string>): void {
  const here = `${path}/${e.localName}`;
  if (a.name !== e.name || a.ns !== e.ns) {
    out.push(`${here}: element ${a.name} (${a.ns}) != ${e.name} (${e.ns})`);
    return;
  }
  const aa = [...a.attrs].map(([k, v]) => `${k}=${v}`).sort().join(' ');
  const ea = [...e.attrs].map(([k, v]) => `${k}=${v}`).sort().join(' ');
  if (aa !== ea) out.push(`${here}: attributes [${aa}] != [${ea}]`);
  if (a.children.length === 0 && e.children.length === 0) {
    if (!ignoreText.has(e.localName) && (a.text ?? '') !== (e.text ?? '')) out.push(`${here}: text ${JSON.stringify(a.text ?? '')} != ${JSON.stringify(e.text ?? '')}`);
    return;
  }
  const names = (n: SNode): string => n.children.map((c) => c.localName).join(',');
  if (a.children.length !== e.children.length) {
    out.push(`${here}: children [${names(a)}] != [${names(e)}]`);
    return;
  }
  for (let i = 0; i < e.children.length; i++) walk(a.children[i]!, e.children[i]!, here, out, ignoreText);
}
