/**
 * Typed errors of the NETCONF layer: broken framing, `<rpc-error>` replies, a closed
 * session, a reply that did not come in time. Everything thrown by src/netconf is a
 * NetconfError, so callers can tell protocol trouble from their own bugs.
 */
import type { XmlNode } from '../xml/index.ts';

/** Base class of every error raised by the NETCONF layer. */
export class NetconfError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'NetconfError';
  }
}

/**
 * Why a byte stream is not valid NETCONF framing. The codes:
 * - `BAD_HEADER`: a byte other than the expected `\n` or `#` where a chunk header or the
 *   end-of-chunks marker must start (this includes leading junk before a message);
 * - `BAD_CHUNK_SIZE`: a non-digit in a chunk size, or a size with more digits than any
 *   allowed size has;
 * - `ZERO_CHUNK_SIZE`: a chunk size of 0 or with a leading zero (RFC 6242 forbids both);
 * - `EMPTY_MESSAGE`: an end-of-chunks marker with no chunk before it, or an empty frame
 *   to encode;
 * - `TOO_LARGE`: the message would exceed the configured maximum size;
 * - `TRUNCATED`: the stream ended inside a message;
 * - `DELIMITER_IN_MESSAGE`: a message to encode in end-of-message framing contains `]]>]]>`.
 */
export type FramingErrorCode =
  | 'BAD_HEADER'
  | 'BAD_CHUNK_SIZE'
  | 'ZERO_CHUNK_SIZE'
  | 'EMPTY_MESSAGE'
  | 'TOO_LARGE'
  | 'TRUNCATED'
  | 'DELIMITER_IN_MESSAGE';

export class FramingError extends NetconfError {
  readonly code: FramingErrorCode;
  /** What was wrong, without the code. */
  readonly detail: string;
  /**
   * The whole messages the failing read held before the bad bytes, in order: a reader
   * delivers them before it gives up on the stream.
   */
  readonly messages: readonly string[];

  constructor(code: FramingErrorCode, detail: string, messages: readonly string[] = []) {
    super(`framing error ${code}: ${detail}`);
    this.name = 'FramingError';
    this.code = code;
    this.detail = detail;
    this.messages = messages;
  }

  /** The same error carrying `messages`. */
  withMessages(messages: readonly string[]): FramingError {
    return new FramingError(this.code, this.detail, messages);
  }
}

/** One `<rpc-error>` of a reply, its fields named after the NETCONF elements. */
export interface RpcErrorDetail {
  errorType: string;
  errorTag: string;
  severity: string;
  errorAppTag?: string;
  errorPath?: string;
  errorMessage?: string;
  errorInfo?: XmlNode;
}

/**
 * An `<rpc-reply>` carrying `<rpc-error>`. The fields are those of the first error;
 * `errors` holds all of them. The message is the backend's own error-message prefixed
 * with its tag, so a log line says what the backend said.
 */
export class RpcError extends NetconfError {
  readonly errorType: string;
  readonly errorTag: string;
  readonly severity: string;
  readonly errorAppTag?: string;
  readonly errorPath?: string;
  readonly errorMessage: string;
  readonly errorInfo?: XmlNode;
  readonly errors: RpcErrorDetail[];

  constructor(errors: RpcErrorDetail[]) {
    const first = errors[0];
    if (!first) throw new TypeError('RpcError needs at least one error');
    super(errors.map(describe).join('; '));
    this.name = 'RpcError';
    this.errorType = first.errorType;
    this.errorTag = first.errorTag;
    this.severity = first.severity;
    this.errorMessage = first.errorMessage ?? '';
    if (first.errorAppTag !== undefined) this.errorAppTag = first.errorAppTag;
    if (first.errorPath !== undefined) this.errorPath = first.errorPath;
    if (first.errorInfo !== undefined) this.errorInfo = first.errorInfo;
    this.errors = errors;
  }
}

function describe(e: RpcErrorDetail): string {
  const text = e.errorMessage ?? e.errorAppTag ?? e.errorType;
  const path = e.errorPath !== undefined ? ` (at ${e.errorPath})` : '';
  return `${e.errorTag}: ${text}${path}`;
}

/**
 * The RpcError for a parsed `<rpc-reply>`, or undefined when it holds no `<rpc-error>`
 * of severity error (warnings alone do not fail a request, as RFC 6241 has it).
 */
export function rpcErrorOf(reply: XmlNode): RpcError | undefined {
  const errors: RpcErrorDetail[] = [];
  for (const el of reply.getElements('rpc-error')) {
    const text = (name: string): string | undefined => {
      const v: unknown = el.child(name)?.getData();
      return v == null ? undefined : String(v);
    };
    const detail: RpcErrorDetail = {
      errorType: text('error-type') ?? '',
      errorTag: text('error-tag') ?? '',
      severity: text('error-severity') ?? 'error',
    };
    const appTag = text('error-app-tag');
    const path = text('error-path');
    const message = text('error-message');
    const info = el.child('error-info');
    if (appTag !== undefined) detail.errorAppTag = appTag;
    if (path !== undefined) detail.errorPath = path.trim();
    if (message !== undefined) detail.errorMessage = message;
    if (info !== undefined) detail.errorInfo = info;
    errors.push(detail);
  }
  if (!errors.some((e) => e.severity !== 'warning')) return undefined;
  return new RpcError(errors);
}

/**
 * The backend broke the protocol in a way that leaves replies unmatchable: a message we
 * cannot read, a reply with no request outstanding or with another request's message-id,
 * something other than a reply where one was due. The session closes with it as cause.
 */
export class ProtocolError extends NetconfError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ProtocolError';
  }
}

/** The session is closed (by us, by the backend, or after a fatal error): `cause` says why. */
export class SessionClosedError extends NetconfError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'SessionClosedError';
  }
}

/** Nothing arrived in time. `waitingFor` names what was awaited (e.g. `reply to <get-config>`). */
export class TimeoutError extends NetconfError {
  readonly waitingFor: string;
  readonly timeoutMs: number;

  constructor(waitingFor: string, timeoutMs: number) {
    super(`timed out after ${timeoutMs} ms waiting for ${waitingFor}`);
    this.name = 'TimeoutError';
    this.waitingFor = waitingFor;
    this.timeoutMs = timeoutMs;
  }
}
