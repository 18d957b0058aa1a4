/**
 * The five properties of `check` on one config and its instances, each judged by running
 * the modules the way the server does for the commits a user makes (runPrepared: the
 * server's loader, runner and edit builder on the simulator's controller side):
 *
 * - the instances are committed one by one, in the config's order and reversed: a commit
 *   that changes what an earlier instance set is a conflict; final configs that differ
 *   otherwise are an order dependence;
 * - on the committed config, every instance is applied again twice, the second time with
 *   the clock a day ahead: what differs is non-determinism;
 * - `apply services` (all, which leaves the objects in place) and the re-apply of each
 *   instance alone (which removes its objects first) must change nothing: idempotence;
 * - each instance is deleted, and the devices compared with the config committed without
 *   it: what is left, lost or not restored is an unclean delete.
 *
 * A path that is non-deterministic or that two instances set is reported once, as that,
 * and left out of the other properties, where it would show again (a conflict is also a
 * diff on re-apply and a loss on delete).
 */
import type { ConsolaInstance } from 'consola';
import { localName, type XmlNode } from '../xml/index.ts';
import { removeCreatedBy } from '../sim/index.ts';
import { compareDevices, createdPaths, createdSteps, formatPath, originAt, type Difference, type Model, type Step } from './check-tree.ts';
import { parseInstance, runPrepared, type RunSetup, type ServiceRunResult } from './run.ts';
import { reportError } from './tryrun.ts';
import { EditRejectedError } from './controller.ts';
import { BrokenModuleError, ModuleRunError } from '../service/runner.ts';
import { SchemaValidationError } from '../yang/validate.ts';

export type CheckProperty = 'determinism' | 'idempotence' | 'clean-delete' | 'conflict' | 'order' | 'error';

export interface CheckFailure {
  property: CheckProperty;
  /** The instance(s) concerned, as services-commit names them: `svc[key='v']`. */
  instances: string[];
  device?: string;
  path?: string;
  message: string;
  /** The module's `file:line` that made the node (a conflict: each instance's, in the order named). */
  origins: string[];
  /** Found on generated instances: these (the minimal failing set), as XML under `services`. */
  generated?: string[];
}

export interface CaseInput {
  /** The config, every instance of the case in its services. */
  config: XmlNode;
  /** The case's instances (`svc[key='v']`), in the order a user would commit them. */
  instances: readonly string[];
  /** Those to re-apply and delete one by one. */
  targets: readonly string[];
}

export interface CaseOutcome {
  failures: CheckFailure[];
  /** What could not be judged (no YANG for it). */
  notes: string[];
  /** The module refused an instance when it was first committed: why. */
  refused?: { instance: string; reason: string };
}

export interface CaseOptions {
  log: ConsolaInstance;
  validate: boolean;
  /** Module source folders, to point errors at the module's own line. */
  roots: readonly string[];
}

/** Differences of one kind per instance reported in full; the rest are counted. */
const MAX_PER_GROUP = 10;

/** How far the clock is moved for the second run: a day, an hour, a minute, a second and a millisecond. */
const CLOCK_AHEAD_MS = 86_400_000 + 3_600_000 + 60_000 + 1000 + 1;

/** A first commit of an instance failed: the module refused it. */
class Refused extends Error {
  constructor(
    readonly instance: string,
    readonly reason: string,
  ) {
    super(reason);
  }
}

/** Runs `fn` with `Date` (new Date(), Date.now(), Date()) reading `ms` ahead of the real clock. */
async function withClockAhead<T>(ms: number, fn: () => Promise<T>): Promise<T> {
  const Real = globalThis.Date;
  globalThis.Date = new Proxy(Real, {
    construct: (target, args, newTarget) => (args.length === 0 ? new Real(Real.now() + ms) : Reflect.construct(target, args, newTarget)),
    apply: () => new Real(Real.now() + ms).toString(),
    get: (target, prop, receiver) => (prop === 'now' ? () => Real.now() + ms : Reflect.get(target, prop, receiver)),
  });
  try {
    return await fn();
  } finally {
    globalThis.Date = Real;
  }
}

interface StepRun {
  instance: string;
  root: XmlNode;
}

interface Sequence {
  final: XmlNode;
  steps: StepRun[];
  /** Who set each path last (a subtree's root path for what an instance added). */
  owners: Map<string, string>;
}

interface Conflict {
  path: string;
  device: string;
  first: string;
  second: string;
  values: [string | undefined, string | undefined];
  steps: Step[];
  yang: boolean;
}

