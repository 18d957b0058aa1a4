/**
 * `check`: proves a service module's properties before it meets a network. On the config's
 * own instances, then on instances generated from the service's YANG (fast-check: seeded,
 * shrunk to a minimal failing set), it checks determinism, idempotence, clean delete, no
 * conflicts and order independence (src/devkit/check-case.ts) and says what it could not
 * judge without YANG. The `check` command and `check()` of `clixon-tsapi/testing` both
 * come through here.
 */
import fc from 'fast-check';
import { createConsola, type ConsolaInstance } from 'consola';
import { getListKeys, localName, type Element, type XmlNode } from '../xml/index.ts';
import type { LoadedModule, ServiceModule } from '../service/module.ts';
import type { LoadFailure } from '../service/loader.ts';
import { checkCase, type CaseOutcome, type CheckFailure, type CheckProperty } from './check-case.ts';
import { instanceGenerator, type GeneratedInstance } from './check-gen.ts';
import { moduleRoot } from './tryrun.ts';
import { loadModels } from '../models/load.ts';
import { asLoaded, loadPath, ModuleLoadError, NoInstanceError, NoModuleError, parseInstance, prepareRun, readConfig, type RunSetup } from './run.ts';

export type { CheckFailure, CheckProperty };

export const PROPERTIES: readonly CheckProperty[] = ['determinism', 'idempotence', 'clean-delete', 'conflict', 'order'];

export interface CheckOptions {
  /** The instances to check (`svc[key='v']`, `svc v`, or `svc` for all of it); default every instance in the config. */
  instances?: string | readonly string[];
  /** Folders of YANG (the devices' models), beside each module's own folder. */
  yangDirs?: readonly string[];
  /** The seed of the generated instances; default a random one (the result says which, to run it again). */
  seed?: number;
  /** Generated cases per service; 0: only the config's instances. Default 25. */
  runs?: number;
  /**
   * Check the modules' changes against the YANG on every run, as the server does with
   * --validate: a change that does not fit is then an error. Default false, as the server
   * runs by default: an entry another instance also sets is then merged, and shows as the
   * conflict it is on the controller, rather than as a misfit.
   */
  validate?: boolean;
  /** The modules' logger; default silent. */
  log?: ConsolaInstance;
  /** The devices' models: a models folder or a controller socket (as runService's `models`); default the config's module-sets. */
  models?: string;
}

export interface GeneratedReport {
  service: string;
  /** Cases tried (0 when none could be generated). */
  cases: number;
  /** Cases whose instances the module refused when first committed (a module error: the controller would refuse the commit). */
  refused: number;
  /** The first refusal's reason. */
  refusedBecause?: string;
  /** The minimal failing instances, as XML under `services`, when a property failed. */
  counterexample?: string[];
}

export interface CheckResult {
  ok: boolean;
  failures: CheckFailure[];
  /** What could not be judged, and why. */
  notes: string[];
  /** The config's instances checked. */
  instances: string[];
  seed: number;
  generated: GeneratedReport[];
}

export const DEFAULT_RUNS = 25;

/**
 * Checks a module (an imported module object, or a module file or folder loaded with the
 * server's loader) on `config` (XML text as get-config returns it, or a tree). Rejects
 * with a DevkitInputError on bad input (as runService), ModuleLoadError when the modules do
 * not load; a module that throws is a failure of kind `error` in the result. For the
 * second run of determinism it moves this process's `Date` a day ahead: run one check at a
 * time in a process.
 */
