/**
 * `Clixon`, the script client: a typed, promise-based counterpart of clixon-pyapi's
 * Clixon class (clixon/clixon.py), whose behaviour it follows — option names and
 * defaults, the xpath auto-prefixing of get_root, what leaving the context does — with
 * three deliberate differences: only what changed in the fetched trees is sent,
 * transactions are matched by their tid, and an error inside the scope sends nothing.
 */
import {
  CONTROLLER_NS,
  RpcError,
  Session,
  defaultUser,
  rpc,
  replyOk,
  replyTid,
  type Datastore,
} from '../netconf/index.ts';
import { parseString, type XmlNode } from '../xml/index.ts';
import { logger } from '../log.ts';
import { changedConfig } from '../xml/changes.ts';
import { ReadOnlyError, TransactionFailedError, UnexpectedReplyError } from './errors.ts';
import { TransactionWatcher, type TransactionOutcome } from './transactions.ts';

const log = logger('client');

/** pyapi's default: the controller's socket as installed from source. */
export const DEFAULT_SOCKPATH = '/usr/local/var/run/controller/controller.sock';
const DEFAULT_TIMEOUT_MS = 30_000;
const NOTHING_TO_PUSH = 'No changes to push';

export interface ClixonOptions {
  /** the controller's UNIX socket (CLICON_SOCK) */
  sockpath?: string;
  /** the user the controller attributes the session's requests to; default: the OS user */
  user?: string;
  /** datastore getRoot reads: 'actions' (default), 'running', 'candidate' */
  source?: Datastore;
  /** datastore changes are written to on leaving the scope, and by setRoot */
  target?: Datastore;
  /** commit after writing the changes */
  commit?: boolean;
  /** push to the devices after committing (or on its own without `commit`) */
  push?: boolean;
  /** pull the devices' config when the client opens */
  pull?: boolean;
  /** never write: leaving the scope sends nothing, commit/push/setRoot do nothing */
  readOnly?: boolean;
  /** ms for each reply and for each awaited transaction; default 30 000 */
  timeout?: number;
  /** pyapi's cron mode: pull on open, read running, write candidate, commit and push */
  cron?: boolean;
  /** use this open session instead of connecting; leaving the scope leaves it open */
  session?: Session;
}

export interface GetRootOptions {
  /** server-side filter; `/services` and `/devices` get the controller prefix added */
  xpath?: string;
  /** prefix → namespace URI for the xpath's prefixes (ctrl is always declared) */
  namespaces?: Record<string, string>;
  /** client-side path into the fetched tree, e.g. `devices/device[name='r1']/config` */
  path?: string;
}

export interface TemplateOptions {
  /** device name or glob pattern (one of device, deviceGroup) */
  device?: string;
  deviceGroup?: string;
  /** the template's name under devices/template (or rpc-template); with `inline`, its XML */
  template: string;
  /** the inline template: `<config>…</config>`, or the elements to wrap in one */
  inline?: boolean;
  /** values for the template's `${NAME}` variables */
  variables?: Record<string, string>;
}

/** One entry of the controller's transactions state. */
export interface TransactionInfo {
  tid: string;
  username?: string;
  result?: string;
  state?: string;
  description?: string;
  origin?: string;
  reason?: string;
  warning?: string;
  timestamp0?: string;
  timestamp?: string;
  devices: string[];
}

/** One device's connection state. */
export interface DeviceInfo {
  name: string;
  connState?: string;
  connStateTimestamp?: string;
  logmsg?: string;
}

export type { TransactionOutcome };

/**
 * A top-level `devices` or `services` built without a namespace would land in NETCONF's
 * base namespace inside `<config>`: give it the controller's, as pyapi's set_root does.
 */
function withControllerNamespace(node: XmlNode): string {
  const xml = node.dumps();
  const name = node.getName();
  if ((name !== 'devices' && name !== 'services') || node.getAttribute('xmlns') !== undefined) return xml;
  return `<${name} xmlns="${CONTROLLER_NS}"${xml.slice(name.length + 1)}`;
}

