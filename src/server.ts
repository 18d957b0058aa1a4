/**
 * `clixon_server` in TypeScript: the command line of the service server. Parses the
 * original's options, reads the controller's config file, takes the pid file, detaches
 * unless -F, routes logs (stdout or syslog), and runs ServiceServer until SIGTERM/SIGINT;
 * SIGHUP reloads the modules.
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { cac } from 'cac';
import { logger, setLogLevel, type ConsolaInstance } from './log.ts';
import { ConfigFileError, readControllerConfig, type ControllerConfig } from './service/config.ts';
import { DEFAULT_BATCH_SIZE } from './service/edits.ts';
import { launcherChain, watchLaunchers } from './service/launchers.ts';
import { ModulePathError } from './service/loader.ts';
import { acquirePidFile, PidFileError, PidFileLockedError } from './service/pidfile.ts';
import { ServiceServer } from './service/server.ts';
import { createFrameLogger, STDOUT_FRAME_BYTES, type FrameLogger } from './service/framelog.ts';
import { createSyslogReporter, syslogRoom, type SyslogReporter } from './service/syslog.ts';

// Defaults of the Python clixon_server (clixon/args.py).
const DEFAULT_SOCK = '/usr/local/var/run/controller/controller.sock';
const DEFAULT_MODULES = '/usr/local/share/controller/modules';
const DEFAULT_PIDFILE = '/usr/local/var/run/controller/clixon_server.pid';

class UsageError extends Error {
  override name = 'UsageError';
}

interface CliOptions {
  configfile?: string;
  modulepaths?: string | string[];
  modulefilter?: string;
  debug?: boolean | boolean[];
  sockpath?: string;
  pidfile?: string;
  foreground?: boolean;
  pp?: boolean;
  log?: string;
  version?: boolean;
  help?: boolean;
  timeout?: string | number;
  batchSize?: string | number;
  validate?: boolean;
  yang?: string | string[];
}

/** Everything the server runs with, after options, config file and defaults are merged. */
export interface Settings {
  sockPath?: string;
  host?: string;
  port?: number;
  modulePaths: string[];
  moduleFilter: string[];
  pidFile: string;
  /** How many times -d was given: 1 debug logs and frames cut to a head, 2 frames whole. */
  debug: number;
  pretty: boolean;
  foreground: boolean;
  log: 's' | 'o';
  logGiven: boolean;
  /** The operator's cap on module time; without it, the controller's wait less a margin. */
  timeoutMs?: number;
  batchSize: number;
  /** Check modules' changes against the YANG (--validate, or -d). */
  validate: boolean;
  yangDirs: string[];
}

function version(): string {
  const pkg: unknown = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
  return typeof pkg === 'object' && pkg !== null && 'version' in pkg && typeof pkg.version === 'string' ? pkg.version : 'unknown';
}

function positive(name: string, value: string | number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new UsageError(`--${name} must be a positive number, got ${String(value)}`);
  return n;
}

/** Merges the command line with the config file (explicit options win) and the defaults. */
export function resolveSettings(o: CliOptions): Settings {
  let cfg: ControllerConfig = {};
  if (o.configfile !== undefined) cfg = readControllerConfig(o.configfile);
  const cliPaths = o.modulepaths === undefined ? [] : Array.isArray(o.modulepaths) ? o.modulepaths : [o.modulepaths];
  const modulePaths = [...cliPaths];
  if (cfg.modulePath && !modulePaths.includes(cfg.modulePath)) modulePaths.push(cfg.modulePath);
  if (modulePaths.length === 0) modulePaths.push(DEFAULT_MODULES);
  for (const p of modulePaths) if (!existsSync(p)) throw new ModulePathError(String(p));
  if (o.log !== undefined && o.log !== 's' && o.log !== 'o') throw new UsageError(`-l/--log takes s (syslog) or o (stdout), got ${String(o.log)}`);
  const family = (cfg.sockFamily ?? 'UNIX').toUpperCase();
  const debug = Array.isArray(o.debug) ? o.debug.length : o.debug === true ? 1 : 0;
  const settings: Settings = {
    modulePaths: modulePaths.map(String),
    moduleFilter: (o.modulefilter !== undefined ? String(o.modulefilter).split(',') : (cfg.moduleFilter ?? []))
      .map((s) => s.trim())
      .filter((s) => s !== ''),
    pidFile: String(o.pidfile ?? cfg.pidFile ?? DEFAULT_PIDFILE),
    debug,
    pretty: o.pp === true,
    foreground: o.foreground === true,
    // Foreground defaults to stdout, detached to syslog (the Python server defaults to syslog always).
    log: o.log === 's' || o.log === 'o' ? o.log : o.foreground ? 'o' : 's',
    logGiven: o.log !== undefined,
    batchSize: Math.floor(positive('batch-size', o.batchSize, DEFAULT_BATCH_SIZE)),
    validate: o.validate === true || debug > 0,
    // --yang first, then the controller's own YANG folders (its devices' models among them).
    yangDirs: [...new Set([...(o.yang === undefined ? [] : [o.yang].flat().map(String)), ...(cfg.yangDirs ?? [])])],
  };
  if (o.timeout !== undefined) settings.timeoutMs = positive('timeout', o.timeout, 0) * 1000;
  if (o.sockpath !== undefined) settings.sockPath = String(o.sockpath);
  else if (family === 'UNIX') settings.sockPath = cfg.sock ?? DEFAULT_SOCK;
  else {
    if (!cfg.sock || cfg.sockPort === undefined) throw new ConfigFileError(String(o.configfile), `CLICON_SOCK_FAMILY ${family} needs CLICON_SOCK and CLICON_SOCK_PORT`);
    settings.host = cfg.sock;
    settings.port = cfg.sockPort;
  }
  return settings;
}

