/**
 * The simulated controller's state and RPCs: datastores running/candidate/actions,
 * device-side configs (synced, transient), connection state, locks, subscriptions,
 * and the controller transaction with its services-commit cycle.
 *
 * Followed clixon-controller's controller_rpc.c (rpc_controller_commit,
 * controller_commit_actions, commit_push_after_actions, strip_service_data_from_device_config,
 * service_timeout) for when what happens. The plain NETCONF `<commit/>` is the
 * controller's "commit local": candidate → running, `<ok/>` at once, no services and no
 * transaction (as session-client.jsonl seq 22-23 shows). Services run on
 * controller-commit with actions CHANGE/FORCE/DELETE, which is what the controller CLI's
 * `commit` and `commit diff` send; its `<tid>` reply comes after services-commit is
 * emitted and before the outcome. Deviation: with no services-commit subscriber the
 * simulator skips the actions step instead of waiting for the timeout.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { diffText } from '../xml/diff.ts';
import { CONTROLLER_SERVICE_TIMEOUT_DEFAULT_MS, parseServiceTimeout } from '../netconf/index.ts';
import { logger } from '../log.ts';
import { SNode, parseXml } from './tree.ts';
import { escapeText, localName, parseString, registerListKeys } from '../xml/index.ts';
import { NS, Schema } from './datamodel.ts';
import {
  SimRpcError, applyEdit, canonical, changedInstances, dropAllCreated, sortEntries, stripCreated, treesEqual, type EditOp,
} from './edit.ts';
import { filterTree, limitDepth, select, selectsAll, XPathError } from './xpath.ts';
import { TextDiff } from './textdiff.ts';
import { bindDeviceConfig, deviceDomain, deviceSchemaXml, DeviceModels, globToRegExp, validateDeviceConfig, type DeviceKind } from './devices.ts';
import {
  type RpcResult, type SimSession, type SimServer, attrByLocal, operationFailed, timestamp, unknownRpc,
} from './server.ts';

const log = logger('sim');

export type DatastoreName = 'running' | 'candidate' | 'actions';

type TxResult = 'INIT' | 'SUCCESS' | 'FAILED';
type TxState = 'INIT' | 'ACTIONS' | 'RESOLVED' | 'DONE';

export interface Transaction {
  tid: number;
  username: string;
  result: TxResult;
  state: TxState;
  devices: string[];
  description: string;
  origin?: string;
  reason?: string;
  timestamp0: string;
  timestamp: string;
  push: string;
  timer?: NodeJS.Timeout;
  rpcResults?: { name: string; data: SNode }[];
}

export interface ControllerOptions {
  config?: string;
  persistDir?: string;
  serviceTimeout?: number;
  yangDirs?: string[];
  deviceKinds?: Record<string, DeviceKind>;
}

const MAX_KEPT_TRANSACTIONS = 1000;

/** Base-namespace and controller RPCs that exist but the simulator does not implement. */
const NOT_SUPPORTED = new Set([
  `${NS.base}|copy-config`, `${NS.base}|delete-config`, `${NS.base}|kill-session`,
  `${NS.base}|cancel-commit`, `${NS.base}|partial-lock`, `${NS.base}|partial-unlock`,
  `${NS.ctrl}|device-rpc`, `${NS.ctrl}|transaction-cancel`, `${NS.lib}|stats`, `${NS.lib}|debug`,
  `${NS.lib}|process-control`, `${NS.lib}|ping`, `${NS.lib}|restart-plugin`,
]);

export class Controller {
  readonly schema: Schema;
  /** The devices' kinds and their models. */
  readonly devices: DeviceModels;
  private ds: Record<DatastoreName, SNode>;
  /**
   * Trees that more than one holder references (datastores sharing one tree, synced
   * device configs pointing into it): never edited in place; a datastore about to be
   * edited gets its own copy first (writable). Any other datastore tree is its own.
   */
  private readonly shared = new WeakSet<SNode>();
  /** What each device holds (its config as last pushed or pulled). */
  private readonly synced = new Map<string, SNode>();
  private readonly transient = new Map<string, SNode>();
  private readonly connState = new Map<string, { state: string; ts: string }>();
  readonly transactions = new Map<number, Transaction>();
  private nextTid = 1;
  private readonly locks = new Map<string, SimSession>();
  private servicesSubscriber?: SimSession;
  server!: SimServer;

  private readonly opts: ControllerOptions;

  constructor(opts: ControllerOptions) {
    // A copy: setServiceTimeout() changes it, never the caller's object.
    this.opts = { ...opts };
    this.schema = Schema.fromDirs(opts.yangDirs ?? []);
    // What is left out has no list keys nor services here: its lists then match by a `name` child only.
    for (const p of this.schema.problems) log.warn(`YANG not read whole: ${p}`);
    this.devices = new DeviceModels(opts.deviceKinds);
    for (const k of this.devices.all()) {
      this.schema.add(k.schemas);
      log.debug(`device kind ${k.kind}: ${k.modules.length} modules compiled in ${Math.round(k.compileMs)} ms`);
    }
    // The same keys for XmlNode trees in this process (entryKey), e.g. a devkit run beside the simulator.
    registerListKeys(Object.fromEntries(this.schema.registryKeys));
    const initial = sortEntries(loadInitial(opts.config, this.schema), this.schema);
    const persisted = opts.persistDir ? this.readPersisted() : undefined;
    const running = persisted?.running ?? initial;
    // The controller makes its actions datastore on the first transaction with actions:
    // a freshly started one has an empty one (test/fixtures/controller, recorded so).
    this.ds = {
      running,
      candidate: persisted?.candidate ?? running,
      actions: new SNode(''),
    };
    this.shared.add(running);
    this.packConfigs(running);
    if (this.ds.candidate !== running) this.packConfigs(this.ds.candidate);
    const now = timestamp();
    for (const dev of this.deviceNodes(running)) {
      const name = dev.childText('name') ?? '';
      this.synced.set(name, dev.child('config') ?? new SNode('config'));
      this.connState.set(name, { state: dev.childText('enabled') === 'false' ? 'CLOSED' : 'OPEN', ts: now });
    }
  }