export class Clixon implements AsyncDisposable {
  readonly sockpath: string;
  readonly user: string;
  readonly source: Datastore;
  readonly target: Datastore;
  readonly commitOnExit: boolean;
  readonly pushOnExit: boolean;
  readonly pullOnOpen: boolean;
  readonly readOnly: boolean;
  readonly timeout: number;
  readonly #external: boolean;
  #session: Session | undefined;
  #watcher: TransactionWatcher | undefined;
  #subscribed = false;
  #failed = false;
  #finished = false;
  // Every tree getRoot handed out: leaving the scope sends what changed in each.
  readonly #trees: XmlNode[] = [];

  constructor(options: ClixonOptions = {}) {
    const cron = options.cron ?? false;
    this.sockpath = options.sockpath || DEFAULT_SOCKPATH;
    this.user = options.user || defaultUser();
    this.source = cron ? 'running' : (options.source ?? 'actions');
    this.target = cron ? 'candidate' : (options.target ?? 'actions');
    this.commitOnExit = cron || (options.commit ?? false);
    this.pushOnExit = cron || (options.push ?? false);
    this.pullOnOpen = cron || (options.pull ?? false);
    this.readOnly = options.readOnly ?? false;
    this.timeout = options.timeout ?? DEFAULT_TIMEOUT_MS;
    this.#external = options.session !== undefined;
    if (options.session) this.#attach(options.session);
  }

  /** Connects (and pulls, with `pull`): `await using cx = await Clixon.connect({...})`. */
  static async connect(options: ClixonOptions = {}): Promise<Clixon> {
    return new Clixon(options).open();
  }

  /** Opens the session if not yet open; pulls the devices' config with `pull`. */
  async open(): Promise<this> {
    if (!this.#session) {
      this.#attach(await Session.connect({ path: this.sockpath, user: this.user, timeout: this.timeout }));
    }
    if (this.pullOnOpen) {
      try {
        await this.pull();
      } catch (e) {
        if (!this.#external) await this.closeSession().catch(() => undefined);
        throw e;
      }
    }
    return this;
  }

  /** The underlying NETCONF session, for requests this class has no method for. */
  get session(): Session {
    if (!this.#session) throw new TypeError('Clixon: not open; call open() or Clixon.connect()');
    return this.#session;
  }

  /**
   * The configuration in `source`, as a tree whose top-level children are `services`,
   * `devices`, …; with `path`, the element there (undefined when absent).
   */
  getRoot(options?: GetRootOptions & { path?: undefined }): Promise<XmlNode>;
  getRoot(options: GetRootOptions & { path: string }): Promise<XmlNode | undefined>;
  async getRoot(options: GetRootOptions = {}): Promise<XmlNode | undefined> {
    return this.#guard(async () => {
      const namespaces = { ctrl: CONTROLLER_NS, ...options.namespaces };
      const reply = await this.#rpc(rpc.getConfig({ user: this.user, source: this.source, xpath: options.xpath ?? '/', namespaces }));
      const data = reply.child('data') ?? parseString('<data/>').child('data');
      if (!data) throw new UnexpectedReplyError('get-config', reply.dumps());
      this.#trees.push(data);
      return options.path !== undefined ? data.find(options.path.replace(/^\//, '')) : data;
    });
  }

  /**
   * Writes to the target: with no argument what changed in every tree getRoot returned;
   * with a node from such a tree, what changed in that tree; with a tree of your own
   * (parsed or built, its top-level children being `services`, `devices`, …) all of it,
   * as pyapi's set_root did. Then commits with `commit`.
   */
  async setRoot(root?: XmlNode): Promise<void> {
    return this.#guard(async () => {
      if (this.readOnly) {
        log.info('read-only: setRoot sends nothing');
        return;
      }
      if (root === undefined) {
        await this.#sendChanges(this.#trees);
      } else {
        const tracked = this.#trees.find((t) => t === root || root.getParents().includes(t));
        if (tracked) await this.#sendChanges([tracked]);
        else {
          const body = root.getChildren().map(withControllerNamespace).join('');
          if (body !== '') await this.#rpcOk('edit-config', rpc.editConfig({ user: this.user, target: this.target, config: body }));
          root.clearModified();
          this.#trees.push(root);
        }
      }
      if (this.commitOnExit) await this.commit();
    });
  }