export async function check(module: ServiceModule | string, config: string | Element, opts: CheckOptions = {}): Promise<CheckResult> {
  let modules: LoadedModule[];
  let broken: LoadFailure[] = [];
  if (typeof module === 'string') {
    ({ modules, failures: broken } = await loadPath(module));
    // A helper file (no SERVICE) that is not a module stops nothing, as in the server.
    if (modules.length === 0 || broken.some((f) => f.service !== undefined)) throw new ModuleLoadError(broken);
  } else modules = [asLoaded(module)];
  // The modules run many times: their logs only when asked for.
  const log = opts.log ?? createConsola({ level: -999 });
  const models = opts.models !== undefined ? await loadModels(opts.models) : undefined;
  const setup = { ...prepareRun(modules, { yangDirs: opts.yangDirs ?? [], log }, broken), ...(models ? { models } : {}) };
  const input = readConfig(config);
  const served = [...new Set(modules.map((m) => m.module.SERVICE))];
  const all = served.flatMap((svc) => instancesIn(input, svc));
  const targets = selectInstances(input, served, opts.instances);
  const seed = opts.seed ?? Math.floor(Math.random() * 2 ** 31);
  const runs = opts.runs ?? DEFAULT_RUNS;
  const roots = typeof module === 'string' ? [moduleRoot(module)] : [];
  const caseOpts = { log, validate: opts.validate ?? false, roots };

  const failures: CheckFailure[] = [];
  const notes: string[] = [];
  const generated: GeneratedReport[] = [];
  if (!setup.yang?.hasModels) notes.push('no YANG beside the modules (nor --yang): leaves, leaf-lists and presence containers are told apart by the XML alone, and no instances are generated');
  if (targets.length > 0) {
    const outcome = await checkCase(setup, { config: input, instances: all, targets }, caseOpts);
    if (outcome.refused) failures.push({ property: 'error', instances: [outcome.refused.instance], message: `committing ${outcome.refused.instance} fails: ${outcome.refused.reason}`, origins: [] });
    failures.push(...outcome.failures);
    notes.push(...outcome.notes);
  }
  if (setup.yang?.hasModels && runs > 0) {
    for (const service of served) generated.push(await generatedCases(setup, input, all, service, { seed, runs, caseOpts, notes, failures }));
  }
  if (targets.length === 0 && generated.every((g) => g.cases === 0)) {
    throw new NoInstanceError(`no instance of ${served.join(', ')} in the config, and none could be generated: nothing to check`);
  }
  for (const g of generated) {
    if (g.cases > 0 && g.refused === g.cases) notes.push(`${g.service}: the module refused every generated case, so none of them was judged (first: ${g.refusedBecause ?? ''})`);
  }
  return { ok: failures.length === 0, failures, notes: [...new Set(notes)], instances: targets, seed, generated };
}

interface GenContext {
  seed: number;
  runs: number;
  caseOpts: Parameters<typeof checkCase>[2];
  notes: string[];
  failures: CheckFailure[];
}

/**
 * `runs` cases of new instances of `service` added to the config. Only failures that name a
 * generated instance count: the config's own were reported already. The first failing case
 * is shrunk by fast-check, run again, and its failures reported with its instances.
 */
async function generatedCases(setup: RunSetup, input: XmlNode, all: readonly string[], service: string, ctx: GenContext): Promise<GeneratedReport> {
  const taken = new Set(all.map((e) => parseInstance(e)).filter((e) => e.service === service).map((e) => e.instance ?? ''));
  const gen = instanceGenerator(setup.yang!, input, service, taken);
  ctx.notes.push(...gen.notes);
  if (!gen.arbitrary) return { service, cases: 0, refused: 0 };
  const report: GeneratedReport = { service, cases: 0, refused: 0 };
  let shrinking = false;
  const run = async (instances: GeneratedInstance[]): Promise<CaseOutcome> => {
    const config = withGenerated(input, instances);
    const mine = new Set(instances.map((i) => i.entry));
    const outcome = await checkCase(setup, { config, instances: [...all, ...mine], targets: [...mine] }, ctx.caseOpts);
    return { ...outcome, failures: outcome.failures.filter((f) => f.instances.some((i) => mine.has(i))) };
  };
  const details = await fc.check(
    fc.asyncProperty(gen.arbitrary, async (instances) => {
      const outcome = await run(instances);
      if (!shrinking) {
        report.cases++;
        if (outcome.refused) {
          report.refused++;
          report.refusedBecause ??= `${outcome.refused.instance}: ${outcome.refused.reason}`;
        }
      }
      const holds = outcome.refused !== undefined || outcome.failures.length === 0;
      if (!holds) shrinking = true;
      return holds;
    }),
    { seed: ctx.seed, numRuns: ctx.runs },
  );
  // A predicate that threw (not a module: our own fault) throws again here, on its own input.
  if (details.failed && details.counterexample) {
    // fast-check shrinks an array from its front; dropping any one instance that the failure does not need goes further.
    let [instances] = details.counterexample;
    let outcome = await run(instances);
    for (let i = 0; i < instances.length && instances.length > 1; ) {
      const fewer = instances.filter((_, j) => j !== i);
      const o = await run(fewer);
      if (!o.refused && o.failures.length > 0) [instances, outcome] = [fewer, o];
      else i++;
    }
    report.counterexample = instances.map((i) => i.xml);
    for (const f of outcome.failures) ctx.failures.push({ ...f, generated: report.counterexample });
    ctx.notes.push(...outcome.notes);
  }
  return report;
}

