/**
 * The service server loop: connects to the controller's internal socket, subscribes to
 * services-commit and controller-transaction, and answers every services-commit exactly
 * once (transaction-actions-done or transaction-error), one transaction at a time, in the
 * order the notifications came. Reconnects with backoff when the backend goes away.
 *
 * The per-transaction protocol follows the recorded Python server (session-pyapi.jsonl):
 * get of the transaction's state to learn the user, get-config of actions, modules,
 * edit-config merge to actions, transaction-actions-done; transaction-error on any failure.
 *
 * Every request has a deadline inside the controller's own wait (deadline.ts). A reply
 * that never comes, or a message that breaks the order replies are matched by, ends the
 * session (src/netconf); the transaction is then answered with transaction-error on the
 * next connection, if the controller still waits for it. clixon-controller keeps a
 * transaction in ACTIONS when the subscriber's session goes (it has no hook on that) and
 * takes transaction-error for any tid from any session (controller_rpc.c
 * rpc_transaction_error), but numbers transactions from 1 again after a restart: so the
 * error goes only when this side hung up, the controller was reachable at once, and it
 * still shows the tid in ACTIONS. When the controller hung up, the tid is logged and left
 * to the controller's own timeout.
 *
 * Seen on clixon-controller 1.8 (test/controller/lost.test.ts): with the server killed or
 * its connection dropped mid-transaction, the transaction stays ACTIONS (result INIT) until
 * services/service-timeout, then ends FAILED, origin "Actions", reason "Timeout waiting
 * for service daemon" (backend.log: "Service timeout. Waiting for
 * transaction-actions-done rpc from service daemon for transaction N"); a new server then
 * serves the next commit. When this side hung up over a reply held back, the
 * transaction-error sent on the new connection is taken: FAILED, origin tsapi, our reason.
 */
import { EventEmitter } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { watch, type FSWatcher } from 'chokidar';
import { performance } from 'node:perf_hooks';
import type { ConsolaInstance } from '../log.ts';
import { FramingError, ProtocolError, RpcError, Session, TimeoutError, rpc as build } from '../netconf/index.ts';
import type { XmlNode } from '../xml/index.ts';
import { ModuleHost } from './host.ts';
import { isModuleFileName } from './loader.ts';
import { brokenFor, parseServiceEntry, type RunPhase, type ServiceEntry, type TransactionInfo } from './runner.ts';
import type { ModelsUse, ModuleInfo, RunFailure, WorkerTimings } from './worker-messages.ts';
import { DEFAULT_BATCH_SIZE } from './edits.ts';
import { CONTROLLER_SERVICE_TIMEOUT_DEFAULT_MS, moduleBudget, parseServiceTimeout, requestBudgetMs, type ModuleBudget } from './deadline.ts';
import type { FrameLogger } from './framelog.ts';
import { transactionLine } from './report.ts';
import { ControllerModels, type ModelsLoad } from '../models/controller.ts';

/** The origin this server names in transaction-error (the Python server says `pyapi`). */
export const ORIGIN = 'tsapi';

export interface ServerOptions {
  /** The controller's Unix socket, or host and port for a TCP one. */
  sockPath?: string;
  host?: string;
  port?: number;
  modulePaths: string[];
  moduleFilter?: string[];
  /**
   * The operator's cap on a transaction's module time, ms. Whatever it is, modules get
   * no more than the controller's own wait less a margin (see deadline.ts); the
   * post-commit hooks, which nobody waits for, get this or 60 s.
   */
  timeoutMs?: number;
  /** Creator-tagged nodes per edit-config. */
  batchSize?: number;
  /** Logs every frame sent and received (`-d`). */
  frameLog?: FrameLogger;
  /** Watch the module paths and reload on change (default true). */
  watch?: boolean;
  /** Reconnect backoff bounds, ms. */
  reconnectMinMs?: number;
  reconnectMaxMs?: number;
  /** How long the hello and each subscription may take before the server connects again (default 30 s). */
  connectTimeoutMs?: number;
  log: ConsolaInstance;
  logLevel: number;
  /** Where module log lines go. */
  onModuleLog: (level: number, tag: string, message: string) => void;
  /** Check what modules changed against the YANG (beside the modules, and in `yangDirs`) before sending it. */
  validate?: boolean;
  yangDirs?: string[];
}

