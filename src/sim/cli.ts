/**
 * Command line of the simulated controller: `start` runs one (optionally with an
 * interactive prompt), the other subcommands act on a running one over its socket, as
 * a controller CLI user would: set a service, commit, commit diff, show.
 *   npx tsx src/sim/cli.ts start --socket /tmp/ctrl.sock --config src/sim/demo/config.xml --yang modules -i
 *   npx tsx src/sim/cli.ts start --kind openconfig=test/fixtures/yang/openconfig --device 'oc*=openconfig'
 *   npx tsx src/sim/cli.ts set --socket /tmp/ctrl.sock '<ssh-users xmlns="http://clicon.org/ssh-users">…</ssh-users>'
 *   npx tsx src/sim/cli.ts commit-diff --socket /tmp/ctrl.sock
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { createInterface } from 'node:readline';
import { cac } from 'cac';
import { setLogLevel } from '../log.ts';
import { startSimulator, type Simulator } from './index.ts';
import { parseKinds } from './devices.ts';
import {
  CommandClient, CommandError, applyServices, commit, commitDiff, compare, connection, deleteService, discard, setService,
  showDevices, showModels, showServices, showTransactions,
} from './commands.ts';

const DEFAULT_SOCKET = join(tmpdir(), 'clixon-sim.sock');
const DEMO_CONFIG = join(import.meta.dirname, 'demo', 'config.xml');

interface ConnOpts {
  socket?: string;
  port?: number;
  host?: string;
  user?: string;
}

const list = (v: unknown): string[] => (v === undefined ? [] : Array.isArray(v) ? v.map(String) : [String(v)]);
const xmlArg = (v: string): string => (v.trimStart().startsWith('<') ? v : readFileSync(v, 'utf8'));

function connect(o: ConnOpts): Promise<CommandClient> {
  return CommandClient.connect(o.port !== undefined ? { port: o.port, host: o.host, user: o.user } : { path: o.socket ?? DEFAULT_SOCKET, user: o.user });
}

async function run(o: ConnOpts, fn: (c: CommandClient) => Promise<string>): Promise<void> {
  let c: CommandClient | undefined;
  try {
    c = await connect(o);
    const out = await fn(c);
    if (out) console.log(out);
  } catch (e) {
    console.error(e instanceof Error ? e.message : String(e));
    process.exitCode = 1;
  } finally {
    c?.close();
  }
}

const HELP = `commands:
  set <xml|file>          merge a service instance (or services/devices XML) into the candidate
  delete <svc[key='v']> <namespace>   delete a service instance in the candidate
  commit                  run the changed services and push
  commit diff             run the changed services, show the device diff, push nothing
  apply [svc[key='v']]    re-run all services (or one) and push
  apply diff [svc[key='v']]  re-run and show the device diff only
  compare                 running vs candidate (text diff)
  discard                 drop candidate changes
  connection open|close|reconnect [device]   connect devices (a device added by commit starts closed)
  show devices [candidate|actions]   device configs
  show services [candidate]          service instances
  show models [device]               each device's modules (get-device-schema)
  show transactions
  quit`;

/** One interactive command; returns its output. */
async function interactive(c: CommandClient, line: string): Promise<string> {
  const [cmd = '', ...rest] = line.trim().split(/\s+/);
  const arg = line.trim().slice(cmd.length).trim();
  switch (cmd) {
    case 'set': return setService(c, xmlArg(arg));
    case 'delete': return deleteService(c, rest[0] ?? '', rest[1] ?? '');
    case 'commit': return rest[0] === 'diff' ? commitDiff(c) : commit(c);
    case 'apply': return rest[0] === 'diff' ? applyServices(c, rest[1], true) : applyServices(c, rest[0]);
    case 'compare': return compare(c);
    case 'discard': return discard(c);
    case 'connection': return connection(c, rest[0] ?? 'OPEN', rest[1]);
    case 'show':
      if (rest[0] === 'devices') return showDevices(c, rest[1]);
      if (rest[0] === 'services') return showServices(c, rest[1]);
      if (rest[0] === 'transactions') return showTransactions(c);
      if (rest[0] === 'models') return showModels(c, rest[1]);
      return HELP;
    case '': return '';
    default: return HELP;
  }
}