function parseCommandLine(argv: string[]): { options: CliOptions; help: () => void } | undefined {
  const cli = cac('clixon_server');
  cli
    .option('-f, --configfile <file>', 'Clixon controller configuration file (controller.xml)')
    .option('-m, --modulepaths <path>', `Module path, repeatable (default ${DEFAULT_MODULES})`)
    .option('-e, --modulefilter <names>', 'Comma-separated module names to skip')
    .option('-d, --debug', 'Debug logging: every frame sent and received, long ones cut to a head (-d -d: whole)')
    .option('-s, --sockpath <path>', `Controller socket (default ${DEFAULT_SOCK})`)
    .option('-p, --pidfile <file>', `Pid file (default ${DEFAULT_PIDFILE})`)
    .option('-F, --foreground', 'Run in the foreground (do not detach)')
    .option('-P, --pp', 'Pretty-print logged XML')
    .option('-l, --log <s|o>', 'Log to (s)yslog or std(o)ut (default: o with -F, else s)')
    .option('-V, --version', 'Print the version')
    .option('--timeout <seconds>', "Stop a transaction's modules after this long at most (default: the controller's service-timeout less a margin)")
    .option('--batch-size <n>', `Creator-tagged nodes per edit-config (default ${DEFAULT_BATCH_SIZE})`)
    .option('--validate', 'Check what modules changed against the YANG before sending it (on with -d)')
    .option('--yang <dir>', 'A folder of YANG (device models) for --validate, beside each module\'s own (repeatable)');
  // One command only: list its options, not a commands section.
  cli.help((sections) => sections.filter((sec) => sec.title !== 'Commands' && !sec.title?.startsWith('For more info')));
  let options: CliOptions | undefined;
  cli.command('', 'Run the service server').usage('[options]  (runs service modules on each services-commit)').action((opts: CliOptions) => {
    options = opts;
  });
  const parsed = cli.parse(['node', 'clixon_server', ...argv]);
  if (parsed.options.help) return undefined;
  if (parsed.args.length > 0) throw new UsageError(`unexpected argument ${parsed.args[0]}`);
  return options ? { options, help: () => cli.outputHelp() } : undefined;
}

const REGISTER = new URL('./runtime/register.mjs', import.meta.url).href;

/**
 * Without -F: start this same command detached with -F, and return. Started through the
 * bin, this process got tsx from register.mjs rather than from its node options, so the
 * child gets it (and the module hooks) the same way.
 */
function detach(argv: string[], settings: Settings): void {
  const script = fileURLToPath(import.meta.url);
  const args = [...process.execArgv, '--import', REGISTER, script, ...argv, '-F'];
  if (!settings.logGiven) args.push('-l', 's');
  const child = spawn(process.execPath, args, { detached: true, stdio: 'ignore' });
  child.unref();
  process.stdout.write(`clixon_server started in the background, pid ${child.pid ?? '?'}\n`);
}

function moduleLogRelay(): (level: number, tag: string, message: string) => void {
  const loggers = new Map<string, ConsolaInstance>();
  return (level, tag, message) => {
    let log = loggers.get(tag);
    if (!log) loggers.set(tag, (log = logger(tag ? `module:${tag}` : 'module')));
    if (level <= 0) log.error(message);
    else if (level === 1) log.warn(message);
    else if (level === 2) log.log(message);
    else if (level === 3) log.info(message);
    else if (level === 4) log.debug(message);
    else log.trace(message);
  };
}

/**
 * `-d`: frames go straight to the log stream, not through consola (whose formatting of a
 * multi-MB frame never ends); cut to a head unless -d was given twice.
 */
