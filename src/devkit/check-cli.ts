/**
 * `clixon-tsapi check <module> <config> [instance...]`: proves a service module's
 * properties (determinism, idempotence, clean delete, no conflicts, order) on the config's
 * instances and on instances generated from its YANG. Exit status 0 when all hold, 1 when
 * one fails (or a module does not load), 2 on bad input.
 */
import { readFileSync } from 'node:fs';
import { cac } from 'cac';
import { createConsola } from 'consola';
import { runCommand } from '../command.ts';
import { check, DEFAULT_RUNS, formatCheck, instanceArgs } from './check.ts';
import { DevkitInputError } from './run.ts';
import { moduleRoot, renderError, reportError } from './tryrun.ts';

interface CliOptions {
  json?: boolean;
  seed?: number | string;
  runs?: number | string;
  yang?: string | string[];
  validate?: boolean;
  models?: string;
  color?: boolean;
  debug?: boolean;
}

const cli = cac('clixon-tsapi check');
cli
  .command('<module> <config> [...instance]', 'Check a service module: determinism, idempotence, clean delete, no conflicts, order')
  .option('--json', 'Print the result as one JSON object')
  .option('--seed <n>', 'Seed of the generated instances (the output says which one ran)')
  .option('--runs <n>', `Generated cases per service; 0: only the config's instances (default ${DEFAULT_RUNS})`)
  .option('--yang <dir>', "A folder of YANG (device models), beside the module's own (repeatable)")
  .option('--validate', 'Check every change against the YANG, as the server does with --validate')
  .option('--models <dir|socket>', "The devices' models: a folder written by `clixon-tsapi models`, or a controller socket; default: the config's module-sets")
  .option('--no-color', 'No colours, even on a terminal')
  .option('-d, --debug', "Show the modules' logs (on stderr)")
  .example("check modules/banner test/modules/banner.xml \"banner[name='motd']\"")
  .example('check modules/banner test/modules/banner.xml --yang models --seed 7')
  .action(async (module: string, configPath: string, instances: string[], options: CliOptions) => {
    const number = (v: number | string | undefined, name: string): number | undefined => {
      if (v === undefined) return undefined;
      const n = Number(v);
      if (!Number.isInteger(n) || n < 0) throw new Error(`--${name} takes a whole number, not ${String(v)}`);
      return n;
    };
    const seed = number(options.seed, 'seed');
    const runs = number(options.runs, 'runs');
    const color = options.color !== false && process.stdout.isTTY === true && !process.env.NO_COLOR;
    try {
      let config: string;
      try {
        config = readFileSync(configPath, 'utf8');
      } catch (err) {
        throw new DevkitInputError(`cannot read config ${configPath}: ${err instanceof Error ? err.message : String(err)}`);
      }
      const result = await check(module, config, {
        ...(instances.length > 0 ? { instances: instanceArgs(instances) } : {}),
        ...(seed !== undefined ? { seed } : {}),
        ...(runs !== undefined ? { runs } : {}),
        ...(options.yang !== undefined ? { yangDirs: [options.yang].flat().map(String) } : {}),
        validate: options.validate === true,
        ...(options.models !== undefined ? { models: String(options.models) } : {}),
        ...(options.debug ? { log: createConsola({ level: 4, stdout: process.stderr, stderr: process.stderr }) } : {}),
      });
      process.stdout.write(options.json ? JSON.stringify(result) + '\n' : formatCheck(result, { color }));
      process.exitCode = result.ok ? 0 : 1;
    } catch (err) {
      const error = reportError(err, [moduleRoot(module)]);
      if (options.json) process.stdout.write(JSON.stringify({ ok: false, error }) + '\n');
      else process.stderr.write(renderError(error, color));
      process.exitCode = error.kind === 'input' ? 2 : 1;
    }
  });
cli.help();

await runCommand(cli, 'clixon-tsapi check');
