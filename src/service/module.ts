/**
 * The service module contract: what a module file exports, and what it gets when it runs.
 * Module authors import `ServiceModule` and `ServiceContext` from here; the loader checks
 * a file's exports against it, the runner calls it.
 */
import type { ConsolaInstance } from '../log.ts';
import type { DeviceModels } from '../models/snapshot.ts';
import { controllerXpath } from '../netconf/rpc.ts';
import { splitTopLevel } from '../xml/path.ts';
import type { XmlNode } from '../xml/index.ts';

/** What a module's functions learn about the transaction they run in. */
export interface ServiceContext {
  /** The controller's transaction id. */
  tid: string;
  /** The user who committed (read from the transactions state); every RPC of the transaction runs as this user. */
  user: string;
  /** The service this call is for (the module's SERVICE). */
  service: string;
  /** The instance key value from `name[key='value']`; undefined when the commit re-applies all instances. */
  instance?: string;
  /** Every service name the transaction lists (empty: all services). */
  services: string[];
  /** True for `commit diff` (a dry run: nothing is pushed). */
  diff: boolean;
  /** Post-commit hooks only: the transaction's outcome. */
  result?: 'SUCCESS' | 'FAILED';
  /** Post-commit hooks only: the controller's reason, when it gave one. */
  reason?: string;
  /**
   * Which devices carry which YANG modules (each device's module-set): write a model's
   * config only where `models.hasModel(device, module)`. A device whose set is not known
   * has no model (`moduleSet(device)` is undefined).
   */
  models: DeviceModels;
}

/** One module function: sync or async, gets the config tree, a tagged logger and the context. */
export type ServiceFunction = (root: XmlNode, log: ConsolaInstance, ctx: ServiceContext) => void | Promise<void>;

/** The exports of a service module file. */
export interface ServiceModule {
  /** The service name, as in the services-commit entries (`SERVICE[key='value']`). */
  SERVICE: string;
  /** Narrows the config read for this module (an XPath on the actions datastore). */
  SERVICE_XPATH?: string;
  /** Prefix → namespace map for the prefixes used in SERVICE_XPATH. */
  SERVICE_NAMESPACES?: Record<string, string>;
  /** Builds the device config for one instance (or all, when ctx.instance is undefined). */
  setup: ServiceFunction;
  /** Runs before setup, on the same tree. */
  setupPreCommit?: ServiceFunction;
  /** Runs when the controller reports the transaction SUCCESS. */
  setupPostCommit?: ServiceFunction;
  /** Runs when the controller reports the transaction anything but SUCCESS. */
  setupPostCommitFailed?: ServiceFunction;
}

/** The hook functions a module may add, by the phase that calls them. */
export type HookName = 'setupPreCommit' | 'setupPostCommit' | 'setupPostCommitFailed';

/** A module as loaded from a file. */
export interface LoadedModule {
  /** Absolute path of the file. */
  file: string;
  /** The file name without extension (what `-e` filters on). */
  name: string;
  module: ServiceModule;
}

/**
 * Checks a namespace object against the contract. Returns the module, or the names of what
 * is missing or of the wrong type (so the loader's warning can say exactly what).
 */
export function checkModule(exports: Record<string, unknown>): ServiceModule | string[] {
  const problems: string[] = [];
  const service = exports.SERVICE;
  const setup = exports.setup;
  if (typeof service !== 'string' || service === '') problems.push('SERVICE (a non-empty string)');
  if (typeof setup !== 'function') problems.push('setup (a function)');
  const xpath = exports.SERVICE_XPATH;
  if (xpath !== undefined && typeof xpath !== 'string') problems.push('SERVICE_XPATH must be a string');
  const namespaces = exports.SERVICE_NAMESPACES;
  if (namespaces !== undefined && !isStringRecord(namespaces)) {
    problems.push('SERVICE_NAMESPACES must map prefixes to namespace strings');
  }
  if (typeof xpath === 'string') problems.push(...xpathProblems(xpath, isStringRecord(namespaces) ? namespaces : {}));
  const hooks: Partial<Record<HookName, ServiceFunction>> = {};
  for (const hook of ['setupPreCommit', 'setupPostCommit', 'setupPostCommitFailed'] as const) {
    const fn = exports[hook];
    if (fn === undefined) continue;
    if (typeof fn === 'function') hooks[hook] = fn as ServiceFunction;
    else problems.push(`${hook} must be a function`);
  }
  if (problems.length > 0 || typeof service !== 'string' || typeof setup !== 'function') return problems;
  return {
    SERVICE: service,
    ...(typeof xpath === 'string' ? { SERVICE_XPATH: xpath } : {}),
    ...(isStringRecord(namespaces) ? { SERVICE_NAMESPACES: namespaces } : {}),
    setup: setup as ServiceFunction,
    ...hooks,
  };
}

function isStringRecord(value: unknown): value is Record<string, string> {
  return (
    typeof value === 'object' &&
    value !== null &&
    !Array.isArray(value) &&
    Object.values(value).every((v) => typeof v === 'string')
  );
}

/**
 * What in a SERVICE_XPATH would silently select nothing on the controller: a step or key
 * without a prefix (the controller matches it to no namespace; `ctrl:` is added to the
 * controller's own steps, see controllerXpath) or a prefix SERVICE_NAMESPACES does not
 * declare. A narrowed read that finds no instance would make the modules create nothing,
 * and the controller would remove what the service had on the devices.
 */
export function xpathProblems(xpath: string, namespaces: Record<string, string>): string[] {
  const problems: string[] = [];
  const declared = new Set(['ctrl', ...Object.keys(namespaces)]);
  for (const branch of splitTopLevel(controllerXpath(xpath), '|')) {
    for (const step of splitTopLevel(branch.trim(), '/')) {
      const name = /^[^[]*/.exec(step)![0].trim();
      const keys = [...step.matchAll(/\[\s*([\w.:-]+)\s*=/g)].map((m) => m[1]!);
      for (const n of [name, ...keys]) {
        if (n === '' || n === '*' || n === '.' || n === '..') continue;
        const colon = n.indexOf(':');
        if (colon < 0) problems.push(`SERVICE_XPATH: '${n}' in ${branch.trim()} has no prefix, so the controller matches it to no namespace; give it one declared in SERVICE_NAMESPACES`);
        else if (!declared.has(n.slice(0, colon))) problems.push(`SERVICE_XPATH: prefix '${n.slice(0, colon)}' of ${n} is not declared in SERVICE_NAMESPACES`);
      }
    }
  }
  return problems;
}