  datastore(name: DatastoreName): SNode {
    return this.ds[name];
  }

  // ---- persistence ----

  private readPersisted(): { running: SNode; candidate?: SNode } | undefined {
    const dir = this.opts.persistDir!;
    const r = join(dir, 'running_db.xml');
    if (!existsSync(r)) return undefined;
    const c = join(dir, 'candidate_db.xml');
    return {
      running: loadInitial(readFileSync(r, 'utf8')),
      candidate: existsSync(c) ? loadInitial(readFileSync(c, 'utf8')) : undefined,
    };
  }

  private persist(): void {
    const dir = this.opts.persistDir;
    if (!dir) return;
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'running_db.xml'), `<config>${this.ds.running.toXml()}</config>\n`);
    writeFileSync(join(dir, 'candidate_db.xml'), `<config>${this.ds.candidate.toXml()}</config>\n`);
  }

  /** A datastore to edit in place: its own copy first when its tree is shared. */
  private writable(name: DatastoreName): SNode {
    if (this.shared.has(this.ds[name])) this.ds[name] = this.ds[name].clone();
    return this.ds[name];
  }

  /** `to` takes `from`'s tree without a copy; whichever is edited next copies it. */
  private share(to: DatastoreName, from: DatastoreName): void {
    this.shared.add(this.ds[from]);
    this.setDs(to, this.ds[from]);
  }

  /** A device config kept as synced, pointing into a datastore tree (which is shared from then on). */
  private setSynced(name: string, tree: SNode, config: SNode | undefined): void {
    this.shared.add(tree);
    this.synced.set(name, config ?? new SNode('config'));
  }

  private setDs(name: DatastoreName, doc: SNode): void {
    this.ds[name] = doc;
    if (name === 'running') this.devicesCommitted();
    if (name !== 'actions') this.persist();
  }

  /**
   * Connection side effects of a new running, as the controller's commit callback:
   * a device disabled is disconnected, a device added starts closed (connect it with
   * connection-change), a device removed is forgotten.
   */
  private devicesCommitted(): void {
    const names = new Set<string>();
    for (const dev of this.deviceNodes(this.ds.running)) {
      const name = dev.childText('name') ?? '';
      names.add(name);
      if (!this.connState.has(name)) {
        this.connState.set(name, { state: 'CLOSED', ts: timestamp() });
        this.synced.set(name, new SNode('config'));
      } else if (dev.childText('enabled') === 'false' && this.connState.get(name)!.state !== 'CLOSED')
        this.connState.set(name, { state: 'CLOSED', ts: timestamp() });
    }
    for (const name of [...this.connState.keys()])
      if (!names.has(name)) {
        this.connState.delete(name);
        this.synced.delete(name);
        this.transient.delete(name);
      }
  }

  // ---- sessions ----

  sessionClosed(s: SimSession): void {
    if (this.servicesSubscriber === s) this.servicesSubscriber = undefined;
    for (const [db, holder] of this.locks) if (holder === s) this.locks.delete(db);
  }

  hasServicesSubscriber(): boolean {
    return this.servicesSubscriber !== undefined && !this.servicesSubscriber.closed;
  }

  // ---- dispatch ----

  dispatch(s: SimSession, op: SNode, user: string): RpcResult {
    const key = `${op.ns}|${op.localName}`;
    switch (key) {
      case `${NS.base}|get-config`: return this.getConfig(op);
      case `${NS.base}|get`: return this.get(op);
      case `${NS.base}|edit-config`: return this.editConfig(s, op);
      case `${NS.base}|commit`: return this.commit(s);
      case `${NS.base}|validate`: return this.validate(op);
      case `${NS.base}|discard-changes`: return this.discard(s);
      case `${NS.base}|lock`: return this.lock(s, op);
      case `${NS.base}|unlock`: return this.unlock(s, op);
      case `${NS.base}|close-session`: return this.closeSession(s);
      case `${NS.netmodNotif}|create-subscription`: return this.subscribe(s, op);
      case `${NS.ctrl}|controller-commit`: return this.controllerCommit(op, user);
      case `${NS.ctrl}|transaction-actions-done`: return this.actionsDone(op);
      case `${NS.ctrl}|transaction-error`: return this.transactionError(op);
      case `${NS.ctrl}|datastore-diff`: return this.datastoreDiff(op);
      case `${NS.ctrl}|config-pull`: return this.configPull(op, user);
      case `${NS.ctrl}|connection-change`: return this.connectionChange(op, user);
      case `${NS.ctrl}|device-template-apply`: return this.templateApply(op, user);
      case `${NS.ctrl}|device-rpc-result`: return this.rpcResult(op);
      case `${NS.ctrl}|get-device-schema`: return this.getDeviceSchema(op);
    }
    if (NOT_SUPPORTED.has(key))
      throw new SimRpcError('protocol', 'operation-not-supported', `Operation not supported by the simulated controller: ${op.localName}`);
    throw unknownRpc(op.localName);
  }

  // ---- datastore RPCs ----

  /** The datastore named inside `<source>`/`<target>`; unknown names get the recorded error. */
  private dbName(op: SNode, where: 'source' | 'target', allowed: DatastoreName[]): DatastoreName {
    const holder = op.child(where);
    const db = holder?.children[0];
    if (!holder || !db) throw new SimRpcError('protocol', 'missing-element', `Missing ${where}`, `<bad-element>${where}</bad-element>`);
    const name = db.localName as DatastoreName;
    if (!allowed.includes(name))
      throw new SimRpcError(
        'application', 'unknown-element',
        `Failed to find YANG spec of XML node: ${db.localName} with parent: ${where} in namespace: ${db.ns} in file: /usr/local/share/clixon/ietf-netconf@2011-06-01.yang`,
        `<bad-element>${escapeText(db.localName)}</bad-element>`, true,
      );
    return name;
  }

  private filterOf(op: SNode): { select?: string; nsmap: Record<string, string> } {
    const f = op.child('filter');
    if (!f) return { nsmap: {} };
    const nsmap: Record<string, string> = {};
    for (let n: SNode | null = f; n; n = n.parent)
      for (const [k, v] of n.attrs) if (k.startsWith('xmlns:') && !(k.slice(6) in nsmap)) nsmap[k.slice(6)] = v;
    const type = attrByLocal(f, 'type') ?? 'subtree';
    if (type !== 'xpath') return { nsmap };
    return { select: attrByLocal(f, 'select') ?? '/', nsmap };
  }

  /** The reply; `reply.own` false: the tree is a datastore's, copied before cutting it to a depth. */
  private reply(reply: { tree: SNode; own: boolean }, op: SNode): RpcResult {
    let tree = reply.tree;
    const depth = attrByLocal(op, 'depth') ?? op.childText('depth');
    if (depth !== undefined && /^\d+$/.test(depth)) limitDepth((tree = reply.own ? tree : tree.clone()), Number(depth));
    const inner = tree.toXml();
    return { body: inner === '' ? '<data/>' : `<data>${inner}</data>` };
  }

  /** The filter's selection of `doc`: `doc` itself when it selects everything (no copy of a whole datastore). */
  private filtered(doc: SNode, op: SNode, own: boolean): { tree: SNode; own: boolean } {
    const { select: sel, nsmap } = this.filterOf(op);
    const expr = sel === '' ? '/' : sel;
    try {
      if (selectsAll(expr)) return { tree: doc, own };
      return { tree: filterTree(doc, expr, nsmap, this.schema), own: true };
    } catch (e) {
      if (e instanceof XPathError) throw new SimRpcError('application', 'invalid-value', e.message);
      throw e;
    }
  }

  private getConfig(op: SNode): RpcResult {
    const db = this.dbName(op, 'source', ['running', 'candidate', 'actions']);
    return this.reply(this.filtered(this.ds[db], op, false), op);
  }

  private get(op: SNode): RpcResult {
    const content = attrByLocal(op, 'content') ?? 'all';
    const doc = content === 'nonconfig' ? new SNode('') : this.ds.running.clone();
    if (content !== 'config') this.addState(doc);
    const selected = this.filtered(doc, op, true);
    if (content !== 'config') this.addYangLibraries(selected.tree);
    return this.reply(selected, op);
  }

  /**
   * Each device's module-set under its config mount point, where the selection holds one:
   * clixon adds it after the filter (clixon_yang_schema_mount.c), so a select of the
   * config brings it and a select of the yang-library itself brings nothing (`<data/>` on
   * the rig).
   */
  private addYangLibraries(tree: SNode): void {
    const running = new Map(this.deviceNodes(this.ds.running).map((d) => [d.childText('name') ?? '', d]));
    for (const dev of this.deviceNodes(tree)) {
      const name = dev.childText('name') ?? '';
      const models = this.devices.of(name);
      const mount = dev.child('config');
      const conf = running.get(name);
      if (models && mount && conf) mount.append(models.yangLibrary(deviceDomain(conf)));
    }
  }

  /** Merges the operational state (device connection state, transactions) into a tree. */
  private addState(doc: SNode): void {
    let devices = doc.children.find((c) => c.localName === 'devices' && c.ns === NS.ctrl);
    const names = this.deviceNodes(this.ds.running).map((d) => d.childText('name') ?? '');
    if (names.length > 0 && !devices) devices = doc.append(new SNode('devices', { xmlns: NS.ctrl }));
    const byName = new Map<string, SNode>();
    for (const d of devices?.childrenNamed('device') ?? []) {
      const name = d.childText('name');
      if (name !== undefined && !byName.has(name)) byName.set(name, d);
    }
    for (const name of names) {
      let dev = byName.get(name);
      if (!dev) {
        dev = devices!.append(new SNode('device'));
        dev.append(new SNode('name', {}, name));
        byName.set(name, dev);
      }
      const st = this.connState.get(name) ?? { state: 'CLOSED', ts: timestamp() };
      dev.append(new SNode('conn-state', {}, st.state));
      dev.append(new SNode('conn-state-timestamp', {}, st.ts));
    }
    const txs = doc.append(new SNode('transactions', { xmlns: NS.ctrl }));
    for (const t of this.transactions.values()) txs.append(parseXml(transactionXml(t)).children[0]!);
  }

  private checkLock(s: SimSession, db: string): void {
    const holder = this.locks.get(db);
    if (holder && holder !== s && !holder.closed) throw lockDenied(holder.id, db);
  }

  private editConfig(s: SimSession, op: SNode): RpcResult {
    const db = this.dbName(op, 'target', ['running', 'candidate', 'actions']);
    this.checkLock(s, db);
    const config = op.child('config');
    if (!config) throw new SimRpcError('protocol', 'missing-element', 'Missing config', '<bad-element>config</bad-element>');
    for (const top of config.children)
      if (!this.schema.knownNamespace(top.ns))
        throw new SimRpcError(
          'application', 'unknown-element',
          `Failed to find YANG spec of XML node: ${top.localName} with parent: config in namespace: ${top.ns}`,
          `<bad-element>${escapeText(top.localName)}</bad-element>`,
        );
    this.bindDevices(config);
    const dop = (op.childText('default-operation') ?? 'merge') as EditOp;
    if (!['merge', 'replace', 'none'].includes(dop))
      throw new SimRpcError('protocol', 'invalid-value', `Invalid default-operation: ${dop}`);
    // In place (applyEdit rolls back on error); replace starts from an empty tree.
    const base = dop === 'replace' ? new SNode('') : this.writable(db);
    this.setDs(db, applyEdit(base, config, dop === 'replace' ? 'merge' : dop, this.schema));
    return ok();
  }

  /** Binds what an edit puts under each device's config to the device's models (bindDeviceConfig). */
  private bindDevices(config: SNode): void {
    for (const top of config.children)
      if (top.localName === 'devices' && top.ns === NS.ctrl)
        for (const dev of top.childrenNamed('device')) {
          const models = this.devices.of(dev.childText('name') ?? '');
          const mount = dev.child('config');
          if (models && mount) bindDeviceConfig(mount, models);
        }
  }

  private commit(s: SimSession): RpcResult {
    this.checkLock(s, 'running');
    this.checkLock(s, 'candidate');
    this.validateDevices(this.ds.candidate);
    this.share('running', 'candidate');
    return ok();
  }

  /** Edit-config refuses what does not bind; what is left to judge is the device configs' values (validateDevices). */
  private validate(op: SNode): RpcResult {
    const db = this.dbName(op, 'source', ['running', 'candidate']);
    this.validateDevices(this.ds[db]);
    return ok();
  }

  /**
   * Validates, with its models, each device config of `doc` that differs from running, of
   * a device with models and yang-config VALIDATE (the YANG's default is BIND: bound at
   * edit-config only). Throws the first issue as the controller's rpc-error.
   */
  private validateDevices(doc: SNode): void {
    if (doc === this.ds.running || this.devices.all().length === 0) return;
    const running = this.deviceConfigs(this.ds.running);
    for (const dev of this.deviceNodes(doc)) {
      const name = dev.childText('name') ?? '';
      const models = this.devices.of(name);
      const config = dev.child('config');
      if (!models || !config || dev.childText('yang-config') !== 'VALIDATE' || treesEqual(config, running.get(name), this.schema)) continue;
      validateDeviceConfig(name, config, models);
    }
  }

  private discard(s: SimSession): RpcResult {
    this.checkLock(s, 'candidate');
    this.share('candidate', 'running');
    return ok();
  }

  private lock(s: SimSession, op: SNode): RpcResult {
    const db = this.dbName(op, 'target', ['running', 'candidate']);
    const holder = this.locks.get(db);
    if (holder && !holder.closed) throw lockDenied(holder.id, db);
    this.locks.set(db, s);
    return ok();
  }

  private unlock(s: SimSession, op: SNode): RpcResult {
    const db = this.dbName(op, 'target', ['running', 'candidate']);
    const holder = this.locks.get(db);
    // The backend's unlock errors (clixon backend_client.c): lock-denied both, session-id 0 for no holder.
    if (!holder || holder.closed) throw lockDenied(0, db, 'Unlock failed, lock is not currently active');
    if (holder !== s) throw lockDenied(holder.id, db, 'Unlock failed, lock held by other session');
    this.locks.delete(db);
    return ok();
  }

  private closeSession(s: SimSession): RpcResult {
    for (const [db, holder] of this.locks) if (holder === s) this.locks.delete(db);
    // Deleting a subscriber's subscriptions drops its connection (clixon's ce_event_cb)
    // before the <ok/> is written: a subscriber gets no reply, only the close.
    if (s.streams.size > 0) s.end();
    return ok();
  }

  private subscribe(s: SimSession, op: SNode): RpcResult {
    const stream = op.childText('stream') ?? 'NETCONF';
    if (stream === 'services-commit') {
      if (this.hasServicesSubscriber()) throw operationFailed('services-commit client already registered');
      this.servicesSubscriber = s;
    }
    s.streams.add(stream);
    return ok();
  }

  // ---- devices ----

  private deviceNodes(doc: SNode): SNode[] {
    const devices = doc.children.find((c) => c.localName === 'devices' && c.ns === NS.ctrl);
    return devices?.childrenNamed('device') ?? [];
  }

  /**
   * Packs each device's config (SNode.pack): a get-config then serves its XML as it is,
   * and reading or editing a config parses only the levels reached.
   */
  private packConfigs(doc: SNode): void {
    for (const dev of this.deviceNodes(doc)) {
      const config = dev.child('config');
      if (config) SNode.pack(config);
    }
  }

  /** Each device's config by name (the first device of a name). */
  private deviceConfigs(doc: SNode): Map<string, SNode | undefined> {
    const m = new Map<string, SNode | undefined>();
    for (const d of this.deviceNodes(doc)) {
      const name = d.childText('name') ?? '';
      if (!m.has(name)) m.set(name, d.child('config'));
    }
    return m;
  }

  private selectDevices(op: SNode, enabledOnly: boolean): string[] {
    const pattern = op.childText('device') ?? op.childText('device-group') ?? '*';
    const re = globToRegExp(pattern);
    return this.deviceNodes(this.ds.running)
      .filter((d) => !enabledOnly || d.childText('enabled') !== 'false')
      .map((d) => d.childText('name') ?? '')
      .filter((n) => re.test(n));
  }

  /** Sets a device's config in a datastore (replacing it), creating the device if needed. */
  private putDeviceConfig(doc: SNode, name: string, config: SNode): void {
    const dev = this.deviceNodes(doc).find((d) => d.childText('name') === name);
    if (!dev) return;
    const old = dev.child('config');
    const fresh = config.clone();
    fresh.name = 'config';
    fresh.attrs = new Map();
    if (old) {
      const i = dev.children.indexOf(old);
      dev.remove(old);
      dev.insertAt(i, fresh);
    } else dev.append(fresh);
  }

  // ---- transactions ----

  private newTransaction(user: string, description: string, devices: string[], push = 'NONE'): Transaction {
    for (const t of this.transactions.values())
      if (t.state !== 'DONE') throw operationFailed(`Transaction ${t.description} is ongoing`);
    const now = timestamp();
    const t: Transaction = {
      tid: this.nextTid++, username: user, result: 'INIT', state: 'INIT', devices, description,
      timestamp0: now, timestamp: now, push,
    };
    this.transactions.set(t.tid, t);
    if (this.transactions.size > MAX_KEPT_TRANSACTIONS) this.transactions.delete(this.transactions.keys().next().value!);
    return t;
  }

  private finish(t: Transaction, result: 'SUCCESS' | 'FAILED', origin?: string, reason?: string): void {
    if (t.timer) clearTimeout(t.timer);
    t.timer = undefined;
    t.result = result;
    t.state = 'DONE';
    if (origin !== undefined) t.origin = origin;
    if (reason !== undefined) t.reason = reason;
    t.timestamp = timestamp();
    log.debug(`transaction ${t.tid} ${result}${reason ? `: ${reason}` : ''}`);
    let body = `<controller-transaction xmlns="${NS.ctrl}"><tid>${t.tid}</tid><username>${escapeText(t.username)}</username><result>${result}</result>`;
    if (t.origin !== undefined) body += `<origin>${escapeText(t.origin)}</origin>`;
    if (t.reason !== undefined) body += `<reason>${escapeText(t.reason)}</reason>`;
    this.server.notify('controller-transaction', body + '</controller-transaction>');
  }

  /**
   * Fails a transaction at once, with the rpc-error the caller gets. `noted`: the
   * message is also the transaction's reason (the controller's device errors); without,
   * the notification says FAILED only ("No changes to push", recorded so).
   */
  private failNow(t: Transaction, message: string, origin?: string, noted = true): never {
    this.finish(t, 'FAILED', origin, noted ? message : undefined);
    throw operationFailed(message);
  }

  /** The `serviceTimeout` option for commits from now on; undefined: services/service-timeout again. */
  setServiceTimeout(ms: number | undefined): void {
    if (ms === undefined) delete this.opts.serviceTimeout;
    else this.opts.serviceTimeout = ms;
  }

  private serviceTimeoutMs(): number {
    if (this.opts.serviceTimeout !== undefined) return this.opts.serviceTimeout;
    const services = this.ds.running.children.find((c) => c.localName === 'services' && c.ns === NS.ctrl);
    return parseServiceTimeout(services?.childText('service-timeout')) ?? CONTROLLER_SERVICE_TIMEOUT_DEFAULT_MS;
  }

  private controllerCommit(op: SNode, user: string): RpcResult {
    const sourceText = op.childText('source');
    const source = sourceText === undefined ? undefined : localName(sourceText);
    if (source !== 'candidate' && source !== 'running') throw operationFailed('sourcedb not supported');
    const actions = op.childText('actions') ?? 'NONE';
    const push = op.childText('push') ?? 'NONE';
    let description = 'Controller commit';
    if (op.child('actions')) description += ` actions:${actions}`;
    if (op.child('push')) description += ` push:${push}`;
    const instance = op.childText('service-instance');
    const devices = this.selectDevices(op, true);
    // A bad value under a device: the rpc-error answers controller-commit itself, as on the rig.
    if (source === 'candidate') this.validateDevices(this.ds.candidate);
    const t = this.newTransaction(user, description, devices, push);
    if (devices.length === 0 && push !== 'NONE')
      this.failNow(t, 'No devices are selected (or no devices exist) and you have requested commit PUSH');
    if (push !== 'NONE') {
      // As the controller: a device with candidate changes must be connected to push to it.
      const running = this.deviceConfigs(this.ds.running);
      const wanted = this.deviceConfigs(this.ds.candidate);
      const closed = devices.find(
        (d) => this.connState.get(d)?.state !== 'OPEN' && !treesEqual(running.get(d), wanted.get(d), this.schema),
      );
      if (closed !== undefined)
        this.failNow(t, `Device is closed: '${closed}' (try 'connection open' or edit, local commit, and connect)`, closed);
    }
    const tidReply = `<tid xmlns="${NS.ctrl}">${t.tid}</tid>`;
    if (actions === 'NONE') {
      const running = this.deviceConfigs(this.ds.running);
      const changed = devices.filter((d) => !treesEqual(running.get(d), this.synced.get(d), this.schema));
      if (changed.length === 0) this.failNow(t, 'No changes to push', undefined, false);
      return {
        body: tidReply,
        after: () => {
          // Without actions the controller pushes running whatever push says: push NONE
          // reached the rig's devices too, and a push COMMIT after it had nothing to push
          // (test/fixtures/controller).
          const tree = this.ds.running;
          const now = this.deviceConfigs(tree);
          for (const d of changed) this.setSynced(d, tree, now.get(d));
          this.finish(t, 'SUCCESS');
        },
      };
    }
    if (source !== 'candidate') this.failNow(t, 'Only candidates db supported if actions', undefined, false);
    const diff = push === 'NONE';
    const changes = changedInstances(this.ds.running, this.ds.candidate, this.schema);
    let tags = changes.tags;
    if (actions === 'FORCE' || actions === 'DELETE') tags = instance ? [instance] : [];
    // Actions starts as candidate; the pre-removal below edits its own copy.
    this.shared.add(this.ds.candidate);
    this.ds.actions = this.ds.candidate;
    if (changes.any && actions === 'DELETE') {
      this.strip(this.writable('actions'), tags);
      return { body: tidReply, after: () => this.afterActions(t) };
    }
    if (changes.any && (actions === 'FORCE' || tags.length > 0) && this.hasServicesSubscriber()) {
      let body = `<services-commit xmlns="${NS.ctrl}"><tid>${t.tid}</tid><source>actions</source><target>actions</target>`;
      if (diff) body += '<diff>true</diff>';
      for (const tag of tags) body += `<service>${escapeText(tag)}</service>`;
      this.server.notify('services-commit', body + '</services-commit>');
      this.strip(this.writable('actions'), tags);
      t.state = 'ACTIONS';
      t.timer = setTimeout(() => {
        if (t.state !== 'DONE') this.finish(t, 'FAILED', 'Actions', 'Timeout waiting for service daemon');
      }, this.serviceTimeoutMs());
      t.timer.unref();
      return { body: tidReply };
    }
    return { body: tidReply, after: () => this.afterActions(t) };
  }

  /** The pre-removal: per listed instance as recorded in running; none listed = all (created only). */
  private strip(actions: SNode, tags: string[]): void {
    if (tags.length > 0) stripCreated(actions, this.ds.running, tags, this.schema);
    else dropAllCreated(actions);
  }

  /** After the service step: the devices' configs in actions validated; then push NONE ends here, otherwise devices and running get actions. */
  private afterActions(t: Transaction): void {
    const actions = this.ds.actions;
    // What the services wrote is validated first, push or not: a bad value fails the
    // transaction with the rpc-error as its reason, origin controller, running and the
    // devices untouched (seen on the rig: a bad enumeration under dev1 from a service,
    // with push COMMIT and with push NONE alike).
    try {
      this.validateDevices(actions);
    } catch (err) {
      if (!(err instanceof SimRpcError)) throw err;
      this.finish(t, 'FAILED', 'controller', `${err.errorType} ${err.errorTag} ${err.message}${err.info ? ` ${err.info}` : ''}`);
      return;
    }
    if (t.push === 'NONE') {
      this.finish(t, 'SUCCESS');
      return;
    }
    const after = this.deviceConfigs(actions);
    const before = this.deviceConfigs(this.ds.running);
    const changed = t.devices.filter((d) => !treesEqual(after.get(d), before.get(d), this.schema));
    for (const d of changed) this.setSynced(d, actions, after.get(d));
    // One tree for all three (no copies): the next edit of any of them copies it.
    this.share('candidate', 'actions');
    this.share('running', 'actions');
    if (changed.length === 0) this.finish(t, 'SUCCESS', undefined, 'No device  configuration changed, no push necessary');
    else this.finish(t, 'SUCCESS');
  }

  private findTransaction(op: SNode): Transaction {
    const tid = op.childText('tid');
    if (tid === undefined) throw operationFailed('No tid');
    if (!/^\d+$/.test(tid)) throw operationFailed('Invalid tid');
    const t = this.transactions.get(Number(tid));
    if (!t) throw operationFailed('No such transaction');
    return t;
  }

  private actionsDone(op: SNode): RpcResult {
    const t = this.findTransaction(op);
    if (t.state === 'DONE') throw operationFailed('Transaction already completed');
    if (t.state !== 'ACTIONS') throw operationFailed('Transaction in unexpected state');
    if (t.timer) clearTimeout(t.timer);
    t.timer = undefined;
    t.state = 'RESOLVED';
    return { body: '<ok/>', after: () => this.afterActions(t) };
  }

  private transactionError(op: SNode): RpcResult {
    const t = this.findTransaction(op);
    if (t.state === 'DONE') throw operationFailed('Transaction already completed');
    const origin = op.childText('origin');
    const reason = op.childText('reason');
    return { body: '<ok/>', after: () => this.finish(t, 'FAILED', origin, reason) };
  }

  // ---- diffs ----

  private datastoreDiff(op: SNode): RpcResult {
    const format = op.childText('format') ?? 'xml';
    if (format !== 'xml' && format !== 'text') throw operationFailed('Format not supported');
    const ds1 = op.childText('dsref1');
    if (ds1 !== undefined) {
      const ds2 = op.childText('dsref2');
      if (ds2 === undefined) throw operationFailed('No dsref2');
      const a = withServices(this.dsByRef(ds1));
      const b = withServices(this.dsByRef(ds2));
      const xp = op.childText('xpath');
      const x1 = xp ? select(a, xp, null)[0] : a;
      const x2 = xp ? select(b, xp, null)[0] : b;
      const text = format === 'text' ? TextDiff.between(x1 ?? new SNode(''), x2 ?? new SNode(''), this.schema) : xmlDiff(x1, x2, this.schema);
      return { body: `<diff xmlns="${NS.ctrl}">${escapeText(text)}</diff>` };
    }
    if (!op.child('device') && !op.child('device-group')) throw operationFailed('No device or device-group');
    const t1 = op.childText('config-type1');
    if (t1 === undefined) throw operationFailed('No config-type1');
    const t2 = op.childText('config-type2');
    if (t2 === undefined) throw operationFailed('No config-type1');
    const names = this.selectDevices(op, false);
    if (names.length === 0) return { body: '' };
    const of1 = this.deviceConfigsOfType(t1);
    const of2 = this.deviceConfigsOfType(t2);
    let body = '';
    for (const name of names) {
      const a = of1.get(name);
      const b = of2.get(name);
      const text = format === 'text' ? TextDiff.between(a ?? new SNode('config'), b ?? new SNode('config'), this.schema) : xmlDiff(a, b, this.schema);
      if (text !== '') body += `<diff xmlns="${NS.ctrl}">${escapeText(`${name}:\n${text}`)}</diff>`;
    }
    return { body };
  }

  private dsByRef(ref: string): SNode {
    const name = localName(ref);
    if (name !== 'running' && name !== 'candidate' && name !== 'actions') throw operationFailed(`No such datastore: ${ref}`);
    return this.ds[name];
  }

  private deviceConfigsOfType(type: string): ReadonlyMap<string, SNode | undefined> {
    switch (type) {
      case 'RUNNING': return this.deviceConfigs(this.ds.running);
      case 'CANDIDATE': return this.deviceConfigs(this.ds.candidate);
      case 'ACTIONS': return this.deviceConfigs(this.ds.actions);
      case 'SYNCED': return this.synced;
      case 'TRANSIENT': return this.transient;
    }
    throw operationFailed('Unexpected config-type');
  }

  // ---- device operations ----

  private configPull(op: SNode, user: string): RpcResult {
    const devices = this.selectDevices(op, true);
    const transient = op.childText('transient') === 'true';
    const t = this.newTransaction(user, 'pull', devices);
    return {
      body: `<tid xmlns="${NS.ctrl}">${t.tid}</tid>`,
      after: () => {
        for (const d of devices) {
          const cfg = (this.synced.get(d) ?? new SNode('config')).clone();
          if (transient) this.transient.set(d, cfg);
          else {
            this.putDeviceConfig(this.writable('running'), d, cfg);
            this.putDeviceConfig(this.writable('candidate'), d, cfg);
            this.setDs('running', this.ds.running);
            this.setDs('candidate', this.ds.candidate);
          }
        }
        this.finish(t, 'SUCCESS');
      },
    };
  }

  private connectionChange(op: SNode, user: string): RpcResult {
    if (!op.child('device') && !op.child('device-group')) throw operationFailed('No device or device-group');
    const operation = op.childText('operation') ?? 'OPEN';
    const devices = this.selectDevices(op, false);
    const t = this.newTransaction(user, `Controller connect ${operation}`, devices);
    return {
      body: `<tid xmlns="${NS.ctrl}">${t.tid}</tid>`,
      after: () => {
        for (const d of devices) this.connState.set(d, { state: operation === 'CLOSE' ? 'CLOSED' : 'OPEN', ts: timestamp() });
        this.finish(t, 'SUCCESS');
      },
    };
  }

  private template(kind: 'template' | 'rpc-template', op: SNode): { body: SNode[]; vars: Map<string, string> } {
    const vars = new Map<string, string>();
    for (const v of op.child('variables')?.childrenNamed('variable') ?? []) vars.set(v.childText('name') ?? '', v.childText('value') ?? '');
    const inline = op.child('inline');
    let tpl: SNode | undefined = inline;
    if (!tpl) {
      const name = op.childText('template');
      const devices = this.ds.candidate.children.find((c) => c.localName === 'devices' && c.ns === NS.ctrl);
      tpl = devices?.childrenNamed(kind).find((t) => t.childText('name') === name);
      if (!tpl) throw operationFailed(`Template not found: ${name ?? ''}`);
    }
    const body = (tpl.child('config')?.children ?? []).map((c) => substitute(canonical(c, ''), vars));
    return { body, vars };
  }

  private templateApply(op: SNode, user: string): RpcResult {
    const type = op.childText('type') ?? 'CONFIG';
    const devices = this.selectDevices(op, false);
    if (type === 'RPC') {
      const { body } = this.template('rpc-template', op);
      const t = this.newTransaction(user, 'rpc-device template', devices);
      return {
        body: `<tid xmlns="${NS.ctrl}">${t.tid}</tid>`,
        after: () => {
          t.rpcResults = devices.map((name) => ({ name, data: deviceRpcReply(body) }));
          this.finish(t, 'SUCCESS');
        },
      };
    }
    const { body } = this.template('template', op);
    const config = new SNode('config');
    const devs = config.append(new SNode('devices', { xmlns: NS.ctrl }));
    for (const name of devices) {
      const dev = devs.append(new SNode('device'));
      dev.append(new SNode('name', {}, name));
      const cfg = dev.append(new SNode('config'));
      for (const b of body) cfg.append(b.clone());
    }
    this.bindDevices(config);
    this.setDs('candidate', applyEdit(this.writable('candidate'), config, 'merge', this.schema));
    return ok();
  }

  /** The schemas of the first device the pattern matches (controller_rpc.c rpc_get_device_schema). */
  private getDeviceSchema(op: SNode): RpcResult {
    if (!op.child('device') && !op.child('device-group')) throw operationFailed('No device or device-group');
    const name = this.selectDevices(op, false)[0];
    if (name === undefined) throw operationFailed('No matching device found');
    const dev = this.deviceNodes(this.ds.running).find((d) => d.childText('name') === name)!;
    if (!dev.child('config')) throw operationFailed('No matching device mountpoint');
    const models = this.devices.of(name);
    if (!models) throw operationFailed('No matching device YANG spec found');
    return { body: deviceSchemaXml(models, { name: op.childText('name'), revision: op.childText('revision'), detail: op.childText('detail') === 'true' }) };
  }

  private rpcResult(op: SNode): RpcResult {
    const t = this.findTransaction(op);
    let body = `<tid xmlns="${NS.ctrl}">${t.tid}</tid><devices xmlns="${NS.ctrl}">`;
    for (const r of t.rpcResults ?? []) body += `<devdata><name>${escapeText(r.name)}</name>${r.data.toXml()}</devdata>`;
    return { body: body + '</devices>' };
  }
}