async function prompt(o: ConnOpts, sim?: Simulator): Promise<void> {
  const c = await connect(o);
  const rl = createInterface({ input: process.stdin, output: process.stdout, prompt: 'sim> ' });
  console.log('simulated controller: type help for commands');
  rl.prompt();
  for await (const line of rl) {
    if (/^\s*(quit|exit)\s*$/.test(line)) break;
    try {
      const out = await interactive(c, line);
      if (out) console.log(out);
    } catch (e) {
      console.error(e instanceof CommandError || e instanceof Error ? e.message : String(e));
    }
    rl.prompt();
  }
  rl.close();
  c.close();
  if (sim) await sim.close();
}

const cli = cac('sim');
cli.option('--socket <path>', `controller socket (default ${DEFAULT_SOCKET})`);
cli.option('--port <port>', 'TCP port instead of a socket path');
cli.option('--host <host>', 'TCP host', { default: '127.0.0.1' });
cli.option('--user <name>', 'username sent with each request');
cli.option('-d, --debug', 'debug logging');

cli
  .command('start', 'start a simulated controller')
  .option('--config <file>', `initial datastore XML (default ${DEMO_CONFIG})`)
  .option('--yang <dir>', 'folder with YANG files for list keys and services (repeatable)')
  .option('--kind <name=dirs[:modules]>', 'a kind of device: its YANG folders (comma-separated) and the modules it implements (default all there) (repeatable)')
  .option('--device <glob=kind>', 'devices of a kind, e.g. oc*=openconfig (repeatable)')
  .option('--persist <dir>', 'keep running/candidate in this folder')
  .option('--service-timeout <s>', 'seconds to wait for the service server')
  .option('-i, --interactive', 'also open a prompt')
  .action(async (o: ConnOpts & { config?: string; yang?: unknown; kind?: unknown; device?: unknown; persist?: string; serviceTimeout?: number; interactive?: boolean; debug?: boolean }) => {
    if (o.debug) setLogLevel(4);
    const config = o.config ?? DEMO_CONFIG;
    let sim: Simulator;
    try {
      sim = await startSimulator({
        path: o.port === undefined ? (o.socket ?? DEFAULT_SOCKET) : undefined,
        host: o.host,
        port: o.port,
        config: existsSync(config) ? readFileSync(config, 'utf8') : config,
        yangDirs: list(o.yang),
        deviceKinds: parseKinds(list(o.kind), list(o.device)),
        persistDir: o.persist,
        serviceTimeout: o.serviceTimeout !== undefined ? Number(o.serviceTimeout) * 1000 : undefined,
      });
    } catch (e) {
      console.error(`cannot start: ${e instanceof Error ? e.message : String(e)}`);
      process.exitCode = 1;
      return;
    }
    console.log(`simulated controller on ${sim.path ?? `port ${sim.port}`}`);
    const stop = (): void => {
      void sim.close().then(() => process.exit(0));
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
    if (o.interactive) {
      await prompt({ ...o, socket: sim.path, port: sim.port }, sim);
      process.exit(0);
    }
  });

cli.command('prompt', 'interactive prompt on a running controller').action((o: ConnOpts) => prompt(o));
cli.command('set <xml>', 'merge a service instance (XML text or file) into the candidate').action((xml: string, o: ConnOpts) => run(o, (c) => setService(c, xmlArg(xml))));
cli.command('delete <instance> <namespace>', "delete a service instance, e.g. \"ssh-users[instance='admins']\"").action((tag: string, ns: string, o: ConnOpts) => run(o, (c) => deleteService(c, tag, ns)));
cli.command('commit', 'run the changed services and push').action((o: ConnOpts) => run(o, commit));
cli.command('commit-diff', 'run the changed services and show the device diff, without pushing').action((o: ConnOpts) => run(o, commitDiff));
cli.command('apply [instance]', 're-run all services, or one instance, and push').option('--diff', 'show the device diff only').action((inst: string | undefined, o: ConnOpts & { diff?: boolean }) => run(o, (c) => applyServices(c, inst, o.diff === true)));
cli.command('compare', 'running vs candidate').action((o: ConnOpts) => run(o, compare));
cli.command('discard', 'drop candidate changes').action((o: ConnOpts) => run(o, discard));
cli.command('connection <operation> [device]', 'open, close or reconnect devices (pattern, default *)').action((op: string, dev: string | undefined, o: ConnOpts) => run(o, (c) => connection(c, op, dev)));
cli.command('show <what> [datastore]', 'show devices | services | transactions | models [device]').action((what: string, ds: string | undefined, o: ConnOpts) =>
  run(o, (c) => (what === 'devices' ? showDevices(c, ds) : what === 'services' ? showServices(c, ds) : what === 'models' ? showModels(c, ds) : showTransactions(c))),
);
cli.help();
cli.parse();
