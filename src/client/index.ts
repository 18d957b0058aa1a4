/**
 * The script client's public surface: `Clixon`, `withClixon`, their option and result
 * types, and the client's typed errors (the protocol's own come from src/netconf).
 */
export {
  Clixon,
  withClixon,
  DEFAULT_SOCKPATH,
  type ClixonOptions,
  type GetRootOptions,
  type TemplateOptions,
  type TransactionInfo,
  type DeviceInfo,
  type TransactionOutcome,
} from './clixon.ts';
export { TransactionFailedError, UnexpectedReplyError, ReadOnlyError } from './errors.ts';
export { RpcError, TimeoutError, SessionClosedError } from '../netconf/index.ts';
