/**
 * The public entry of the package, `import … from 'clixon-tsapi'`: what a service module
 * or a script uses. The config tree and its helpers, the module contract, the script
 * client, NETCONF sessions. The testing API is `clixon-tsapi/testing` (src/devkit/index.ts),
 * the simulated controller `clixon-tsapi/sim`.
 */
export * from './xml/index.ts';
export { changedConfig } from './xml/changes.ts';
export type { ServiceModule, ServiceContext, ServiceFunction, HookName } from './service/module.ts';
export { ModelsUnavailableError, deviceModels, type DeviceModels, type ModuleSetEntry } from './models/index.ts';
export type { ConsolaInstance } from './log.ts';
export * from './client/index.ts';
export { Session, rpc, replyTid, replyOk, createDecoder, encodeFrame, NetconfError, FramingError, rpcErrorOf, type SessionOptions, type FramingMode } from './netconf/index.ts';