function frameLogger(settings: Settings, syslog: SyslogReporter | undefined): FrameLogger {
  const format = { whole: settings.debug > 1, pretty: settings.pretty };
  if (syslog) return createFrameLogger((text) => syslog.write(4, 'server', text), { ...format, maxBytes: syslogRoom('server') });
  return createFrameLogger((text) => process.stdout.write(`[server] ${text}\n`), { ...format, maxBytes: STDOUT_FRAME_BYTES });
}

async function main(argv: string[]): Promise<number> {
  let parsed: ReturnType<typeof parseCommandLine>;
  let settings: Settings;
  try {
    parsed = parseCommandLine(argv);
    if (!parsed) return 0;
    if (parsed.options.version) {
      process.stdout.write(`${version()}\n`);
      return 0;
    }
    settings = resolveSettings(parsed.options);
  } catch (err) {
    process.stderr.write(`clixon_server: ${err instanceof Error ? err.message : String(err)}\n`);
    if (err instanceof UsageError || (err instanceof Error && err.name === 'CACError')) process.stderr.write('Try clixon_server -h\n');
    return 2;
  }

  if (!settings.foreground) {
    // Refuse here, where the user still sees it, if another instance holds the pid file.
    try {
      acquirePidFile(settings.pidFile, process.pid)();
    } catch (err) {
      process.stderr.write(`clixon_server: ${err instanceof Error ? err.message : String(err)}\n`);
      return 1;
    }
    detach(argv, settings);
    return 0;
  }

  const level = settings.debug > 0 ? 4 : 3;
  setLogLevel(level);
  const log = logger('server');
  let syslog: SyslogReporter | undefined;
  if (settings.log === 's') {
    const reporter = createSyslogReporter({
      ident: 'clixon_server',
      ...(process.env.CLIXON_TSAPI_SYSLOG_SOCKET ? { socket: process.env.CLIXON_TSAPI_SYSLOG_SOCKET } : {}),
      onError: (err) => process.stderr.write(`clixon_server: cannot log to syslog: ${err.message}\n`),
    });
    syslog = reporter;
    // Every logger() shares one reporters array (consola copies the reference in withTag): replace its contents.
    log.options.reporters.splice(0, log.options.reporters.length, reporter);
  }

  // Handlers before the pid file exists: a supervisor may signal as soon as it sees the pid
  // there, and Node without a handler dies at once, leaving the file behind. Until the server
  // is set up (synchronously, below) only the refusal path can see a signal: it exits anyway.
  let stop = (_signal: string): void => undefined;
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));

  let release: () => void;
  try {
    release = acquirePidFile(settings.pidFile);
  } catch (err) {
    const message = err instanceof PidFileLockedError || err instanceof PidFileError ? err.message : String(err);
    log.error(message);
    process.stderr.write(`clixon_server: ${message}\n`);
    await syslog?.close();
    return 1;
  }

  const server = new ServiceServer({
    ...(settings.sockPath !== undefined ? { sockPath: settings.sockPath } : {}),
    ...(settings.host !== undefined ? { host: settings.host } : {}),
    ...(settings.port !== undefined ? { port: settings.port } : {}),
    modulePaths: settings.modulePaths,
    moduleFilter: settings.moduleFilter,
    timeoutMs: settings.timeoutMs,
    batchSize: settings.batchSize,
    validate: settings.validate,
    yangDirs: settings.yangDirs,
    ...(settings.debug > 0 ? { frameLog: frameLogger(settings, syslog) } : {}),
    log,
    logLevel: level,
    onModuleLog: moduleLogRelay(),
  });

  if (!settings.validate) log.info('validation off: --validate (or -d) checks what modules change against the YANG before it is sent');

  let stopping: Promise<void> | undefined;
  let unwatch = (): void => undefined;
  stop = (signal: string): void => {
    if (stopping) return;
    unwatch();
    log.info(`${signal}: finishing the transaction under way, then exiting`);
    stopping = server.stop().finally(() => release());
  };
  // Started by npx, npm or a shell that may not pass the supervisor's SIGTERM on: stop when they go.
  const launchers = launcherChain();
  if (launchers.length > 0) log.debug(`started through ${launchers.map((l) => `${l.pid} (${l.command})`).join(' < ')}`);
  unwatch = watchLaunchers(launchers, (why) => stop(why));
  process.on('SIGHUP', () => {
    log.info('SIGHUP: reloading all modules');
    server.reload();
  });

  log.info(`clixon_server ${version()} pid ${process.pid}: modules from ${settings.modulePaths.join(', ')}`);
  try {
    await server.start();
  } catch (err) {
    log.error(`cannot start: ${err instanceof Error ? err.message : String(err)}`);
    release();
    await syslog?.close();
    return 1;
  }
  await server.stopped();
  await stopping;
  log.info('stopped');
  await syslog?.close();
  return 0;
}

// Exit explicitly: the connection, worker and watcher are closed, but a stray module timer must not keep us up.
process.exit(await main(process.argv.slice(2)));