/** What one services-commit cost; emitted as 'transaction' for benchmarks and tests. */
export interface TransactionReport {
  tid: string;
  user: string;
  outcome: 'done' | 'error';
  reason?: string;
  served: string[];
  edits: number;
  editBytes: number;
  configBytes: number;
  creators: number;
  /** ms from the notification's arrival to the done/error reply. */
  totalMs: number;
  socketMs: number;
  /** Per RPC: ms from sending to the reply frame (the controller's time and the transfer), and ms parsing the reply here. */
  rpcs: { name: string; waitMs: number; parseMs: number; bytesOut: number; bytesIn: number }[];
  timings?: WorkerTimings;
  /** Device models fetched from the controller for this transaction (a new or changed module-set), and from where. */
  models?: { from: string; loads: ModelsLoad[] };
  /** Device models in validation: sets compiled, devices not judged by models of their own. */
  modelsUse?: ModelsUse;
}

interface Served {
  entries: ServiceEntry[];
  user: string;
  diff: boolean;
}

const SERVED_MEMORY = 1000;
/** The connection's hello and subscriptions: a controller that does not answer them in this time is connected to again. */
const DEFAULT_CONNECT_TIMEOUT_MS = 30_000;
/** Post-commit hooks' module set and get-config: nobody waits for them, but neither may hold up the next commit for ever. */
const HOOK_REQUEST_TIMEOUT_MS = 60_000;

/**
 * The pump's work, one at a time: a notification with the connection it came on (the
 * answer goes there), or the transaction-errors owed, to send on a new connection.
 */
type Queued = { n: XmlNode; at: number; session: Session } | { owed: Owed[]; session: Session };

/** A services-commit left unanswered when this side hung up: transaction-error is owed on the next connection. */
interface Owed {
  tid: string;
  user: string;
  reason: string;
}

/** The answer a transaction has sent, if any. */
type AnswerSent = 'transaction-actions-done' | 'transaction-error' | undefined;

export class ServiceServer extends EventEmitter {
  readonly host: ModuleHost;
  private session: Session | undefined;
  private readonly queue: Queued[] = [];
  private pumping: Promise<void> | undefined;
  private owed: Owed[] = [];
  /** The controller's wait as last read, for a transaction's requests before its own read. */
  private controllerTimeoutMs = CONTROLLER_SERVICE_TIMEOUT_DEFAULT_MS;
  private stopping = false;
  private readonly served = new Map<string, Served>();
  private lastReplyBytes = 0;
  private lastReplyAt = 0;
  private connectLoop: Promise<void> | undefined;
  private wakeUp: (() => void) | undefined;
  private watcher: FSWatcher | undefined;
  private reloadTimer: NodeJS.Timeout | undefined;
  private readonly done: Promise<void>;
  private markDone!: () => void;
  /** Each device's module-set (ctx.models) and, with validation, its YANG: read over a connection of their own. */
  private readonly models: ControllerModels;
  private readonly modelsDir: string;

