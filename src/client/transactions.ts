/**
 * Waiting for controller transactions: one controller-transaction subscription per
 * session, every notification kept briefly so that an outcome arriving before the
 * request's `<tid>` reply (the backend may send it first) is not lost.
 */
import { SessionClosedError, TimeoutError, type Session } from '../netconf/index.ts';
import type { XmlNode } from '../xml/index.ts';

/** What a controller-transaction notification says about one transaction. */
export interface TransactionOutcome {
  tid: string;
  username?: string;
  result: string;
  origin?: string;
  reason?: string;
}

interface Waiter {
  resolve: (o: TransactionOutcome) => void;
  reject: (e: Error) => void;
  timer: NodeJS.Timeout;
}

// The stream carries every transaction on the controller, so unclaimed outcomes are
// kept only up to this many.
const KEEP = 256;

export class TransactionWatcher {
  readonly #seen = new Map<string, TransactionOutcome>();
  readonly #waiters = new Map<string, Waiter>();
  #closed: Error | undefined;

  constructor(session: Session) {
    session.on('notification', (n) => this.#onNotification(n));
    session.on('close', (err) => this.#onClose(err));
  }

  /** The outcome of transaction `tid`, once the controller reports it. */
  wait(tid: string, timeoutMs: number, what: string): Promise<TransactionOutcome> {
    const known = this.#seen.get(tid);
    if (known) {
      this.#seen.delete(tid);
      return Promise.resolve(known);
    }
    if (this.#closed) return Promise.reject(this.#closed);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#waiters.delete(tid);
        reject(new TimeoutError(`controller-transaction ${tid} (${what})`, timeoutMs));
      }, timeoutMs);
      this.#waiters.set(tid, { resolve, reject, timer });
    });
  }

  #onNotification(n: XmlNode): void {
    const ct = n.child('controller-transaction');
    const tid = ct?.child('tid')?.getData();
    if (!ct || tid === undefined) return;
    const outcome: TransactionOutcome = { tid, result: ct.child('result')?.getData() ?? '' };
    for (const k of ['username', 'origin', 'reason'] as const) {
      const v = ct.child(k)?.getData();
      if (v !== undefined) outcome[k] = v;
    }
    const w = this.#waiters.get(tid);
    if (w) {
      clearTimeout(w.timer);
      this.#waiters.delete(tid);
      w.resolve(outcome);
      return;
    }
    this.#seen.set(tid, outcome);
    if (this.#seen.size > KEEP) this.#seen.delete(this.#seen.keys().next().value as string);
  }

  #onClose(err?: Error): void {
    this.#closed = new SessionClosedError(`session closed while waiting for a controller transaction${err ? `: ${err.message}` : ''}`);
    for (const w of this.#waiters.values()) {
      clearTimeout(w.timer);
      w.reject(this.#closed);
    }
    this.#waiters.clear();
  }
}
