/**
 * Test harness for the service server: temp module folders, the simulated controller, the
 * real server process (spawned as `node --import tsx src/server.ts`) with its log lines,
 * and a client session that commits services and waits for the outcome.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import type { TestContext } from 'node:test';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Session } from '../../src/netconf/index.ts';
import { startSimulator, type Simulator } from '../../src/sim/index.ts';
import type { XmlNode } from '../../src/xml/index.ts';
import { DEADLINE_MS } from '../deadline.ts';
import { WIRE } from '../wire.ts';

export const REPO = fileURLToPath(new URL('../..', import.meta.url));
const SERVER = join(REPO, 'src/server.ts');
const CTRL = 'http://clicon.org/controller';

/** A temp folder for one test: removed by cleanup(). */
export function tempDir(prefix = 'tsapi-srv-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** Writes files (relative names) under dir, with a package.json making .ts files ESM. */
export function writeFiles(dir: string, files: Record<string, string>): void {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'package.json'), '{"type":"module"}');
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, name)), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
}

/** Two devices with an empty table each; the testsvc YANG from the wire recordings for keys. */
export const TEST_CONFIG =
  `<devices xmlns="${CTRL}">` +
  ['dev1', 'dev2']
    .map((d) => `<device><name>${d}</name><enabled>true</enabled><conn-type>NETCONF_SSH</conn-type><config><table xmlns="urn:example:clixon"/></config></device>`)
    .join('') +
  '</devices>';

export function yangDir(dir: string): string {
  const y = join(dir, 'yang');
  mkdirSync(y, { recursive: true });
  copyFileSync(join(WIRE, 'testsvc@2026-01-01.yang'), join(y, 'testsvc@2026-01-01.yang'));
  for (const f of ['ssh-users/ssh-users@2023-05-22.yang', 'banner/banner@2026-01-01.yang']) {
    copyFileSync(join(REPO, 'modules', f), join(y, f.split('/')[1]!));
  }
  return y;
}

/** A test's controller waits as long as the test does, unless the test sets its own service-timeout: a busy machine is no module timeout. */
export const PATIENT = `<service-timeout>${DEADLINE_MS / 1000}</service-timeout>`;

export async function sim(dir: string, opts: { serviceTimeout?: number; path?: string; services?: string } = {}): Promise<Simulator> {
  return startSimulator({
    path: opts.path ?? join(dir, 'controller.sock'),
    config: `<services xmlns="${CTRL}">${opts.services ?? PATIENT}</services>${TEST_CONFIG}`,
    yangDirs: [yangDir(dir)],
    ...(opts.serviceTimeout !== undefined ? { serviceTimeout: opts.serviceTimeout } : {}),
  });
}

/** The testsvc module of the recordings, in TypeScript: one parameter per param on every device; 'boom' throws. */
export const TESTSVC = `
import type { ServiceModule } from '${REPO}src/service/module.ts';
export const SERVICE = 'testsvc';
const VALUE = 'v1';
export const setup: ServiceModule['setup'] = (root, log, ctx) => {
  for (const inst of root.services?.getElements('testsvc') ?? []) {
    const name = inst.child('name')!.getData();
    if (ctx.instance !== undefined && name !== ctx.instance) continue;
    if (name === 'boom') throw new Error('boom requested');
    for (const dev of root.devices?.getElements('device') ?? []) {
      const cfg = dev.child('config') ?? dev.create('config');
      const table = cfg.child('table') ?? cfg.create('table', { attributes: { xmlns: 'urn:example:clixon' } });
      for (const p of inst.getElements('params')) {
        const e = table.create('parameter', { attributes: { 'cl:creator': "testsvc[name='" + name + "']", 'xmlns:cl': 'http://clicon.org/lib' } });
        e.create('name', { data: p.getData() });
        e.create('value', { data: VALUE });
      }
    }
  }
};
`;

/** The running server process and its log. */
export class ServerProcess {
  readonly lines: string[] = [];
  private readonly waiters: { re: RegExp; from: number; resolve: (l: string) => void }[] = [];
  readonly exited: Promise<number | null>;

  constructor(readonly child: ChildProcess) {
    let buf = '';
    const onData = (d: Buffer): void => {
      buf += d.toString();
      let nl: number;
      while ((nl = buf.indexOf('\n')) >= 0) {
        this.push(buf.slice(0, nl));
        buf = buf.slice(nl + 1);
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    this.exited = new Promise((resolve) => child.once('exit', (code) => resolve(code)));
  }

  private push(line: string): void {
    this.lines.push(line);
    for (const w of [...this.waiters]) {
      if (w.re.test(line)) {
        this.waiters.splice(this.waiters.indexOf(w), 1);
        w.resolve(line);
      }
    }
  }

  /** Waits for a log line matching re that appears after line index `from` (default: any, past ones included). */
  waitFor(re: RegExp, from = 0, timeoutMs = DEADLINE_MS): Promise<string> {
    const seen = this.lines.slice(from).find((l) => re.test(l));
    if (seen !== undefined) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`timed out waiting for ${re} in server log:\n${this.lines.join('\n')}`)), timeoutMs);
      this.waiters.push({ re, from, resolve: (l) => (clearTimeout(t), resolve(l)) });
    });
  }

  /** Log lines since index `from` matching re. */
  grep(re: RegExp, from = 0): string[] {
    return this.lines.slice(from).filter((l) => re.test(l));
  }

  async stop(): Promise<number | null> {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGTERM');
    const t = setTimeout(() => this.child.kill('SIGKILL'), DEADLINE_MS);
    const code = await this.exited;
    clearTimeout(t);
    return code;
  }
}