/** An error of the modules (a throw, a load failure, a misfit, an edit the controller refuses); anything else is ours and propagates. */
const isModuleError = (err: unknown): boolean =>
  err instanceof ModuleRunError || err instanceof BrokenModuleError || err instanceof SchemaValidationError || err instanceof EditRejectedError;

export async function checkCase(setup: RunSetup, input: CaseInput, opts: CaseOptions): Promise<CaseOutcome> {
  const run = new CaseRun(setup, input, opts);
  try {
    await run.sequences();
  } catch (err) {
    if (err instanceof Refused) return { failures: [], notes: [], refused: { instance: err.instance, reason: err.reason } };
    throw err;
  }
  await run.determinism();
  run.conflicts();
  run.order();
  await run.applyAll();
  for (const inst of input.targets) {
    await run.reapply(inst);
    await run.cleanDelete(inst);
  }
  return run.outcome();
}

/** One case's runs and findings; the methods run in checkCase's order, each using what the earlier found. */
class CaseRun {
  private readonly model: Model;
  private readonly failures: CheckFailure[] = [];
  private readonly notes = new Set<string>();
  private readonly group = new Grouper(this.failures);
  /** Each instance's element, as the config has it. */
  private readonly elements: Map<string, XmlNode>;
  /** The config without any instance: what each created is removed, the instances go. */
  private readonly zero: XmlNode;
  private forward!: Sequence;
  private backward: Sequence | undefined;
  private readonly seen: Conflict[] = [];
  private readonly unmodelled = new Set<string>();
  /** Paths reported as non-deterministic or as a conflict: left out of the other properties. */
  private readonly explainedPaths: string[] = [];

  constructor(
    private readonly setup: RunSetup,
    private readonly input: CaseInput,
    private readonly opts: CaseOptions,
  ) {
    this.model = { yang: setup.yang, leafLists: setup.schema.leafLists };
    this.elements = new Map(input.instances.map((e) => [e, instanceElement(input.config, e)]));
    this.zero = input.config.copy();
    removeCreatedBy(this.zero, [...input.instances]);
    for (const e of input.instances) instanceElement(this.zero, e).delete();
  }

  outcome(): CaseOutcome {
    this.group.finish();
    return { failures: this.failures, notes: [...this.notes] };
  }

  private commit(config: XmlNode, entries: readonly string[], del = false): Promise<ServiceRunResult> {
    return runPrepared(this.setup, config, { instance: [...entries], postCommit: false, log: this.opts.log, validate: this.opts.validate, captureOrigins: true, ...(del ? { delete: true } : {}) });
  }

  /** A module error in words, with the module's line. */
  private explain(err: unknown): string {
    const r = reportError(err, this.opts.roots);
    return r.at ? `${r.message} (at ${r.at.file}:${r.at.line})` : r.message;
  }

  /** Runs `fn`; a module error becomes an `error` failure (`what` fails), and undefined. */
  private async attempt<T>(what: string, instances: readonly string[], fn: () => Promise<T>): Promise<T | undefined> {
    try {
      return await fn();
    } catch (err) {
      if (!isModuleError(err)) throw err;
      this.failures.push({ property: 'error', instances: [...instances], message: `${what} fails: ${this.explain(err)}`, origins: [] });
      return undefined;
    }
  }

  private stepRoot(inst: string): XmlNode | undefined {
    return this.forward.steps.find((s) => s.instance === inst)?.root;
  }

  private owner(steps: readonly Step[]): string | undefined {
    return ownerOf(this.forward.owners, steps);
  }

  private explained(path: string): boolean {
    return this.explainedPaths.some((p) => path === p || path.startsWith(`${p}/`) || p.startsWith(`${path}/`));
  }

  /** The differences still to report: not explained already; an empty node the YANG would have to judge is noted. */
  private judge(diffs: Difference[], what: string): Difference[] {
    const out: Difference[] = [];
    for (const d of diffs) {
      if (this.explained(d.path)) continue;
      if (d.empty) this.notes.add(`${what}: an empty ${d.path} ${d.kind === 'added' ? 'appears' : 'goes'}; without its YANG it cannot be told whether that is config (a presence container or an empty leaf)`);
      else out.push(d);
    }
    return out;
  }

