/**
 * Typed errors of the script client. Protocol failures (rpc-error, timeout, closed
 * socket) stay the netconf folder's classes; these cover what only the client knows.
 */
import { NetconfError } from '../netconf/index.ts';

/** A controller transaction (push, pull, service apply, device RPC, connect) ended FAILED. */
export class TransactionFailedError extends NetconfError {
  readonly tid: string;
  readonly result: string;
  readonly origin?: string;
  readonly reason?: string;

  constructor(what: string, outcome: { tid: string; result: string; origin?: string; reason?: string }) {
    const where = outcome.origin ? ` (origin ${outcome.origin})` : '';
    super(`${what}: transaction ${outcome.tid} ${outcome.result}${where}: ${outcome.reason ?? 'no reason given'}`);
    this.name = 'TransactionFailedError';
    this.tid = outcome.tid;
    this.result = outcome.result;
    if (outcome.origin !== undefined) this.origin = outcome.origin;
    if (outcome.reason !== undefined) this.reason = outcome.reason;
  }
}

/** The controller answered with something the client cannot use (no tid, no ok). */
export class UnexpectedReplyError extends NetconfError {
  readonly reply: string;

  constructor(what: string, reply: string) {
    super(`${what}: unexpected reply ${reply.length > 300 ? `${reply.slice(0, 300)}…` : reply}`);
    this.name = 'UnexpectedReplyError';
    this.reply = reply;
  }
}

/** A call that would change configuration on a client opened with `readOnly`. */
export class ReadOnlyError extends NetconfError {
  constructor(what: string) {
    super(`${what}: the client is read-only`);
    this.name = 'ReadOnlyError';
  }
}