// ---- helpers ----

function ok(): RpcResult {
  return { body: '<ok/>' };
}

function lockDenied(sessionId: number, db: string, message = 'Operation failed, lock is already held'): SimRpcError {
  return new SimRpcError(
    'protocol', 'lock-denied', message,
    `<session-id>${sessionId}</session-id><db>${db}</db>`,
  );
}

function transactionXml(t: Transaction): string {
  let x = `<transaction><tid>${t.tid}</tid><username>${escapeText(t.username)}</username><result>${t.result}</result>`;
  if (t.reason !== undefined) x += `<reason>${escapeText(t.reason)}</reason>`;
  if (t.devices.length > 0) x += `<devices>${t.devices.map((d) => `<device><name>${escapeText(d)}</name></device>`).join('')}</devices>`;
  x += `<state>${t.state}</state><description>${escapeText(t.description)}</description>`;
  if (t.origin !== undefined) x += `<origin>${escapeText(t.origin)}</origin>`;
  return x + `<timestamp0>${t.timestamp0}</timestamp0><timestamp>${t.timestamp}</timestamp></transaction>`;
}

function substitute(n: SNode, vars: Map<string, string>): SNode {
  const sub = (s: string): string => s.replace(/\$\{([\w-]+)\}/g, (m, k: string) => vars.get(k) ?? m);
  if (n.text !== null) n.text = sub(n.text);
  for (const [k, v] of n.attrs) n.attrs.set(k, sub(v));
  for (const c of n.children) substitute(c, vars);
  return n;
}