  /** Created paths an instance gained or lost: an idempotence failure, unless explained. */
  private bookkeeping(before: XmlNode, after: XmlNode, instances: readonly string[], how: string): void {
    createdChanges(before, after, instances, how, (inst, path, message) => {
      if (!this.explained(formatPath(createdSteps(path)))) this.group.add({ property: 'idempotence', instances: [inst], path, message, origins: originList(this.stepRoot(inst), path) });
    });
  }

  /** The instances committed one by one, in the config's order and reversed; throws Refused when the module refuses one. */
  async sequences(): Promise<void> {
    this.forward = await this.sequence(this.input.instances);
    if (this.input.instances.length > 1) this.backward = await this.sequence([...this.input.instances].reverse());
    for (const ns of this.unmodelled) {
      this.notes.add(`no YANG for ${ns}, where the modules write (give it with --yang): there a leaf is not told from a leaf-list, nor a presence container from a plain one, and what that leaves open is noted, not judged`);
    }
  }

  private async sequence(order: readonly string[]): Promise<Sequence> {
    let state = this.zero;
    const steps: StepRun[] = [];
    const owners = new Map<string, string>();
    for (const instance of order) {
      const before = withInstance(state, this.elements.get(instance)!);
      let r: ServiceRunResult;
      try {
        r = await this.commit(before, [instance]);
      } catch (err) {
        if (!isModuleError(err)) throw err;
        throw new Refused(instance, this.explain(err));
      }
      steps.push({ instance, root: r.root });
      for (const d of compareDevices(before, r.running, this.model)) {
        const top = d.steps[3]?.ns;
        if (!d.yang && top !== undefined && !this.model.yang?.knowsNamespace(top)) this.unmodelled.add(top);
        // A commit that changes or removes what an earlier instance set: two instances want that node.
        const prev = ownerOf(owners, d.steps);
        if (prev !== undefined && prev !== instance && d.kind !== 'added') {
          this.seen.push({ path: d.path, device: d.device, first: prev, second: instance, values: [d.before, d.after], steps: d.steps, yang: d.yang });
        }
        owners.set(d.path, instance);
      }
      state = r.running;
    }
    return { final: state, steps, owners };
  }

  /** Every instance applied again, twice, the second time with the clock a day ahead: what differs is non-deterministic. */
  async determinism(): Promise<void> {
    const { instances, targets } = this.input;
    const base = this.forward.final;
    const runs = await this.attempt('applying the instances again', instances, async () => ({
      first: await this.commit(base, instances),
      second: await withClockAhead(CLOCK_AHEAD_MS, () => this.commit(base, instances)),
    }));
    if (!runs) return;
    const { first, second } = runs;
    for (const d of compareDevices(first.running, second.running, this.model)) {
      this.explainedPaths.push(d.path);
      const owner = this.owner(d.steps);
      if (owner !== undefined && !targets.includes(owner)) continue;
      const origin = originAt(second.root, d.steps) ?? originAt(first.root, d.steps);
      this.group.add({ property: 'determinism', instances: owner ? [owner] : [...targets], device: d.device, path: d.path, message: `two runs of ${owner ?? 'the instances'} on the same config differ at ${d.path}: ${describe(d, 'first run', 'second run')}`, origins: origin ? [origin] : [] });
    }
    createdChanges(first.running, second.running, targets, 'a second run', (inst, path, message) => {
      this.explainedPaths.push(formatPath(createdSteps(path)));
      this.group.add({ property: 'determinism', instances: [inst], path, message, origins: originList(second.root, path) });
    });
  }

  /** What two instances set in the sequences: each path and pair once. Judged where the YANG says it is a leaf. */
  conflicts(): void {
    const pairs = new Set<string>();
    for (const c of this.seen) {
      const pair = `${c.path} ${[c.first, c.second].sort().join(' ')}`;
      if (pairs.has(pair) || this.explained(c.path)) continue;
      pairs.add(pair);
      // Judged or not, the path explains what differs there on re-apply, delete and in the other order.
      this.explainedPaths.push(c.path);
      if (!c.yang) {
        this.notes.add(`${c.first} and ${c.second} both set ${c.path}; without its YANG it cannot be told whether that is a leaf (a conflict) or a leaf-list (merged): give the device models with --yang`);
        continue;
      }
      const origins = [originAt(this.stepRoot(c.first), c.steps), originAt(this.stepRoot(c.second), c.steps)];
      this.group.add({
        property: 'conflict',
        instances: [c.first, c.second],
        device: c.device,
        path: c.path,
        message: `${c.first} and ${c.second} both set ${c.path}: ${show(c.values[0])} and ${show(c.values[1])}; the one committed last wins`,
        // Parallel to the instances when both are known.
        origins: origins.every((o) => o !== undefined) ? origins : origins.filter((o): o is string => o !== undefined),
      });
    }
  }