  /** Commits candidate to running; pushes too with `push`, as pyapi does. */
  async commit(): Promise<void> {
    return this.#guard(async () => {
      if (this.readOnly) {
        log.info('read-only: commit skipped');
        return;
      }
      await this.#rpcOk('commit', rpc.commit({ user: this.user }));
      if (this.pushOnExit) await this.push();
    });
  }

  /**
   * Pushes running to the devices (controller-commit) and waits for its transaction;
   * undefined when the devices already hold running (nothing to push).
   */
  async push(options: { device?: string } = {}): Promise<TransactionOutcome | undefined> {
    return this.#guard(async () => {
      if (this.readOnly) {
        log.info('read-only: push skipped');
        return undefined;
      }
      log.info('pushing config');
      try {
        return await this.#transaction('push', rpc.controllerCommit({ user: this.user, device: options.device ?? '*', push: 'COMMIT', actions: 'NONE', source: 'ds:running' }));
      } catch (err) {
        // The devices already hold running: the controller refuses with this rpc-error
        // (controller_rpc.c). Nothing to do is not a failure of the script.
        if (err instanceof RpcError && err.errorMessage === NOTHING_TO_PUSH) {
          log.info('no changes to push');
          return undefined;
        }
        throw err;
      }
    });
  }

  /** Pulls the devices' config (transient: into the TRANSIENT copy, not installed). */
  async pull(options: { device?: string; transient?: boolean } = {}): Promise<TransactionOutcome> {
    return this.#guard(async () => {
      const device = options.device ?? '*';
      log.debug(`pulling config for device ${device}`);
      return this.#transaction('pull', rpc.configPull({ user: this.user, device, transient: options.transient ?? false }));
    });
  }

  async lock(target: Datastore = 'candidate'): Promise<void> {
    return this.#guard(() => this.#rpcOk('lock', rpc.lock({ user: this.user, target })));
  }

  async unlock(target: Datastore = 'candidate'): Promise<void> {
    return this.#guard(() => this.#rpcOk('unlock', rpc.unlock({ user: this.user, target })));
  }

  /** Discards the changes in candidate (discard-changes). */
  async rollback(): Promise<void> {
    return this.#guard(() => this.#rpcOk('discard-changes', rpc.discardChanges({ user: this.user })));
  }

  /** Applies a CONFIG template; the change lands in candidate. False when read-only. */
  async applyTemplate(options: TemplateOptions): Promise<boolean> {
    return this.#guard(async () => {
      const apply = this.#template('CONFIG', options);
      if (this.readOnly) {
        log.info('read-only: applyTemplate skipped');
        return false;
      }
      await this.#subscribe();
      await this.#rpcOk('device-template-apply', rpc.deviceTemplateApply(apply));
      return true;
    });
  }

  /** Runs an RPC template on devices; each device's reply `data`, by device name. */
  async deviceRpc(options: TemplateOptions): Promise<Record<string, XmlNode>> {
    return this.#guard(async () => {
      const outcome = await this.#transaction('device-rpc', rpc.deviceTemplateApply(this.#template('RPC', options)));
      const reply = await this.#rpc(rpc.deviceRpcResult({ user: this.user, tid: outcome.tid }));
      const out: Record<string, XmlNode> = {};
      for (const dd of reply.child('devices')?.getElements('devdata') ?? []) {
        const name = dd.child('name')?.getData();
        if (name === undefined) continue;
        out[name] = dd.child('data') ?? dd;
      }
      return out;
    });
  }

  /**
   * Re-runs one service instance's actions from candidate and returns the device diff
   * running → actions as text. With `diff` false the result is also pushed.
   */
  async applyService(service: string, instance: string, diff = true): Promise<string> {
    return this.#guard(async () => {
      if (this.readOnly && !diff) throw new ReadOnlyError('applyService without diff');
      await this.#transaction(
        'apply-service',
        rpc.controllerCommit({
          user: this.user,
          header: 'base',
          device: '*',
          push: diff ? 'NONE' : 'COMMIT',
          actions: 'FORCE',
          serviceInstance: `${service}[service-name='${instance}']`,
          source: 'ds:candidate',
        }),
      );
      return diffText(await this.#rpc(rpc.datastoreDiff({ user: this.user, device: '*', configType1: 'RUNNING', configType2: 'ACTIONS' })));
    });
  }

  /** The text diff running → candidate; with `setRoot`, writes the changes first. */
  async showCompare(options: { setRoot?: boolean } = {}): Promise<string> {
    return this.#guard(async () => {
      if (options.setRoot) await this.setRoot();
      return diffText(await this.#rpc(rpc.datastoreDiff({ user: this.user, format: 'text', dsref1: 'ds:running', dsref2: 'ds:candidate' })));
    });
  }

  /**
   * Pulls the devices' config transiently and diffs it against running: the text, or
   * with `dictFormat` a map device name → that device's diff lines.
   */
  showDevicesDiff(options?: { device?: string; dictFormat?: false }): Promise<string>;
  showDevicesDiff(options: { device?: string; dictFormat: true }): Promise<Record<string, string>>;
  async showDevicesDiff(options: { device?: string; dictFormat?: boolean } = {}): Promise<string | Record<string, string>> {
    return this.#guard(async () => {
      const device = options.device ?? '*';
      await this.pull({ device, transient: true });
      const texts = diffTexts(await this.#rpc(rpc.datastoreDiff({ user: this.user, device, configType1: 'TRANSIENT', configType2: 'RUNNING' })));
      return options.dictFormat ? perDevice(texts) : texts.join('');
    });
  }

  /** Opens the connection to a device (or pattern) and waits for its transaction. */
  async connectionOpen(device = '*'): Promise<TransactionOutcome> {
    return this.#guard(() => this.#transaction('connection-open', rpc.connectionChange({ user: this.user, device, operation: 'OPEN' })));
  }

  /** The controller's transactions, or the one with `tid`. */
  async showTransactions(tid?: string | number): Promise<TransactionInfo[]> {
    return this.#guard(async () => {
      const reply = await this.#rpc(rpc.transactionsQuery(tid === undefined ? { user: this.user } : { user: this.user, tid }));
      const list = reply.child('data')?.child('transactions')?.getElements('transaction') ?? [];
      return list.map((t) => {
        const info: TransactionInfo = { tid: text(t, 'tid') ?? '', devices: names(t.child('devices'), 'device') };
        for (const k of ['username', 'result', 'state', 'description', 'origin', 'reason', 'warning', 'timestamp0', 'timestamp'] as const) {
          const v = text(t, k);
          if (v !== undefined) info[k] = v;
        }
        return info;
      });
    });
  }

  /** Each device's name, connection state, its timestamp and last log message. */
  async showDevices(): Promise<DeviceInfo[]> {
    return this.#guard(async () => {
      const reply = await this.#rpc(rpc.devicesQuery({ user: this.user }));
      const list = reply.child('data')?.child('devices')?.getElements('device') ?? [];
      return list.map((d) => {
        const info: DeviceInfo = { name: text(d, 'name') ?? '' };
        const state = text(d, 'conn-state');
        const stamp = text(d, 'conn-state-timestamp');
        const logmsg = text(d, 'logmsg');
        if (state !== undefined) info.connState = state;
        if (stamp !== undefined) info.connStateTimestamp = stamp;
        if (logmsg !== undefined) info.logmsg = logmsg;
        return info;
      });
    });
  }

  /** Ends the session: close-session, then the socket. */
  async closeSession(): Promise<void> {
    const s = this.#session;
    if (!s || s.closed) return;
    await s.close();
  }

  /**
   * Leaves the scope as pyapi's `__exit__` does: writes what changed to the target
   * (unless read-only), commits with `commit`, pushes with `push`, closes the session.
   * After an error (passed here, or thrown by this client's own calls) it sends nothing.
   */
  async finish(error?: unknown): Promise<void> {
    if (this.#finished) return;
    this.#finished = true;
    try {
      if (error !== undefined || this.#failed) {
        log.debug('scope left with an error: nothing sent');
      } else if (this.readOnly) {
        log.debug('read-only: leaving without sending');
      } else {
        await this.#sendChanges(this.#trees);
        if (this.commitOnExit) await this.commit();
        else if (this.pushOnExit) await this.push();
      }
    } finally {
      if (!this.#external) await this.closeSession().catch((e: unknown) => log.debug(`close-session: ${String(e)}`));
    }
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.finish();
  }

  #attach(session: Session): void {
    this.#session = session;
    this.#watcher = new TransactionWatcher(session);
  }

  async #guard<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (e) {
      this.#failed = true;
      throw e;
    }
  }

  #rpc(xml: string): Promise<XmlNode> {
    return this.session.rpc(xml, { timeout: this.timeout });
  }

  async #rpcOk(what: string, xml: string): Promise<void> {
    const reply = await this.#rpc(xml);
    if (!replyOk(reply)) throw new UnexpectedReplyError(what, reply.dumps());
  }

  async #subscribe(): Promise<void> {
    if (this.#subscribed) return;
    await this.#rpcOk('create-subscription', rpc.createSubscription({ user: this.user, stream: 'controller-transaction' }));
    this.#subscribed = true;
  }

  /** Sends a request answered by a `<tid>`, then waits for that transaction's outcome. */
  async #transaction(what: string, xml: string): Promise<TransactionOutcome> {
    await this.#subscribe();
    const reply = await this.#rpc(xml);
    const tid = replyTid(reply);
    if (tid === undefined || tid === '') throw new UnexpectedReplyError(what, reply.dumps());
    log.debug(`${what}: waiting for transaction ${tid}`);
    const outcome = await this.#watcher!.wait(tid, this.timeout, what);
    if (outcome.result !== 'SUCCESS') throw new TransactionFailedError(what, outcome);
    return outcome;
  }

  #template(type: 'CONFIG' | 'RPC', o: TemplateOptions): rpc.DeviceTemplateApplyOptions {
    if ((o.device === undefined) === (o.deviceGroup === undefined)) {
      throw new TypeError('give exactly one of device and deviceGroup');
    }
    const req: rpc.DeviceTemplateApplyOptions = { user: this.user, type };
    if (o.device !== undefined) req.device = o.device;
    if (o.deviceGroup !== undefined) req.deviceGroup = o.deviceGroup;
    if (o.variables) req.variables = o.variables;
    if (o.inline) req.inline = inlineConfig(o.template);
    else req.template = o.template;
    return req;
  }

  async #sendChanges(trees: XmlNode[]): Promise<void> {
    for (const tree of trees) {
      const body = changedConfig(tree);
      if (body === '') continue;
      await this.#rpcOk('edit-config', rpc.editConfig({ user: this.user, target: this.target, config: body }));
      tree.clearModified();
    }
  }
}

