/**
 * The `clixon-tsapi` command line (bin/clixon-tsapi.mjs): one command with a subcommand
 * per tool. Each tool is its own entry file that reads process.argv, so this hands it the
 * rest of the command line as its own and imports it.
 *
 *   clixon-tsapi server [options]        the service server (src/server.ts)
 *   clixon-tsapi try <module> <config>   run modules offline (src/try.ts)
 *   clixon-tsapi check <module> <config> prove a module's properties (src/devkit/check-cli.ts)
 *   clixon-tsapi sim <command>           the simulated controller (src/sim/cli.ts)
 *   clixon-tsapi new <service>           a service skeleton (src/devkit/scaffold.ts)
 *   clixon-tsapi models -s <sock> -o <dir>  the devices' models from a controller (src/models/cli.ts)
 *   clixon-tsapi types <yang…> -o <dir>  TypeScript declarations from YANG or a models folder (src/yang/types-cli.ts)
 *   clixon-tsapi test [path…]            the module tests, with this package's instance
 */
import { readFileSync } from 'node:fs';

const ENTRIES: Record<string, string> = {
  server: './server.ts',
  try: './try.ts',
  check: './devkit/check-cli.ts',
  sim: './sim/cli.ts',
  new: './devkit/new-cli.ts',
  models: './models/cli.ts',
  types: './yang/types-cli.ts',
  test: './devkit/test-cli.ts',
};

const USAGE = `Usage: clixon-tsapi <command> [options]

Commands:
  server [options]                  the service server (same options as clixon_server; -h lists them)
  try <module> <config> [instance]  run service modules offline, print the device diff
  check <module> <config> [inst…]   prove a module: determinism, idempotence, clean delete, conflicts, order
  sim <command>                     the simulated controller (start, set, commit, …)
  new <service> [--dir modules]     write a service skeleton: module, YANG, test, sample config
  models -s <socket> -o <dir>       save every device's module-set and YANG from a controller (for --models, types)
  types <yang…|models dir> -o <dir> TypeScript declarations (config.d.ts) for modules, from YANG or a models folder
  test [path…]                      run *.test.ts files under the paths (default .) with this package

clixon-tsapi <command> -h shows a command's options.
`;

const [command, ...rest] = process.argv.slice(2);
const entry = command === undefined ? undefined : ENTRIES[command];
if (command === '-V' || command === '--version') {
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version?: string };
  process.stdout.write(`${pkg.version ?? 'unknown'}\n`);
} else if (entry === undefined) {
  const asked = command === undefined || command === '-h' || command === '--help';
  if (!asked) process.stderr.write(`clixon-tsapi: unknown command ${command}\n`);
  (asked ? process.stdout : process.stderr).write(USAGE);
  process.exitCode = asked ? 0 : 2;
} else {
  process.argv = [process.argv[0]!, `clixon-tsapi ${command}`, ...rest];
  await import(entry);
}