  constructor(private readonly opts: ServerOptions) {
    super();
    this.done = new Promise((resolve) => (this.markDone = resolve));
    this.modelsDir = mkdtempSync(join(tmpdir(), 'clixon-tsapi-models-'));
    this.models = new ControllerModels({
      connect: () =>
        Session.connect({
          ...(opts.sockPath !== undefined ? { path: opts.sockPath } : {}),
          ...(opts.host !== undefined ? { host: opts.host } : {}),
          ...(opts.port !== undefined ? { port: opts.port } : {}),
          timeout: opts.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS,
        }),
      dir: this.modelsDir,
      where: this.where(),
      log: opts.log,
    });
    this.host = new ModuleHost({
      modulePaths: opts.modulePaths,
      moduleFilter: opts.moduleFilter ?? [],
      timeoutMs: opts.timeoutMs ?? 60_000,
      log: opts.log,
      logLevel: opts.logLevel,
      onModuleLog: opts.onModuleLog,
      ...(opts.validate ? { validate: { yangDirs: opts.yangDirs ?? [] } } : {}),
    });
  }

  /**
   * Connects and subscribes while the modules load, and keeps the connection until stop();
   * resolves once the first module set is loaded. Subscribing first matters: a commit the
   * controller runs while no one is subscribed gets no service handler at all, and loading
   * can take seconds on a busy machine. A services-commit that arrives before the load
   * has finished waits for it, as any notification waits for the transaction before it;
   * the time it waited counts against the modules' budget (deadline.ts).
   */
  async start(): Promise<void> {
    // stop() before start() (a signal during the process's own start-up): nothing to start.
    if (this.stopping) return;
    if (this.opts.watch !== false) this.watchModules();
    this.connectLoop = this.run();
    try {
      await this.host.ready();
    } catch (err) {
      // stop() during the first load ends it by stopping the worker: not a failure to start.
      if (this.stopping) return;
      throw err;
    }
  }

  /** Resolves once stop() has finished. */
  stopped(): Promise<void> {
    return this.done;
  }

  /** Finishes the transaction under way, then closes the connection and the worker. */
  async stop(): Promise<void> {
    this.stopping = true;
    this.wakeUp?.();
    clearTimeout(this.reloadTimer);
    await this.watcher?.close();
    await this.pumping;
    for (const item of this.queue.splice(0)) {
      const tids = 'owed' in item ? item.owed.map((o) => o.tid) : [text(item.n.find('services-commit/tid'))].filter((t) => t !== '');
      for (const tid of tids) this.opts.log.warn(`tid ${tid}: not answered: the server is stopping`);
    }
    const s = this.session;
    this.session = undefined;
    if (s && !s.closed) await s.close().catch(() => undefined);
    await this.connectLoop;
    await this.host.close();
    await this.models.close();
    rmSync(this.modelsDir, { recursive: true, force: true });
    this.markDone();
  }

  /** Re-imports every module in a fresh worker; the next transaction runs the new code. */
  reload(): void {
    this.host.reload().then(
      ({ modules, failures }) => this.emit('reloaded', { modules, failures }),
      (err: unknown) => this.opts.log.error(`module reload failed: ${errText(err)}`),
    );
  }

  /** On add, change or removal of a module file, reload (debounced: an editor's save is several events). */
  private watchModules(): void {
    this.watcher = watch(this.opts.modulePaths, {
      ignoreInitial: true,
      ignored: (path, stats) => (stats?.isFile() ?? false) && !isModuleFileName(basename(path)),
    });
    const changed = (path: string): void => {
      if (!isModuleFileName(basename(path))) return;
      this.opts.log.info(`module file changed: ${path}`);
      this.emit('moduleChanged', path);
      clearTimeout(this.reloadTimer);
      this.reloadTimer = setTimeout(() => this.reload(), 50);
    };
    this.watcher.on('add', changed).on('change', changed).on('unlink', changed);
    // A save before this is not seen: said so that a test (or a user with -d) knows when edits count.
    this.watcher.on('ready', () => this.opts.log.debug(`watching ${this.opts.modulePaths.join(', ')} for module changes`));
    this.watcher.on('error', (err) => this.opts.log.error(`watching modules: ${errText(err)}`));
  }

