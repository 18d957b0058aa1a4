/**
 * Each device's module-set and YANG, read from the controller over its socket (the
 * server may run as another user or on another host: nothing of the controller's folders
 * is read). The models are written to a models folder (folder.ts), one sub-folder per
 * module-set, fetched once per set: devices that share a set share one fetch.
 *
 * What this follows, seen on clixon-controller 1.8 (clixon 7.8) on the rig, 2026-12-02,
 * and read in its sources (recorded in test/fixtures/models/):
 * - A device's module-set is the yang-library the controller builds at connection open
 *   from the device's RFC 6022 schema list (controller_device_recv.c), kept per device
 *   and shown as state under the device's mount point: a `get` selecting
 *   /ctrl:devices/ctrl:device/ctrl:config answers config/yang-library/module-set/module
 *   (name, revision, namespace, location NETCONF), but with the device's whole config
 *   beside it; a select into yang-library itself, or content nonconfig, answers `<data/>`
 *   (controller_cli.c xpath2yanglib notes the same).
 * - `get-device-schema` with a device and no detail lists the modules of the YANG spec the
 *   controller mounted for that device from that yang-library (controller_rpc.c
 *   rpc_get_device_schema walks the mount's spec): for dev1 the same 22 modules as its
 *   yang-library, 4 KB, about 1 ms. So the module-set is read with it, one request per
 *   device, and never with the config.
 * - With `detail`, each `schema` carries `data`, the module's text (CDATA when one module
 *   is asked for by name, entity-escaped when all are: the same text either way).
 * - Neither lists features (an RFC 6022 schema list has none): all features on.
 * - A device the pattern matches not: rpc-error operation-failed "No matching device
 *   found"; a device with no mounted spec (sources): "No matching device YANG spec
 *   found". A device whose connection was closed still answers with its set.
 * - `connection open`, `connection close` and `pull` are controller transactions: each
 *   sends a controller-transaction notification. So the server reads the module-sets
 *   again after a controller-transaction that was not a services commit it served.
 * - The configured `devices/device/module-set` (device-common) is the set a device is
 *   given by hand when the controller does not ask the device (netconf-state-schemas
 *   false); it is read too, for devices get-device-schema cannot answer for, and for a
 *   controller without get-device-schema (before 1.8).
 */
import { mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { ConsolaInstance } from '../log.ts';
import { RpcError, type Session, rpc as build } from '../netconf/index.ts';
import { devicesOf, entryFile, moduleSetKey, moduleSetsOfDevices, parseDeviceSchemaReply, parseDeviceSchemaTexts, type ModuleSetEntry } from './moduleset.ts';
import { listDevices, type ModelsSnapshot, type ModuleSetInfo } from './snapshot.ts';

/** What one fetch of a set's YANG cost, for the transaction line. */
export interface ModelsLoad {
  set: string;
  devices: string[];
  modules: number;
  fetchMs: number;
  /** Modules of the set the controller gave no text for. */
  missing: string[];
}

export interface ReadOptions {
  user: string;
  /** Per request, ms. */
  timeoutMs: number;
}

/** An rpc-error that says the controller has no get-device-schema (an older controller, or a simulator without it). */
function unsupported(err: RpcError): boolean {
  return err.errorTag === 'unknown-element' || err.errorTag === 'operation-not-supported';
}

/**
 * Every device's module-set: the device names and configured module-sets from running,
 * then `get-device-schema` per device. A device the controller has no spec for takes its
 * configured set; with neither, it is in `problems` (its set is unknown).
 */
export async function readModuleSets(
  session: Session,
  opts: ReadOptions,
): Promise<{ sets: Map<string, ModuleSetEntry[]>; problems: Map<string, string>; devices: string[] }> {
  const reply = await session.rpc(
    build.getConfig({ user: opts.user, source: 'running', xpath: '/ctrl:devices/ctrl:device/ctrl:name | /ctrl:devices/ctrl:device/ctrl:module-set' }),
    { timeout: opts.timeoutMs },
  );
  const devicesEl = devicesOf(reply);
  const devices = devicesEl ? devicesEl.getChildren().flatMap((d) => {
    const n = d.getChildren().find((c) => c.getName() === 'name' || c.getName().endsWith(':name'))?.getData();
    return n === undefined || n === null ? [] : [String(n).trim()];
  }) : [];
  const configured = devicesEl ? moduleSetsOfDevices(devicesEl) : new Map<string, ModuleSetEntry[]>();
  const sets = new Map<string, ModuleSetEntry[]>();
  const problems = new Map<string, string>();
  /** Why get-device-schema is not asked at all (the controller has none). */
  let none: string | undefined;
  for (const device of devices) {
    let why = none;
    if (why === undefined) {
      try {
        const entries = parseDeviceSchemaReply(await session.rpc(build.getDeviceSchema({ user: opts.user, device }), { timeout: opts.timeoutMs }));
        if (entries.length > 0) {
          sets.set(device, entries);
          continue;
        }
        why = 'get-device-schema lists no module';
      } catch (err) {
        if (!(err instanceof RpcError)) throw err;
        why = `get-device-schema: ${err.message}`;
        if (unsupported(err)) none = why = `the controller has no get-device-schema (${err.message})`;
      }
    }
    const own = configured.get(device);
    if (own && own.length > 0) sets.set(device, own);
    else problems.set(device, `${why}; no module-set configured`);
  }
  return { sets, problems, devices };
}

/**
 * The YANG text of every module of a set, by `get-device-schema` with detail for one of
 * its devices; written into `dir` as `name@revision.yang` (whole, or not at all: written
 * aside, then renamed). Returns the modules the controller gave no text for.
 */
export async function fetchSetYang(session: Session, device: string, entries: readonly ModuleSetEntry[], dir: string, opts: ReadOptions): Promise<string[]> {
  const texts = parseDeviceSchemaTexts(await session.rpc(build.getDeviceSchema({ user: opts.user, device, detail: true }), { timeout: opts.timeoutMs }));
  const missing = entries.filter((e) => !texts.has(entryFile(e))).map(entryFile);
  const part = `${dir}.part-${process.pid}`;
  rmSync(part, { recursive: true, force: true });
  mkdirSync(part, { recursive: true });
  for (const [file, { text }] of texts) writeFileSync(join(part, `${file}.yang`), text);
  rmSync(dir, { recursive: true, force: true });
  renameSync(part, dir);
  return missing;
}

/** Per set key: its folder and the modules the controller gave no YANG for, once fetched. */
export type FetchedSets = Map<string, { dir: string; missing: string[] }>;

/**
 * The YANG of each set of `snapshot` not in `fetched` yet, into `<dir>/<set key>`; every set
 * then names its folder and what is missing from it. Returns what the new fetches cost.
 */
export async function fetchSnapshotYang(session: Session, snapshot: ModelsSnapshot, dir: string, opts: ReadOptions, fetched: FetchedSets): Promise<ModelsLoad[]> {
  const loads: ModelsLoad[] = [];
  for (const [key, set] of Object.entries(snapshot.sets)) {
    if (!fetched.has(key)) {
      const t = performance.now();
      const setDir = resolve(dir, key);
      const missing = await fetchSetYang(session, set.devices[0]!, set.modules, setDir, opts);
      fetched.set(key, { dir: setDir, missing });
      loads.push({ set: key, devices: set.devices, modules: set.modules.length, fetchMs: performance.now() - t, missing });
    }
    const f = fetched.get(key)!;
    set.dir = f.dir;
    if (f.missing.length > 0) set.missing = f.missing;
  }
  return loads;
}

/** Groups devices by module-set: the snapshot the worker and the module API use. */
export function snapshotOf(from: string, sets: ReadonlyMap<string, ModuleSetEntry[]>, problems: ReadonlyMap<string, string>): ModelsSnapshot {
  const devices: Record<string, string> = {};
  const bySet: Record<string, ModuleSetInfo> = {};
  for (const [device, modules] of sets) {
    const key = moduleSetKey(modules);
    devices[device] = key;
    (bySet[key] ??= { modules, devices: [] }).devices.push(device);
  }
  return { from, devices, sets: bySet, problems: Object.fromEntries(problems) };
}

/**
 * The server's view of the devices' models: read on first use and again once marked stale
 * (a controller-transaction it did not serve, a new connection), over a session of its
 * own, so that a slow or failing read never costs the transaction's connection. A set's
 * YANG is fetched once per set key while the server runs.
 */
export class ControllerModels {
  private snapshot: ModelsSnapshot | undefined;
  /** Bumped by markStale; the snapshot is current while readAt equals it. */
  private generation = 0;
  private readAt = -1;
  private session: Session | undefined;
  /** The devices whose set is not known, as last warned of. */
  private warned = new Map<string, string>();
  private readonly fetched: FetchedSets = new Map();
  /** Reads run one at a time, in order: a transaction's waits for a prefetch before it. */
  private chain: Promise<unknown> = Promise.resolve();
  /** Fetches made by a prefetch, for the next transaction's line. */
  private unreported: ModelsLoad[] = [];

  constructor(
    private readonly opts: {
      connect: () => Promise<Session>;
      /** Where the sets' YANG is written (one sub-folder per set). */
      dir: string;
      /** The controller, as the transaction line names it. */
      where: string;
      log: ConsolaInstance;
    },
  ) {}

  /**
   * The module-sets may have changed (a device connected, was pulled, or the connection is
   * new). With `prefetch`, they are read again now, in the background, so that the next
   * transaction (on a network of thousands of devices, one request per device) finds them
   * read instead of waiting for them.
   */
  markStale(prefetch?: ReadOptions & { yang: boolean }): void {
    this.generation++;
    if (prefetch) void this.queued(prefetch).then(({ loads }) => this.unreported.push(...loads));
  }

  /**
   * The snapshot for a transaction: module-sets read again when stale; with `yang`, each
   * set's YANG fetched once. Never throws: what could not be read is in `problems`
   * (per device), and the last snapshot stands when the module-sets could not be read.
   * A read still running after `waitMs` (a prefetch, or this one) goes on for the next
   * transaction; this one gets the last snapshot, its devices' problems saying why.
   */
  async current(opts: ReadOptions & { yang: boolean; waitMs: number }): Promise<{ snapshot: ModelsSnapshot; loads: ModelsLoad[] }> {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<'late'>((resolve) => (timer = setTimeout(() => resolve('late'), opts.waitMs)));
    const read = this.queued(opts);
    const r = await Promise.race([read, late]);
    clearTimeout(timer);
    if (r === 'late') {
      void read.then(({ loads }) => this.unreported.push(...loads));
      const why = `still being read from ${this.opts.where} after ${Math.round(opts.waitMs)} ms: the last known sets are used`;
      this.opts.log.warn(`device models: ${why}`);
      return { snapshot: this.withProblem(why, opts.yang), loads: [] };
    }
    const loads = [...this.unreported.splice(0), ...r.loads];
    return { snapshot: r.snapshot, loads };
  }

  private queued(opts: ReadOptions & { yang: boolean }): Promise<{ snapshot: ModelsSnapshot; loads: ModelsLoad[] }> {
    const next = this.chain.then(() => this.read(opts));
    this.chain = next.catch(() => undefined);
    return next;
  }

  private async read(opts: ReadOptions & { yang: boolean }): Promise<{ snapshot: ModelsSnapshot; loads: ModelsLoad[] }> {
    const loads: ModelsLoad[] = [];
    try {
      const session = await this.connected();
      if (this.readAt !== this.generation || !this.snapshot) {
        const generation = this.generation;
        const read = await readModuleSets(session, opts);
        this.snapshot = snapshotOf(this.opts.where, read.sets, read.problems);
        this.readAt = generation;
        // Said once per device and reason, not at every read; devices with one reason in one line.
        const byWhy = new Map<string, string[]>();
        for (const [device, why] of read.problems) if (this.warned.get(device) !== why) byWhy.set(why, [...(byWhy.get(why) ?? []), device]);
        for (const [why, devices] of byWhy) {
          this.opts.log.warn(`device models: ${listDevices(devices)}: ${why}`);
        }
        this.warned = read.problems;
      }
      if (opts.yang) loads.push(...(await fetchSnapshotYang(session, this.snapshot, this.opts.dir, opts, this.fetched)));
    } catch (err) {
      const why = err instanceof Error ? err.message : String(err);
      this.opts.log.warn(`device models: could not read them from ${this.opts.where}: ${why}`);
      this.readAt = -1;
      if (!(err instanceof RpcError)) this.drop();
      return { snapshot: this.withProblem(`not read from ${this.opts.where}: ${why}`, opts.yang), loads };
    }
    return { snapshot: this.snapshot, loads };
  }

  /** The last snapshot, with why its sets may be out of date: sets whose YANG did not arrive are not judged. */
  private withProblem(why: string, yang: boolean): ModelsSnapshot {
    const base = this.snapshot ?? { from: this.opts.where, devices: {}, sets: {}, problems: {} };
    const problems = { ...base.problems };
    if (yang) for (const set of Object.values(base.sets)) if (!set.dir) for (const d of set.devices) problems[d] = `models ${why}`;
    if (Object.keys(base.devices).length === 0) problems['*'] = `module-sets ${why}`;
    return { ...base, problems };
  }

  /** The snapshot the last transaction used (the post-commit hooks use it too). */
  last(): ModelsSnapshot | undefined {
    return this.snapshot;
  }

  async close(): Promise<void> {
    const s = this.session;
    this.session = undefined;
    if (s && !s.closed) await s.close().catch(() => undefined);
  }

  private drop(): void {
    const s = this.session;
    this.session = undefined;
    if (s && !s.closed) s.destroy();
  }

  private async connected(): Promise<Session> {
    if (this.session && !this.session.closed) return this.session;
    this.session = await this.opts.connect();
    // A new connection may be to a restarted controller: its sets are read again.
    this.generation++;
    return this.session;
  }
}
