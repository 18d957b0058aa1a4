/**
 * The module testing API: run a service module offline on a config, as the server would for
 * one services-commit, and get the resulting tree, the controller's `commit diff` text per
 * device and the edit-configs. For Node's test runner:
 *
 *   const r = await runService('modules/banner', config, { instance: "banner[name='motd']" });
 *   assert.equal(r.diff.get('dev1'), '+   <banner ...');
 *
 * and prove its properties on the config's instances and on generated ones:
 *
 *   const c = await check('modules/banner', config);
 *   assert.ok(c.ok, formatCheck(c));
 */
import type { Element } from '../xml/index.ts';
import type { ServiceModule } from '../service/module.ts';
import { asLoaded, loadPath, runLoaded, type RunServiceOptions, type ServiceRunResult } from './run.ts';

export {
  ConfigShapeError,
  DevkitInputError,
  ModuleLoadError,
  NoInstanceError,
  NoModuleError,
  parseInstance,
  readConfig,
  type CallRecord,
  type RunServiceOptions,
  type ServiceRunResult,
  type ValidationSummary,
} from './run.ts';
export { SchemaValidationError, YangLoadError } from '../yang/validate.ts';
export { EditRejectedError } from './controller.ts';
export { check, formatCheck, type CheckFailure, type CheckOptions, type CheckProperty, type CheckResult, type GeneratedReport } from './check.ts';
export { ModuleRunError, BrokenModuleError } from '../service/runner.ts';
export { formatDeviceDiff, diffText, deviceDiff } from '../xml/diff.ts';

/**
 * Runs a module (an imported module object, or a module file or folder loaded with the
 * server's loader) on `config` (XML text as get-config returns it, or a tree). With no
 * `instance`, every instance is re-applied. A module that throws rejects with
 * ModuleRunError; a file that fails to load, with BrokenModuleError; an edit-config the
 * controller would refuse, with EditRejectedError; a change that does not fit the YANG,
 * with SchemaValidationError; YANG that cannot be read whole, with YangLoadError.
 */
export async function runService(
  module: ServiceModule | string,
  config: string | Element,
  opts: RunServiceOptions = {},
): Promise<ServiceRunResult> {
  if (typeof module === 'string') {
    const { modules, failures } = await loadPath(module);
    return runLoaded(modules, config, opts, failures);
  }
  return runLoaded([asLoaded(module)], config, opts);
}