  private async run(): Promise<void> {
    const min = this.opts.reconnectMinMs ?? 250;
    const max = this.opts.reconnectMaxMs ?? 5000;
    let delay = min;
    while (!this.stopping) {
      let session: Session;
      try {
        session = await this.connect();
      } catch (err) {
        this.forgetOwed(`the controller is not reachable (${errText(err)})`);
        // Said once per outage as a warning; each retry after that only in debug.
        const message = `backend not reachable at ${this.where()} (${errText(err)}); retrying in ${delay} ms`;
        if (delay === min) this.opts.log.warn(message);
        else this.opts.log.debug(message);
        await this.sleep(delay);
        delay = Math.min(max, delay * 2);
        continue;
      }
      delay = min;
      if (this.stopping) {
        // stop() came while connecting: it could not see this session to close it.
        await session.close().catch(() => undefined);
        return;
      }
      const closed = new Promise<void>((resolve) => session.on('close', () => resolve()));
      this.session = session;
      // A new connection may be to a restarted controller, with devices connected anew.
      this.models.markStale(this.prefetch(session));
      this.emit('connected');
      this.flushOwed();
      await Promise.race([closed, new Promise<void>((r) => (this.wakeUp = r))]);
      if (this.stopping) return;
      this.opts.log.warn(`backend connection closed (${errText(session.closeCause ?? 'closed')}); reconnecting`);
      this.session = undefined;
    }
  }