/** Spawns the server as a user would run it (foreground, stdout log). */
export function startServer(args: string[], env: Record<string, string> = {}): ServerProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', SERVER, ...args], {
    cwd: REPO,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, NODE_TEST_CONTEXT: '', CLIXON_TSAPI_LOG: '', NO_COLOR: '1', ...env },
  });
  return new ServerProcess(child);
}

/** Runs the server command to its exit (for option errors): exit code and output. */
export function runServer(args: string[], timeoutMs = DEADLINE_MS): Promise<{ code: number | null; output: string }> {
  const p = startServer(args);
  const t = setTimeout(() => p.child.kill('SIGKILL'), timeoutMs);
  return p.exited.then((code) => {
    clearTimeout(t);
    return { code, output: p.lines.join('\n') };
  });
}

export interface Outcome {
  tid: string;
  result: string;
  origin?: string;
  reason?: string;
}

/** A controller user's session: edits candidate, commits, and waits for the transaction's outcome. */
export class Operator {
  private readonly outcomes = new Map<string, Outcome>();
  private readonly waiting = new Map<string, (o: Outcome) => void>();

  private constructor(readonly session: Session) {
    session.on('notification', (n: XmlNode) => {
      const ct = n.child('controller-transaction');
      if (!ct) return;
      const o: Outcome = { tid: ct.child('tid')?.getData() ?? '', result: ct.child('result')?.getData() ?? '' };
      const origin = ct.child('origin')?.getData();
      const reason = ct.child('reason')?.getData();
      if (origin !== undefined) o.origin = origin;
      if (reason !== undefined) o.reason = reason;
      this.outcomes.set(o.tid, o);
      this.waiting.get(o.tid)?.(o);
    });
  }

  static async connect(path: string, user = 'root'): Promise<Operator> {
    const s = await Session.connect({ path, user, timeout: DEADLINE_MS });
    const op = new Operator(s);
    await s.rpc(rpc(user, '<create-subscription xmlns="urn:ietf:params:xml:ns:netmod:notification"><stream>controller-transaction</stream></create-subscription>'));
    return op;
  }

  /** Merges `services` contents into candidate. */
  async edit(servicesXml: string, operation = 'merge'): Promise<void> {
    await this.session.rpc(
      rpc(this.session.user, `<edit-config><target><candidate/></target><default-operation>${operation}</default-operation><config><services xmlns="${CTRL}">${servicesXml}</services></config></edit-config>`),
    );
  }

  /** A plain NETCONF commit of candidate: no services run. */
  async commitPlain(): Promise<void> {
    await this.session.rpc(rpc(this.session.user, '<commit/>'));
  }

  /** Drops candidate's uncommitted changes (after a failed commit). */
  async discard(): Promise<void> {
    await this.session.rpc(rpc(this.session.user, '<discard-changes/>'));
  }

  /** controller-commit with actions (as the CLI's `commit` / `commit diff`); returns the tid. */
  async commit(opts: { diff?: boolean; actions?: 'CHANGE' | 'FORCE'; instance?: string } = {}): Promise<string> {
    const push = opts.diff ? 'NONE' : 'COMMIT';
    const inst = opts.instance ? `<service-instance>${opts.instance}</service-instance>` : '';
    const reply = await this.session.rpc(
      rpc(
        this.session.user,
        `<controller-commit xmlns="${CTRL}"><device>*</device><push>${push}</push><actions>${opts.actions ?? 'CHANGE'}</actions>${inst}<source>ds:candidate</source></controller-commit>`,
      ),
    );
    const tid = reply.child('tid')?.getData();
    if (!tid) throw new Error(`no tid in ${reply.dumps()}`);
    return tid;
  }

  /** Waits for the controller-transaction of tid. */
  outcome(tid: string, timeoutMs = DEADLINE_MS): Promise<Outcome> {
    const have = this.outcomes.get(tid);
    if (have) return Promise.resolve(have);
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`no outcome for tid ${tid}`)), timeoutMs);
      this.waiting.set(tid, (o) => (clearTimeout(t), resolve(o)));
    });
  }

  /** Edit, commit, wait. */
  async apply(servicesXml: string, opts: { diff?: boolean } = {}): Promise<Outcome> {
    await this.edit(servicesXml);
    return this.outcome(await this.commit(opts));
  }

  async close(): Promise<void> {
    await this.session.close().catch(() => undefined);
  }
}