/** A simulated device has no RPCs of its own: it answers with the request it got (the expanded template). */
function deviceRpcReply(body: SNode[]): SNode {
  const data = new SNode('data');
  for (const b of body) data.append(b.clone());
  return data;
}

/**
 * A datastore as the controller diffs it: its `services` container always exists (its
 * service-timeout leaf has a default), so a first instance shows as added inside it,
 * not the container as added.
 */
function withServices(doc: SNode): SNode {
  if (doc.children.some((c) => c.localName === 'services' && c.ns === NS.ctrl)) return doc;
  const copy = doc.clone();
  copy.insertAt(0, new SNode('services', { xmlns: NS.ctrl }));
  return copy;
}

/** The device diff text of two subtrees; YANG's leaf-lists so that single entries are matched as entries. */
function xmlDiff(a: SNode | undefined, b: SNode | undefined, schema: Schema): string {
  const conv = (n: SNode | undefined) => {
    if (!n) return undefined;
    const wrap = n.clone();
    if (wrap.name === '') wrap.name = 'root';
    if (!wrap.attrs.has('xmlns') && n.name !== '') wrap.setAttr('xmlns', n.ns);
    return parseString(wrap.toXml()).getChildren()[0];
  };
  return diffText(conv(a), conv(b), { indent: 3, leafLists: schema.leafLists });
}