/**
 * Runs `fn` with an open client and leaves as the original's context manager does;
 * when `fn` throws, nothing is sent, the session is closed and the error rethrown.
 */
export async function withClixon<T>(options: ClixonOptions, fn: (cx: Clixon) => Promise<T>): Promise<T> {
  const cx = await Clixon.connect(options);
  let result: T;
  try {
    result = await fn(cx);
  } catch (e) {
    await cx.finish(e);
    throw e;
  }
  await cx.finish();
  return result;
}

/** What goes inside the inline template's `<config>`: pyapi took a `<config>` element, bare elements do too. */
function inlineConfig(template: string): string {
  const doc = parseString(template);
  const top = doc.getChildren();
  if (top.length === 1 && top[0]!.getName() === 'config') return top[0]!.getChildren().map((c) => c.dumps()).join('');
  return doc.dumps();
}

/** The text of every `<diff>` in a datastore-diff reply (one per device for device diffs). */
function diffTexts(reply: XmlNode): string[] {
  return reply.getElements('diff').map((d) => d.getData());
}

function diffText(reply: XmlNode): string {
  return diffTexts(reply).join('');
}

/**
 * pyapi's dict_format: device name → its diff lines. The controller sends one `<diff>`
 * per device whose text opens with a `name:` line.
 */
function perDevice(texts: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const t of texts) {
    const nl = t.indexOf('\n');
    const head = nl < 0 ? t : t.slice(0, nl);
    if (!head.endsWith(':')) continue;
    const name = head.slice(0, -1);
    out[name] = (out[name] ?? '') + (nl < 0 ? '' : t.slice(nl + 1));
  }
  return out;
}

function text(el: XmlNode, name: string): string | undefined {
  return el.child(name)?.getData();
}

function names(el: XmlNode | undefined, entry: string): string[] {
  return (el?.getElements(entry) ?? []).map((e) => text(e, 'name') ?? '');
}