function rpc(user: string, body: string): string {
  return `<rpc xmlns="urn:ietf:params:xml:ns:netconf:base:1.0" username="${user}" xmlns:ds="urn:ietf:params:xml:ns:yang:ietf-datastores" message-id="42">${body}</rpc>`;
}

/** The parameters (name=value) the simulator holds in running for a device. */
export function deviceParams(s: Simulator, device: string): string[] {
  const table = s.datastore('running').find(`devices/device[name='${device}']/config/table`);
  return (table?.getElements('parameter') ?? []).map((p) => `${p.child('name')?.getData()}=${p.child('value')?.getData()}`).sort();
}

export function cleanup(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}

/** After the test: stops the server, closes the simulator (the one `current` gives then), removes `dir`. */
export function stopAfter(t: TestContext, dir: string, server: ServerProcess, current: () => Simulator): void {
  t.after(async () => {
    await server.stop();
    await current().close();
    cleanup(dir);
  });
}

export interface StackOptions {
  /** Extra server arguments (`-d`, `--timeout 1`, `-e …`). */
  args?: string[];
  /** Module folder; default `<dir>/modules`. */
  modules?: string;
  simOptions?: { serviceTimeout?: number; services?: string };
  /** The operator's NETCONF user. */
  user?: string;
}

/**
 * The usual set-up of a server test: the simulator in `dir`, the server process on its
 * socket (foreground, log to stdout) waited for until it is subscribed and has its modules, and an operator
 * session. All of it, and `dir`, are torn down after the test.
 */
export async function startStack(t: TestContext, dir: string, opts: StackOptions = {}): Promise<{ s: Simulator; server: ServerProcess; op: Operator }> {
  const s = await sim(dir, opts.simOptions ?? {});
  const server = startServer(['-F', '-l', 'o', '-s', s.path!, '-m', opts.modules ?? join(dir, 'modules'), '-p', join(dir, 'pid'), ...(opts.args ?? [])]);
  stopAfter(t, dir, server, () => s);
  // It subscribes while the modules load: ready to serve is both.
  await server.waitFor(/waiting for services-commit/);
  await server.waitFor(/modules loaded/);
  const op = await Operator.connect(s.path!, ...(opts.user !== undefined ? [opts.user] : []));
  t.after(() => op.close());
  return { s, server, op };
}

/** Why a syslog test cannot run here (it needs python3 for the socket and util-linux logger), or false. */
export const syslogSkip: string | false =
  spawnSync('python3', ['-c', 'import socket; socket.AF_UNIX'], { stdio: 'ignore' }).status === 0 && spawnSync('logger', ['--help'], { stdio: 'ignore' }).status === 0
    ? false
    : 'needs python3 and logger';

/** A syslog daemon stand-in at `sock`: a Unix datagram socket, as /dev/log is. */
export interface SyslogListener {
  /** Every message received, whole, in order. */
  readonly messages: string[];
  /** Resolves once `cond` holds; rejects after 30 s naming `what`. */
  until(what: string, cond: (messages: string[]) => boolean): Promise<void>;
}

/** Starts the listener (stopped after the test) and resolves once it is bound. */
export async function syslogListener(t: TestContext, sock: string): Promise<SyslogListener> {
  // Each datagram printed as one JSON string, so that a message's newlines and bytes survive.
  const child = spawn('python3', ['-u', '-c', `
import socket, sys, json
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
print('"ready"')
s.settimeout(60)
while True:
    print(json.dumps(s.recv(1 << 20).decode(errors='replace')))
`, sock], { stdio: ['ignore', 'pipe', 'inherit'] });
  t.after(() => {
    child.kill();
  });
  const received: string[] = [];
  let buf = '';
  let wake = (): void => undefined;
  child.stdout!.on('data', (d: Buffer) => {
    buf += d.toString();
    for (let nl = buf.indexOf('\n'); nl >= 0; nl = buf.indexOf('\n')) {
      received.push(JSON.parse(buf.slice(0, nl)) as string);
      buf = buf.slice(nl + 1);
    }
    wake();
  });
  const until = async (what: string, cond: (messages: string[]) => boolean): Promise<void> => {
    const deadline = Date.now() + 30_000;
    while (!cond(received.slice(1))) {
      if (Date.now() > deadline) throw new Error(`syslog: no ${what} in:\n${received.join('\n').slice(0, 3000)}`);
      await new Promise<void>((r) => {
        wake = r;
        setTimeout(r, 500);
      });
    }
  };
  const ready = (): boolean => received[0] === 'ready';
  const deadline = Date.now() + 30_000;
  while (!ready() && Date.now() < deadline) {
    await new Promise<void>((r) => {
      wake = r;
      setTimeout(r, 500);
    });
  }
  if (!ready()) throw new Error('syslog listener did not start');
  return {
    get messages() {
      return received.slice(1);
    },
    until,
  };
}