/**
 * The initial datastore: XML text, or a file path; top-level services/devices, optionally
 * wrapped in config/data. Each device config is made canonical (and put in clixon's order
 * when `sortWith` is given) and packed as soon as it is parsed, so that the nodes of a big
 * config die young instead of all living until the end of the parse.
 */
export function loadInitial(config: string | undefined, sortWith?: Schema): SNode {
  const doc = new SNode('');
  if (config === undefined || config.trim() === '') return doc;
  const text = config.trimStart().startsWith('<') ? config : readFileSync(config, 'utf8');
  const packConfig = (n: SNode): void => {
    const dev = n.parent;
    const devs = dev?.parent;
    if (n.localName !== 'config' || dev?.localName !== 'device' || devs?.localName !== 'devices' || devs.ns !== NS.ctrl) return;
    const ns = n.ns;
    const devNs = dev.ns;
    const kids = n.children.map((c) => canonical(c, ns));
    n.name = n.localName;
    n.attrs = new Map(ns !== devNs ? [['xmlns', ns]] : []);
    n.children = [];
    for (const c of kids) n.append(c);
    if (sortWith) sortEntries(n, sortWith);
    SNode.pack(n);
  };
  let top = parseXml(text, packConfig).children;
  if (top.length === 1 && (top[0]!.localName === 'config' || top[0]!.localName === 'data') && top[0]!.ns !== NS.ctrl)
    top = top[0]!.children;
  for (const c of top) doc.append(canonical(c, ''));
  return doc;
}