  private where(): string {
    return this.opts.sockPath ?? `${this.opts.host}:${this.opts.port}`;
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(resolve, ms);
      this.wakeUp = () => {
        clearTimeout(t);
        resolve();
      };
    });
  }

  private async connect(): Promise<Session> {
    const log = this.opts.log;
    const session = await Session.connect({
      ...(this.opts.sockPath !== undefined ? { path: this.opts.sockPath } : {}),
      ...(this.opts.host !== undefined ? { host: this.opts.host } : {}),
      ...(this.opts.port !== undefined ? { port: this.opts.port } : {}),
      hello: true,
      transport: 'ctrl:services',
      timeout: this.opts.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS,
      onFrame: (direction, xml) => {
        if (direction === 'recv' && xml.startsWith('<rpc-reply')) {
          this.lastReplyBytes = xml.length;
          this.lastReplyAt = performance.now();
        }
        this.opts.frameLog?.(direction, xml);
      },
    });
    // A notification may come before this resolves (right after the subscription's reply): it is queued with its session.
    session.on('notification', (n) => {
      this.queue.push({ n, at: performance.now(), session });
      this.pump();
    });
    try {
      await session.rpc(build.createSubscription({ user: session.user, stream: 'services-commit' }));
      await session.rpc(build.createSubscription({ user: session.user, stream: 'controller-transaction' }));
    } catch (err) {
      session.destroy();
      throw err;
    }
    log.info(`connected to ${this.where()}, session ${session.sessionId ?? '?'}; waiting for services-commit`);
    return session;
  }

  /** Handles the queued notifications one at a time, in order. */
  private pump(): void {
    if (this.pumping) return;
    const drained: Promise<void> = (async () => {
      for (let item = this.queue.shift(); item && !this.stopping; item = this.queue.shift()) {
        try {
          await this.handle(item);
        } catch (err) {
          this.opts.log.error(`notification handling failed: ${errText(err)}`);
        }
      }
    })().finally(() => {
      // Cleared only here, once the loop's promise is stored: a loop that never awaited must not leave it set for good.
      if (this.pumping === drained) this.pumping = undefined;
      if (this.queue.length > 0 && !this.stopping) this.pump();
    });
    this.pumping = drained;
  }

  private async handle(item: Queued): Promise<void> {
    if ('owed' in item) return this.sendOwed(item.session, item.owed);
    const sc = item.n.child('services-commit');
    if (sc) return this.servicesCommit(item.session, sc, item.at);
    const ct = item.n.child('controller-transaction');
    if (ct) return this.controllerTransaction(item.session, ct);
  }

  private async servicesCommit(session: Session, sc: XmlNode, at: number): Promise<void> {
    const log = this.opts.log;
    const tid = text(sc.child('tid'));
    const entries = sc.getElements('service').map((e) => parseServiceEntry(String(e.getData() ?? '')));
    const diff = text(sc.child('diff')) === 'true';
    let user = session.user;
    let answer: AnswerSent;
    if (session.closed) {
      // It waited behind a transaction on a connection lost meanwhile.
      this.unanswered(tid, user, session, answer);
      return;
    }
    let socketMs = 0;
    const rpcs: TransactionReport['rpcs'] = [];
    // Until this transaction reads services/service-timeout, the last value read stands for it.
    let controllerTimeoutMs = this.controllerTimeoutMs;
    const timeout = (): number => requestBudgetMs({ controllerTimeoutMs, elapsedMs: performance.now() - at });
    const timed = async <T>(xml: string, send: () => Promise<T>): Promise<T> => {
      const t = performance.now();
      try {
        return await send();
      } finally {
        const end = performance.now();
        socketMs += end - t;
        const at = this.lastReplyAt >= t ? this.lastReplyAt : end;
        rpcs.push({ name: build.rpcName(xml), waitMs: at - t, parseMs: end - at, bytesOut: xml.length, bytesIn: at === end ? 0 : this.lastReplyBytes });
      }
    };
    const rpc = (xml: string): Promise<XmlNode> => timed(xml, () => session.rpc(xml, { timeout: timeout() }));
    // The config goes to the worker as text: never parsed on this thread.
    const rpcRaw = (xml: string): Promise<string> => timed(xml, () => session.rpc(xml, { raw: true, timeout: timeout() }));
    log.info(`services-commit tid ${tid}: ${entries.map((e) => e.raw).join(', ') || 'all services'}${diff ? ' (diff)' : ''}`);

    const report: TransactionReport = {
      tid, user, outcome: 'done', served: [], edits: 0, editBytes: 0, configBytes: 0, creators: 0, totalMs: 0, socketMs: 0, rpcs,
    };
    const finish = (): void => {
      report.totalMs = performance.now() - at;
      report.socketMs = socketMs;
      if (!diff) this.remember(tid, { entries, user, diff });
      log.info(transactionLine(report));
      this.emit('transaction', report);
    };
    const fail = async (reason: string): Promise<void> => {
      log.error(`tid ${tid}: transaction-error: ${reason.trim()}`);
      answer = 'transaction-error';
      try {
        await rpc(build.transactionError({ user, tid, origin: ORIGIN, reason: build.xmlCarriable(reason) }));
      } catch (err) {
        if (!(err instanceof RpcError)) throw err;
        log.error(`tid ${tid}: the controller refused transaction-error: ${err.message}`);
      }
      report.outcome = 'error';
      report.reason = reason;
      finish();
    };

    try {
      user = report.user = await this.transactionUser(rpc, session, tid);
      const controllerWait = await this.controllerServiceTimeout(rpc, user, tid);
      controllerTimeoutMs = this.controllerTimeoutMs = controllerWait.ms;
      const txn: TransactionInfo = { tid, user, entries, diff };
      const budget = (): ModuleBudget =>
        moduleBudget({ controllerTimeoutMs: controllerWait.ms, controllerTimeoutSet: controllerWait.set, elapsedMs: performance.now() - at, capMs: this.opts.timeoutMs });
      // A module whose loading never ends fails the transaction within its time (ModulesNotLoadedError), like a run.
      const { modules, failures } = await this.host.moduleSet({ budget: budget() });
      const matching = matchingModules(modules, entries);
      const broken = brokenFor(failures, entries);
      if (matching.length === 0 && broken.length === 0) {
        log.info(`tid ${tid}: no module serves ${entries.map((e) => e.service).join(', ') || 'any service'}`);
        report.served = [...new Set(entries.map((e) => e.service))];
        answer = 'transaction-actions-done';
        await rpc(build.transactionActionsDone({ user, tid, services: report.served }));
        finish();
        return;
      }
      const filter = narrowing(matching);
      // The models are read beside the config, on their own connection: never this transaction's failure.
      const models = this.models.current({ user, timeoutMs: timeout() / 2, waitMs: timeout() / 2, yang: this.opts.validate === true });
      const configXml = await rpcRaw(build.getConfig({ user, source: 'actions', xpath: filter.xpath, namespaces: filter.namespaces }));
      report.configBytes = configXml.length;
      const { snapshot, loads } = await models;
      if (loads.length > 0) report.models = { from: snapshot.from, loads };
      const outcome = await this.host.run(
        { phase: 'commit', configXml, txn, broken, batchSize: this.opts.batchSize ?? DEFAULT_BATCH_SIZE, read: filter, models: snapshot },
        { budget },
      );
      if (outcome.models) report.modelsUse = outcome.models;
      if (!outcome.ok) {
        await fail(failureReason(outcome.failure));
        return;
      }
      report.timings = outcome.timings;
      report.creators = outcome.creators;
      for (const edit of outcome.edits) {
        try {
          await rpc(build.editConfig({ user, target: 'actions', config: edit }));
        } catch (err) {
          if (err instanceof RpcError) {
            await fail(`\nedit-config of the service changes was refused by the controller:\n\n${err.message}`);
            return;
          }
          throw err;
        }
        report.edits += 1;
        report.editBytes += edit.length;
      }
      report.served = outcome.served;
      try {
        answer = 'transaction-actions-done';
        await rpc(build.transactionActionsDone({ user, tid, services: outcome.served }));
      } catch (err) {
        // Refused (e.g. the controller timed the transaction out meanwhile): that was our one answer; say so and stop.
        if (!(err instanceof RpcError)) throw err;
        log.error(`tid ${tid}: the controller refused transaction-actions-done: ${err.message}`);
        report.outcome = 'error';
        report.reason = err.message;
        finish();
        return;
      }
      finish();
    } catch (err) {
      if (session.closed) {
        this.unanswered(tid, user, session, answer);
        return;
      }
      // Whatever went wrong, the controller must still get its one answer.
      try {
        await fail(`\nService server error:\n\n${errText(err)}`);
      } catch (e) {
        if (session.closed) this.unanswered(tid, user, session, answer);
        else log.error(`tid ${tid}: could not send transaction-error: ${errText(e)}`);
      }
    }
  }

  /**
   * The connection went before tid was answered: says so and why, and when this side hung
   * up over the controller's behaviour (the controller still waits), owes it transaction-error.
   */
  private unanswered(tid: string, user: string, session: Session, answer: AnswerSent): void {
    const log = this.opts.log;
    const cause = session.closeCause;
    const why = cause ? errText(cause) : 'the connection was closed';
    if (answer === 'transaction-actions-done') {
      log.error(`tid ${tid}: transaction-actions-done sent, but the connection was lost before the controller's reply (${why}): the controller decides`);
    } else if (cause instanceof TimeoutError || cause instanceof FramingError || cause instanceof ProtocolError) {
      log.error(`tid ${tid}: not answered on this connection: ${why}; transaction-error follows on a new one`);
      this.owed.push({ tid, user, reason: `\nService server error:\n\n${why}` });
      this.flushOwed();
    } else {
      log.error(`tid ${tid}: not answered: ${why}; the controller fails it when its service-timeout ends`);
    }
  }

  /** Queues what is owed ahead of any notification, once there is a live connection to send it on. */
  private flushOwed(): void {
    const session = this.session;
    if (!session || session.closed || this.owed.length === 0) return;
    this.queue.unshift({ owed: this.owed, session });
    this.owed = [];
    this.pump();
  }

  /** Sends the owed transaction-errors on a new connection, each only if the controller still waits for that tid. */
  private async sendOwed(session: Session, owed: Owed[]): Promise<void> {
    const log = this.opts.log;
    const timeout = { timeout: this.controllerTimeoutMs };
    for (const [i, o] of owed.entries()) {
      try {
        const state = (await session.rpc(build.transactionsQuery({ user: session.user, tid: o.tid }), timeout)).find('data/transactions/transaction/state');
        if (text(state) !== 'ACTIONS') {
          log.warn(`tid ${o.tid}: not answered: the controller no longer waits for it (${state ? `state ${text(state)}` : 'no such transaction'})`);
          continue;
        }
        await session.rpc(build.transactionError({ user: o.user, tid: o.tid, origin: ORIGIN, reason: build.xmlCarriable(o.reason) }), timeout);
        log.error(`tid ${o.tid}: transaction-error: ${o.reason.trim()}`);
      } catch (err) {
        if (err instanceof RpcError) {
          log.error(`tid ${o.tid}: the controller refused transaction-error: ${err.message}`);
          continue;
        }
        if (!session.closed) throw err;
        // Lost again: what is left is owed to the next connection.
        log.warn(`tid ${o.tid}: transaction-error not sent: ${errText(session.closeCause ?? err)}`);
        this.owed.unshift(...owed.slice(i));
        return;
      }
    }
  }

  /** The owed transaction-errors are dropped: the controller may have restarted, and it numbers transactions from 1 again. */
  private forgetOwed(why: string): void {
    for (const o of this.owed.splice(0)) this.opts.log.warn(`tid ${o.tid}: not answered: ${why}; left to the controller`);
  }

  private async transactionUser(rpc: (xml: string) => Promise<XmlNode>, session: Session, tid: string): Promise<string> {
    try {
      const reply = await rpc(build.transactionsQuery({ user: session.user, tid }));
      const user = reply.find('data/transactions/transaction/username')?.getData();
      if (user !== undefined && user !== null && String(user) !== '') return String(user);
    } catch (err) {
      if (!(err instanceof RpcError)) throw err;
      this.opts.log.warn(`tid ${tid}: could not read the transaction's user: ${err.message}`);
    }
    return session.user;
  }

  /** The controller's wait for our answer: `services/service-timeout` of running (set), else its built-in 10 s. */
  private async controllerServiceTimeout(rpc: (xml: string) => Promise<XmlNode>, user: string, tid: string): Promise<{ ms: number; set: boolean }> {
    try {
      const reply = await rpc(build.getConfig({ user, source: 'running', xpath: '/ctrl:services/ctrl:service-timeout' }));
      const ms = parseServiceTimeout(text(reply.find('data/services/service-timeout')));
      return ms !== undefined ? { ms, set: true } : { ms: CONTROLLER_SERVICE_TIMEOUT_DEFAULT_MS, set: false };
    } catch (err) {
      if (!(err instanceof RpcError)) throw err;
      this.opts.log.warn(`tid ${tid}: could not read services/service-timeout, assuming the controller's 10 s: ${err.message}`);
      return { ms: CONTROLLER_SERVICE_TIMEOUT_DEFAULT_MS, set: false };
    }
  }


  private remember(tid: string, s: Served): void {
    this.served.set(tid, s);
    if (this.served.size > SERVED_MEMORY) this.served.delete(this.served.keys().next().value!);
  }

  /** How the models are read ahead of the next transaction: as the session's user, in the controller's last known time per request. */
  private prefetch(session: Session): { user: string; timeoutMs: number; yang: boolean } {
    return { user: session.user, timeoutMs: requestBudgetMs({ controllerTimeoutMs: this.controllerTimeoutMs, elapsedMs: 0 }), yang: this.opts.validate === true };
  }

  private async controllerTransaction(came: Session, ct: XmlNode): Promise<void> {
    const tid = text(ct.child('tid'));
    const served = this.served.get(tid);
    // Another transaction (a connection opened or closed, a pull) may have changed a device's module-set.
    if (!served) this.models.markStale(this.prefetch(came));
    if (!served) return;
    this.served.delete(tid);
    // The hooks read running: any live connection serves, the one it came on or the next.
    const session = came.closed ? this.session : came;
    if (!session || session.closed) {
      this.opts.log.warn(`tid ${tid}: post-commit hooks not run: no connection to the controller`);
      return;
    }
    const result = text(ct.child('result'));
    const reason = text(ct.child('reason'));
    const phase: RunPhase = result === 'SUCCESS' ? 'post-commit' : 'post-commit-failed';
    const hook = phase === 'post-commit' ? 'setupPostCommit' : 'setupPostCommitFailed';
    const { modules } = await this.host.moduleSet({ budget: { ms: HOOK_REQUEST_TIMEOUT_MS, why: "the post-commit hooks' wait" } });
    const withHook = matchingModules(modules, served.entries).filter((m) => m.hooks.includes(hook));
    if (withHook.length === 0) return;
    this.opts.log.info(`tid ${tid}: ${result}; running ${hook} hooks`);
    const filter = narrowing(withHook);
    const configXml = await session.rpc(build.getConfig({ user: served.user, source: 'running', xpath: filter.xpath, namespaces: filter.namespaces }), {
      raw: true,
      timeout: HOOK_REQUEST_TIMEOUT_MS,
    });
    const outcome = await this.host.run({
      phase,
      configXml,
      txn: { tid, user: served.user, entries: served.entries, diff: served.diff },
      result: result === 'SUCCESS' ? 'SUCCESS' : 'FAILED',
      ...(reason !== '' ? { reason } : {}),
      broken: [],
      batchSize: this.opts.batchSize ?? DEFAULT_BATCH_SIZE,
      ...(this.models.last() ? { models: this.models.last()! } : {}),
    });
    if (!outcome.ok) this.opts.log.error(`tid ${tid}: ${hook} failed: ${failureReason(outcome.failure).trim()}`);
  }
}