  /** The configs the two orders of commits left. */
  order(): void {
    const backward = this.backward;
    if (!backward) return;
    const forwardOrder = this.input.instances.join(', ');
    const backwardOrder = [...this.input.instances].reverse().join(', ');
    for (const d of this.judge(compareDevices(this.forward.final, backward.final, this.model), 'order')) {
      const a = this.owner(d.steps);
      const b = ownerOf(backward.owners, d.steps);
      const who = [...new Set([a, b].filter((x): x is string => x !== undefined))];
      const origin = originAt(a ? this.stepRoot(a) : undefined, d.steps) ?? originAt(backward.steps.find((s) => s.instance === b)?.root, d.steps);
      this.group.add({
        property: 'order',
        instances: who.length > 0 ? who : [...this.input.instances],
        device: d.device,
        path: d.path,
        message: `${d.path} depends on the order of the commits: ${describe(d, `committed ${forwardOrder}`, `committed ${backwardOrder}`)}`,
        origins: origin ? [origin] : [],
      });
    }
  }

  /** `apply services`: every instance at once, the controller keeping the objects and dropping the bookkeeping. */
  async applyAll(): Promise<void> {
    const base = this.forward.final;
    const all = await this.attempt('apply services (every instance again)', this.input.instances, () => this.commit(base, []));
    if (!all) return;
    for (const d of this.judge(compareDevices(base, all.running, this.model), 'apply services')) {
      const owner = this.owner(d.steps);
      const origin = originAt(all.root, d.steps) ?? (owner ? originAt(this.stepRoot(owner), d.steps) : undefined);
      this.group.add({ property: 'idempotence', instances: owner ? [owner] : [...this.input.instances], device: d.device, path: d.path, message: `apply services (every instance again) changes ${d.path}: ${describe(d, 'before', 'after')}`, origins: origin ? [origin] : [] });
    }
    this.bookkeeping(base, all.running, this.input.instances, 'apply services');
  }

  /** `apply services <svc> <instance>`: its objects are removed first, then made again. */
  async reapply(inst: string): Promise<void> {
    const { service, instance } = parseInstance(inst);
    const how = `apply services ${service} ${instance}`;
    const base = this.forward.final;
    const again = await this.attempt(how, [inst], () => this.commit(base, [inst]));
    if (!again) return;
    for (const d of this.judge(compareDevices(base, again.running, this.model), how)) {
      const origin = originAt(again.root, d.steps) ?? originAt(this.stepRoot(inst), d.steps);
      this.group.add({ property: 'idempotence', instances: [inst], device: d.device, path: d.path, message: `re-applying ${inst} (${how}) changes ${d.path}: ${describe(d, 'committed', 're-applied')}`, origins: origin ? [origin] : [] });
    }
    this.bookkeeping(base, again.running, [inst], how);
  }

  /** The devices after deleting the instance, against the config committed without it. */
  async cleanDelete(inst: string): Promise<void> {
    const base = this.forward.final;
    const deleted = await this.attempt(`deleting ${inst}`, [inst], () => this.commit(base, [inst], true));
    if (!deleted) return;
    const rest = this.input.instances.filter((e) => e !== inst);
    const start = rest.reduce((cfg, e) => withInstance(cfg, this.elements.get(e)!), this.zero);
    const without = rest.length === 0 ? start : (await this.attempt(`committing the config without ${inst}`, rest, () => this.commit(start, rest)))?.running;
    if (!without) return;
    // Who else made a node: the instances whose created paths hold it (the controller's own record).
    const created = [...createdPaths(base)].map(([i, paths]): [string, string[]] => [i, [...paths].map((p) => formatPath(createdSteps(p)))]);
    for (const d of this.judge(compareDevices(without, deleted.running, this.model), `deleting ${inst}`)) {
      const origin = originAt(this.stepRoot(inst), d.steps);
      const also = created.filter(([i, paths]) => i !== inst && paths.some((p) => d.path === p || d.path.startsWith(`${p}/`))).map(([i]) => i);
      const message =
        d.kind === 'added'
          ? `left on ${d.device} after deleting ${inst}: ${d.path}${d.after !== undefined ? ` = ${show(d.after)}` : ''} (not creator-tagged, nor under a tagged node)`
          : d.kind === 'removed'
            ? `deleting ${inst} removes ${d.path}, which is there without ${inst}${also.length > 0 ? ` (${also.join(', ')} created it too)` : ''}`
            : `deleting ${inst} leaves ${d.path} = ${show(d.after)}; without ${inst} it is ${show(d.before)}`;
      this.group.add({ property: 'clean-delete', instances: [inst], device: d.device, path: d.path, message, origins: origin ? [origin] : [] });
    }
  }
}

