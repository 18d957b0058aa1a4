/**
 * The public entry of the package, `import … from 'clixon-tsapi'`: what a service module
 * or a script uses. The config tree and its helpers, the module contract, the script
 * client. The testing API is `clixon-tsapi/testing` (src/devkit/index.ts).
 */
export * from './xml/index.ts';
export { changedConfig } from './xml/changes.ts';
export type { ServiceModule, ServiceContext, ServiceFunction, HookName } from './service/module.ts';
export type { ConsolaInstance } from './log.ts';
export * from './client/index.ts';
