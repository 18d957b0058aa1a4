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
import { ModulePathError } from './service/loader.ts';
import { acquirePidFile, PidFileError, PidFileLockedError } from './service/pidfile.ts';
import { ServiceServer } from './service/server.ts';
import { createSyslogReporter } from './service/syslog.ts';

// Defaults of the Python clixon_server (clixon/args.py).
const DEFAULT_SOCK = '/usr/local/var/run/controller/controller.sock';
const DEFAULT_MODULES = '/usr/local/share/controller/modules';
const DEFAULT_PIDFILE = '/usr/local/var/run/controller/clixon_server.pid';
const DEFAULT_TIMEOUT_S = 60;

class UsageError extends Error {
  override name = 'UsageError';
}

interface CliOptions {
  configfile?: string;
  modulepaths?: string | string[];
  modulefilter?: string;
  debug?: boolean;
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
  debug: boolean;
  pretty: boolean;
  foreground: boolean;
  log: 's' | 'o';
  logGiven: boolean;
  timeoutMs: number;
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
  const settings: Settings = {
    modulePaths: modulePaths.map(String),
    moduleFilter: (o.modulefilter !== undefined ? String(o.modulefilter).split(',') : (cfg.moduleFilter ?? []))
      .map((s) => s.trim())
      .filter((s) => s !== ''),
    pidFile: String(o.pidfile ?? cfg.pidFile ?? DEFAULT_PIDFILE),
    debug: o.debug === true,
    pretty: o.pp === true,
    foreground: o.foreground === true,
    // Foreground defaults to stdout, detached to syslog (the Python server defaults to syslog always).
    log: o.log === 's' || o.log === 'o' ? o.log : o.foreground ? 'o' : 's',
    logGiven: o.log !== undefined,
    timeoutMs: positive('timeout', o.timeout, DEFAULT_TIMEOUT_S) * 1000,
    batchSize: Math.floor(positive('batch-size', o.batchSize, DEFAULT_BATCH_SIZE)),
    validate: o.validate === true || o.debug === true,
    // --yang first, then the controller's own YANG folders (its devices' models among them).
    yangDirs: [...new Set([...(o.yang === undefined ? [] : [o.yang].flat().map(String)), ...(cfg.yangDirs ?? [])])],
  };
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
    .option('-d, --debug', 'Debug logging: every frame sent and received')
    .option('-s, --sockpath <path>', `Controller socket (default ${DEFAULT_SOCK})`)
    .option('-p, --pidfile <file>', `Pid file (default ${DEFAULT_PIDFILE})`)
    .option('-F, --foreground', 'Run in the foreground (do not detach)')
    .option('-P, --pp', 'Pretty-print logged XML')
    .option('-l, --log <s|o>', 'Log to (s)yslog or std(o)ut (default: o with -F, else s)')
    .option('-V, --version', 'Print the version')
    .option('--timeout <seconds>', `Stop a transaction's modules after this long (default ${DEFAULT_TIMEOUT_S})`)
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

/** Without -F: start this same command detached with -F, and return. */
function detach(argv: string[], settings: Settings): void {
  const script = fileURLToPath(import.meta.url);
  const args = [...process.execArgv, script, ...argv, '-F'];
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

  const level = settings.debug ? 4 : 3;
  setLogLevel(level);
  const log = logger('server');
  let syslog: ReturnType<typeof createSyslogReporter> | undefined;
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
    debugFrames: settings.debug,
    pretty: settings.pretty,
    log,
    logLevel: level,
    onModuleLog: moduleLogRelay(),
  });

  let stopping: Promise<void> | undefined;
  const stop = (signal: string): void => {
    if (stopping) return;
    log.info(`${signal}: finishing the transaction under way, then exiting`);
    stopping = server.stop().finally(() => release());
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
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