/** The config with generated instances added to its services. */
function withGenerated(input: XmlNode, instances: readonly GeneratedInstance[]): XmlNode {
  const out = input.copy();
  let services = out.getChildren().find((c) => localName(c.getName()) === 'services');
  services ??= out.create('services', { attributes: { xmlns: 'http://clicon.org/controller' } });
  for (const i of instances) services.add(readConfig(`<services xmlns="http://clicon.org/controller">${i.xml}</services>`).getChildren()[0]!.getChildren()[0]!.copy());
  return out;
}

/** The instances of `service` in the config's services, as `svc[key='v']`. */
function instancesIn(config: XmlNode, service: string): string[] {
  const services = config.getChildren().find((c) => localName(c.getName()) === 'services');
  const out: string[] = [];
  for (const el of services?.getChildren() ?? []) {
    if (localName(el.getName()) !== service) continue;
    const key = getListKeys(service)?.[0] ?? 'name';
    const value = el.getChildren().find((k) => localName(k.getName()) === key)?.getData();
    if (value !== undefined) out.push(`${service}[${key}='${value}']`);
  }
  return out;
}

/** Instances as given: `svc[key='v']` alone, else `svc value` pairs; a last lone `svc` is all of its instances. */
export function instanceArgs(args: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a.includes('[') || i === args.length - 1 || args[i + 1]!.includes('[')) out.push(a);
    else out.push(`${a} ${args[++i]!}`);
  }
  return out;
}

/** The instances asked for (all of a bare `svc`), each checked to be served and in the config. */
function selectInstances(config: XmlNode, served: readonly string[], asked: string | readonly string[] | undefined): string[] {
  if (asked === undefined) return served.flatMap((svc) => instancesIn(config, svc));
  const out: string[] = [];
  for (const text of typeof asked === 'string' ? [asked] : asked) {
    const e = parseInstance(text);
    if (!served.includes(e.service)) throw new NoModuleError(e.service, served);
    const there = instancesIn(config, e.service);
    if (e.instance === undefined) {
      if (there.length === 0) throw new NoInstanceError(`no ${e.service} instance in the config's services`);
      out.push(...there);
    } else if (there.includes(e.raw)) out.push(e.raw);
    else throw new NoInstanceError(`no ${e.raw} in the config's services${there.length > 0 ? ` (it has ${there.slice(0, 5).join(', ')})` : ''}`);
  }
  return [...new Set(out)];
}

/** A module position, relative to the working directory when it is below it. */
function shortPath(origin: string): string {
  const cwd = process.cwd() + '/';
  return origin.startsWith(cwd) ? origin.slice(cwd.length) : origin;
}

/**
 * The result as text for a person: each failure with its property, instances, path and the
 * module lines; the properties that hold; what was not judged; how to run it again.
 */
export function formatCheck(r: CheckResult, opts: { color?: boolean } = {}): string {
  const paint = (code: string, s: string): string => (opts.color ? `\x1b[${code}m${s}\x1b[0m` : s);
  const lines: string[] = [];
  const from = r.instances.length > 0 ? `${r.instances.join(', ')} from the config` : 'no instance from the config';
  const gen = r.generated.map((g) => `${g.cases} generated case${g.cases === 1 ? '' : 's'} of ${g.service}${g.refused > 0 ? ` (${g.refused} refused by the module)` : ''}`);
  lines.push(`checked ${[from, ...gen].join('; ')}; seed ${r.seed}`);
  for (const f of r.failures) {
    lines.push(`${paint('31', 'FAIL')} ${f.property}: ${f.message}`);
    // A conflict's origins go with its two instances, in order, when both are known.
    const labels = f.property === 'conflict' && f.origins.length === f.instances.length ? f.instances.map((i) => ` (${i})`) : [];
    if (f.origins.length > 0) lines.push(`    at ${f.origins.map((o, i) => shortPath(o) + (labels[i] ?? '')).join(', ')}`);
    if (f.generated) lines.push(`    generated instances: ${f.generated.join(' ')}`);
  }
  const failed = new Set(r.failures.map((f) => f.property));
  const held = PROPERTIES.filter((p) => !failed.has(p));
  if (held.length > 0) lines.push(`${paint('32', 'ok')}   ${held.join(', ')}`);
  if (r.notes.length > 0) {
    lines.push('not judged:');
    for (const n of r.notes) lines.push(`  - ${n}`);
  }
  if (r.generated.some((g) => g.cases > 0)) lines.push(`(--seed ${r.seed} runs the same generated cases again)`);
  lines.push(r.ok ? 'OK' : `${r.failures.length} failure${r.failures.length === 1 ? '' : 's'}: ${[...failed].join(', ')}`);
  return lines.join('\n') + '\n';
}