/** Calls `report` for each created path an instance gained or lost between two configs. */
function createdChanges(before: XmlNode, after: XmlNode, instances: readonly string[], how: string, report: (instance: string, path: string, message: string) => void): void {
  const a = createdPaths(before);
  const b = createdPaths(after);
  // A leaf's path is written as a leaf-list entry's (`[.="v"]`) when an edit carries it twice
  // (the simulator judges leaf-lists by same-named siblings where it lacks the YANG): one node either way.
  const node = (paths: Set<string> | undefined): Set<string> => new Set([...(paths ?? [])].map((p) => p.replace(/\[\.=(["'])[^"']*\1\]$/, '')));
  for (const inst of instances) {
    const was = node(a.get(inst));
    const now = node(b.get(inst));
    for (const p of was) if (!now.has(p)) report(inst, p, `after ${how}, ${inst} no longer has ${p} among its created paths: deleting ${inst} would leave it on the device`);
    for (const p of now) if (!was.has(p)) report(inst, p, `after ${how}, ${inst} has ${p} among its created paths, which it did not have before`);
  }
}

/** The origin of a created path (`/devices/device[name="d"]/config/...`, as the controller writes it) in a module tree. */
function originList(root: XmlNode | undefined, path: string): string[] {
  const o = originAt(root, createdSteps(path));
  return o ? [o] : [];
}

/** Failures per property and instances, the first MAX_PER_GROUP whole and a count of the rest. */
class Grouper {
  private readonly counts = new Map<string, { first: CheckFailure; more: number }>();

  constructor(private readonly out: CheckFailure[]) {}

  add(f: CheckFailure): void {
    const k = `${f.property} ${f.instances.join(' ')}`;
    const c = this.counts.get(k);
    if (!c) this.counts.set(k, { first: f, more: 0 });
    else if (++c.more >= MAX_PER_GROUP) return;
    this.out.push(f);
  }

  finish(): void {
    for (const { first, more } of this.counts.values()) {
      const left = more - (MAX_PER_GROUP - 1);
      if (left > 0) this.out.push({ ...first, message: `… and ${left} more like it`, origins: [] });
    }
  }
}

function ownerOf(owners: Map<string, string>, steps: readonly Step[]): string | undefined {
  for (let i = steps.length; i > 0; i--) {
    const o = owners.get(formatPath(steps.slice(0, i)));
    if (o) return o;
  }
  return undefined;
}

const show = (v: string | undefined): string => (v === undefined ? '(none)' : `'${v}'`);

/** A difference in words, the two sides named. */
function describe(d: Difference, a: string, b: string): string {
  if (d.kind === 'changed') return `${show(d.before)} (${a}), ${show(d.after)} (${b})`;
  if (d.kind === 'added') return `only ${b}${d.after !== undefined ? `, ${show(d.after)}` : ''}`;
  return `only ${a}${d.before !== undefined ? `, ${show(d.before)}` : ''}`;
}

/** The instance element `svc[key='v']` in a config's services. */
function instanceElement(config: XmlNode, entry: string): XmlNode {
  const { service, key, instance } = parseInstance(entry);
  const services = config.getChildren().find((c) => localName(c.getName()) === 'services');
  const el = services?.getChildren().find((c) => localName(c.getName()) === service && c.getChildren().find((k) => localName(k.getName()) === (key ?? 'name'))?.getData() === instance);
  if (!el) throw new Error(`internal: ${entry} not in the config`);
  return el;
}

/** A copy of `config` with the instance element (without the controller's `created`) in its services. */
function withInstance(config: XmlNode, instance: XmlNode): XmlNode {
  const out = config.copy();
  let services = out.getChildren().find((c) => localName(c.getName()) === 'services');
  services ??= out.create('services', { attributes: { xmlns: 'http://clicon.org/controller' } });
  const el = instance.copy();
  for (const c of el.getChildren()) if (localName(c.getName()) === 'created') c.delete();
  services.add(el);
  return out;
}
