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
  owners: Map<string, { instance: string; value?: string }>;
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

export async function checkCase(setup: RunSetup, input: CaseInput, opts: CaseOptions): Promise<CaseOutcome> {
  const model: Model = { yang: setup.yang, leafLists: setup.schema.leafLists };
  const failures: CheckFailure[] = [];
  const notes = new Set<string>();
  const commit = (config: XmlNode, entries: readonly string[], del = false): Promise<ServiceRunResult> =>
    runPrepared(setup, config, { instance: [...entries], postCommit: false, log: opts.log, validate: opts.validate, ...(del ? { delete: true } : {}) });
  const explain = (err: unknown): string => {
    const r = reportError(err, opts.roots);
    return r.at ? `${r.message} (at ${r.at.file}:${r.at.line})` : r.message;
  };

  const elements = new Map(input.instances.map((e) => [e, instanceElement(input.config, e)]));
  // The devices without any instance: what each instance created is removed, the instances go.
  const zero = input.config.copy();
  removeCreatedBy(zero, [...input.instances]);
  for (const e of input.instances) instanceElement(zero, e).delete();

  const conflicts: Conflict[] = [];
  const unmodelled = new Set<string>();
  const sequence = async (order: readonly string[], base: XmlNode): Promise<Sequence> => {
    let state = base;
    const steps: StepRun[] = [];
    const owners = new Map<string, { instance: string; value?: string }>();
    for (const instance of order) {
      const before = withInstance(state, elements.get(instance)!);
      let r: ServiceRunResult;
      try {
        r = await commit(before, [instance]);
      } catch (err) {
        throw new Refused(instance, explain(err));
      }
      steps.push({ instance, root: r.root });
      for (const d of compareDevices(before, r.running, model)) {
        const top = d.steps[3]?.ns;
        if (!d.yang && top !== undefined && !model.yang?.knowsNamespace(top)) unmodelled.add(top);
        const prev = ownerOf(owners, d.steps);
        if (prev && prev.instance !== instance && d.kind !== 'added') {
          conflicts.push({ path: d.path, device: d.device, first: prev.instance, second: instance, values: [d.before, d.after], steps: d.steps, yang: d.yang });
        }
        owners.set(d.path, { instance, ...(d.after !== undefined ? { value: d.after } : {}) });
      }
      state = r.running;
    }
    return { final: state, steps, owners };
  };

  let forward: Sequence;
  let backward: Sequence | undefined;
  try {
    forward = await sequence(input.instances, zero);
    if (input.instances.length > 1) backward = await sequence([...input.instances].reverse(), zero);
  } catch (err) {
    if (err instanceof Refused) return { failures: [], notes: [], refused: { instance: err.instance, reason: err.reason } };
    throw err;
  }

  for (const ns of unmodelled) {
    notes.add(`no YANG for ${ns}, where the modules write (give it with --yang): there a leaf is not told from a leaf-list, nor a presence container from a plain one, and what that leaves open is noted, not judged`);
  }

  const base = forward.final;
  const stepRoot = (inst: string): XmlNode | undefined => forward.steps.find((s) => s.instance === inst)?.root;
  const ownerIn = (steps: readonly Step[]): string | undefined => ownerOf(forward.owners, steps)?.instance;
  const group = new Grouper(failures);

  // Determinism: every instance applied again, twice, the second time with the clock a day
  // ahead. What differs is reported once here and left out of the other properties.
  const unstable: string[] = [];
  try {
    const first = await commit(base, input.instances);
    const second = await withClockAhead(CLOCK_AHEAD_MS, () => commit(base, input.instances));
    for (const d of compareDevices(first.running, second.running, model)) {
      unstable.push(d.path);
      const owner = ownerIn(d.steps);
      if (owner !== undefined && !input.targets.includes(owner)) continue;
      const origin = originAt(second.root, d.steps) ?? originAt(first.root, d.steps);
      group.add({ property: 'determinism', instances: owner ? [owner] : [...input.targets], device: d.device, path: d.path, message: `two runs of ${owner ?? 'the instances'} on the same config differ at ${d.path}: ${describe(d, 'first run', 'second run')}`, origins: origin ? [origin] : [] });
    }
    createdChanges(first.running, second.running, input.targets, 'a second run', (inst, path, message) => {
      unstable.push(formatPath(createdSteps(path)));
      group.add({ property: 'determinism', instances: [inst], path, message, origins: originList(second.root, path) });
    });
  } catch (err) {
    failures.push({ property: 'error', instances: [...input.instances], message: `applying the instances again fails: ${explain(err)}`, origins: [] });
  }

  // Conflicts: each path and pair once, whichever order showed it first. A path two instances
  // set explains what differs there on re-apply, delete and in the other order, judged or not.
  const conflictPaths: string[] = [];
  const seenPairs = new Set<string>();
  for (const c of conflicts) {
    const pairKey = `${c.path} ${[c.first, c.second].sort().join(' ')}`;
    if (seenPairs.has(pairKey) || unstable.includes(c.path)) continue;
    seenPairs.add(pairKey);
    conflictPaths.push(c.path);
    if (!c.yang) {
      notes.add(`${c.first} and ${c.second} both set ${c.path}; without its YANG it cannot be told whether that is a leaf (a conflict) or a leaf-list (merged): give the device models with --yang`);
      continue;
    }
    const origins = [originAt(stepRoot(c.first), c.steps), originAt(stepRoot(c.second), c.steps)];
    group.add({
      property: 'conflict',
      instances: [c.first, c.second],
      device: c.device,
      path: c.path,
      message: `${c.first} and ${c.second} both set ${c.path}: ${show(c.values[0])} and ${show(c.values[1])}; the one committed last wins`,
      // Parallel to the instances when both are known.
      origins: origins.every((o) => o !== undefined) ? origins : origins.filter((o): o is string => o !== undefined),
    });
  }
  const explainedPaths = [...conflictPaths, ...unstable];
  const explained = (path: string): boolean => explainedPaths.some((p) => path === p || path.startsWith(`${p}/`) || p.startsWith(`${path}/`));
  const judge = (diffs: Difference[], what: string): Difference[] => {
    const out: Difference[] = [];
    for (const d of diffs) {
      if (explained(d.path)) continue;
      if (d.empty) notes.add(`${what}: an empty ${d.path} ${d.kind === 'added' ? 'appears' : 'goes'}; without its YANG it cannot be told whether that is config (a presence container or an empty leaf)`);
      else out.push(d);
    }
    return out;
  };
  const bookkeeping = (before: XmlNode, after: XmlNode, instances: readonly string[], how: string): void =>
    createdChanges(before, after, instances, how, (inst, path, message) => {
      if (!explained(formatPath(createdSteps(path)))) group.add({ property: 'idempotence', instances: [inst], path, message, origins: originList(stepRoot(inst), path) });
    });

  // Order: the configs committed in both orders.
  if (backward) {
    const forwardOrder = input.instances.join(', ');
    const backwardOrder = [...input.instances].reverse().join(', ');
    for (const d of judge(compareDevices(forward.final, backward.final, model), 'order')) {
      const a = ownerIn(d.steps);
      const b = ownerOf(backward.owners, d.steps)?.instance;
      const who = [...new Set([a, b].filter((x): x is string => x !== undefined))];
      const origin = originAt(a ? stepRoot(a) : undefined, d.steps) ?? originAt(backward.steps.find((s) => s.instance === b)?.root, d.steps);
      group.add({
        property: 'order',
        instances: who.length > 0 ? who : [...input.instances],
        device: d.device,
        path: d.path,
        message: `${d.path} depends on the order of the commits: ${describe(d, `committed ${forwardOrder}`, `committed ${backwardOrder}`)}`,
        origins: origin ? [origin] : [],
      });
    }
  }

  // Idempotence of `apply services` (every instance at once: the controller keeps the objects, drops the bookkeeping).
  try {
    const all = await commit(base, []);
    for (const d of judge(compareDevices(base, all.running, model), 'apply services')) {
      const owner = ownerIn(d.steps);
      const origin = originAt(all.root, d.steps) ?? (owner ? originAt(stepRoot(owner), d.steps) : undefined);
      group.add({ property: 'idempotence', instances: owner ? [owner] : [...input.instances], device: d.device, path: d.path, message: `apply services (every instance again) changes ${d.path}: ${describe(d, 'before', 'after')}`, origins: origin ? [origin] : [] });
    }
    bookkeeping(base, all.running, input.instances, 'apply services');
  } catch (err) {
    failures.push({ property: 'error', instances: [...input.instances], message: `apply services (every instance again) fails: ${explain(err)}`, origins: [] });
  }

  const createdByPath = new Map([...createdPaths(base)].map(([i, paths]) => [i, [...paths].map((p) => formatPath(createdSteps(p)))]));
  for (const inst of input.targets) {
    const { service, instance } = parseInstance(inst);
    // Idempotence of re-applying this instance alone: its objects are removed first, then made again.
    const reapply = `apply services ${service} ${instance}`;
    try {
      const again = await commit(base, [inst]);
      for (const d of judge(compareDevices(base, again.running, model), reapply)) {
        const origin = originAt(again.root, d.steps) ?? originAt(stepRoot(inst), d.steps);
        group.add({ property: 'idempotence', instances: [inst], device: d.device, path: d.path, message: `re-applying ${inst} (${reapply}) changes ${d.path}: ${describe(d, 'committed', 're-applied')}`, origins: origin ? [origin] : [] });
      }
      bookkeeping(base, again.running, [inst], reapply);
    } catch (err) {
      failures.push({ property: 'error', instances: [inst], message: `${reapply} fails: ${explain(err)}`, origins: [] });
    }

    // Clean delete: the devices after deleting it, against the config committed without it.
    const others = input.instances.filter((e) => e !== inst);
    let deleted: XmlNode;
    let without: XmlNode;
    try {
      deleted = (await commit(base, [inst], true)).running;
    } catch (err) {
      failures.push({ property: 'error', instances: [inst], message: `deleting ${inst} fails: ${explain(err)}`, origins: [] });
      continue;
    }
    try {
      const start = others.reduce((cfg, e) => withInstance(cfg, elements.get(e)!), zero);
      without = others.length > 0 ? (await commit(start, others)).running : start;
    } catch (err) {
      failures.push({ property: 'error', instances: others, message: `committing the config without ${inst} fails: ${explain(err)}`, origins: [] });
      continue;
    }
    for (const d of judge(compareDevices(without, deleted, model), `deleting ${inst}`)) {
      const origin = originAt(stepRoot(inst), d.steps);
      // Who else made it: the instances whose created paths hold it (the controller's own record).
      const others = [...createdByPath].filter(([i, paths]) => i !== inst && paths.some((p) => d.path === p || d.path.startsWith(`${p}/`))).map(([i]) => i);
      const message =
        d.kind === 'added'
          ? `left on ${d.device} after deleting ${inst}: ${d.path}${d.after !== undefined ? ` = ${show(d.after)}` : ''} (not creator-tagged, nor under a tagged node)`
          : d.kind === 'removed'
            ? `deleting ${inst} removes ${d.path}, which is there without ${inst}${others.length > 0 ? ` (${others.join(', ')} created it too)` : ''}`
            : `deleting ${inst} leaves ${d.path} = ${show(d.after)}; without ${inst} it is ${show(d.before)}`;
      group.add({ property: 'clean-delete', instances: [inst], device: d.device, path: d.path, message, origins: origin ? [origin] : [] });
    }
  }
  group.finish();
  return { failures, notes: [...notes] };
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

function ownerOf(owners: Map<string, { instance: string; value?: string }>, steps: readonly Step[]): { instance: string; value?: string } | undefined {
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