function text(el: XmlNode | undefined): string {
  const d = el?.getData();
  return d === undefined || d === null ? '' : String(d).trim();
}

function errText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** Modules serving the listed services (all modules when none is listed). */
export function matchingModules(modules: readonly ModuleInfo[], entries: readonly ServiceEntry[]): ModuleInfo[] {
  if (entries.length === 0) return [...modules];
  const listed = new Set(entries.map((e) => e.service));
  return modules.filter((m) => listed.has(m.service));
}

/** The union of the modules' SERVICE_XPATH (with their namespaces), or `/` when any module reads everything. */
export function narrowing(modules: readonly ModuleInfo[]): { xpath: string; namespaces: Record<string, string> } {
  const paths: string[] = [];
  const namespaces: Record<string, string> = {};
  for (const m of modules) {
    if (!m.xpath) return { xpath: '/', namespaces: {} };
    if (!paths.includes(m.xpath)) paths.push(m.xpath);
    Object.assign(namespaces, m.namespaces ?? {});
  }
  return paths.length === 0 ? { xpath: '/', namespaces: {} } : { xpath: paths.join(' | '), namespaces };
}

/** The transaction-error reason: which module, what went wrong (worded like the Python server's). */
export function failureReason(f: RunFailure): string {
  const service = f.service ?? 'unknown';
  const where = [f.fn ? `${f.fn}` : '', f.file ? `in ${f.file}` : '', f.instance !== undefined ? `for instance ${f.instance}` : '']
    .filter((s) => s !== '')
    .join(' ');
  switch (f.kind) {
    case 'module':
      return `\nService module ${service} returned an error:\n\n${f.message}${where ? `\n(${where})` : ''}`;
    case 'broken':
      return `\nService module ${service} failed to load:\n\n${f.message}`;
    case 'schema':
      return `\nService modules' changes not sent: ${f.message}`;
    case 'internal':
      return `\nService module ${service} could not run:\n\n${f.message}${where ? `\n(${where})` : ''}`;
  }
}
