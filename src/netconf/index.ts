/**
 * The NETCONF layer's public API: framing codec, Session over the Clixon internal
 * socket, RPC builders and typed errors. Other folders import from here only.
 */
export { createDecoder, encodeFrame, DEFAULT_MAX_MESSAGE_BYTES } from './framing.ts';
export type { Decoder, DecoderOptions, FramingMode } from './framing.ts';
export { NetconfError, FramingError, ProtocolError, RpcError, SessionClosedError, TimeoutError, rpcErrorOf } from './errors.ts';
export type { FramingErrorCode, RpcErrorDetail } from './errors.ts';
export * as rpc from './rpc.ts';
export { defaultUser, replyTid, replyOk, escapeText, escapeAttr, NETCONF_NS, CONTROLLER_NS, CONTROLLER_SERVICE_TIMEOUT_DEFAULT_MS, parseServiceTimeout, CLIXON_LIB_NS } from './rpc.ts';
export type {
  Datastore,
  WithDefaults,
  PushType,
  ActionsType,
  DeviceConfigType,
  TransactionId,
  UserOption,
  DeviceChoice,
  GetOptions,
  ControllerCommitOptions,
  DatastoreDiffOptions,
  DeviceTemplateApplyOptions,
} from './rpc.ts';
export { Session } from './session.ts';
export type { SessionOptions } from './session.ts';
