/**
 * `try`: runs service modules offline on a config file, as the server would for one
 * services-commit, and prints what the controller's `commit diff` would show per device
 * (or the edit-configs, or JSON). `--watch` re-runs on every save.
 *
 *   npx tsx src/try.ts <module file|folder> <config.xml> [instance] [--edit|--json] [--watch]
 */
import { resolve } from 'node:path';
import { cac } from 'cac';
import { runCommand } from './command.ts';
import { watchTry } from './devkit/watch.ts';
import { renderDiff, renderEdits, renderError, renderJson, tryOnce, type TryJob, type TryOutcome } from './devkit/tryrun.ts';

interface CliOptions {
  edit?: boolean;
  json?: boolean;
  watch?: boolean;
  delete?: boolean;
  save?: string;
  user?: string | number;
  tid?: string | number;
  diff?: boolean;
  postCommit?: boolean;
  batchSize?: number;
  color?: boolean;
  debug?: boolean;
  quiet?: boolean;
  yang?: string | string[];
  validate?: boolean;
  models?: string;
}

const cli = cac('try');
cli
  .command('<module> <config> [...instance]', 'Run service modules on a config offline; print the device diff the commit would make')
  .option('--edit', 'Print the edit-config(s) the server would send instead of the diff')
  .option('--json', 'Print the result as JSON (one object per run)')
  .option('--watch', 'Run again on every save of the module, its folder, or the config')
  .option('--delete', 'The instance is deleted in this commit: its objects go, the module runs without it')
  .option('--save <file>', 'Write the config as committed (creator tags as `created` paths) to <file>, to try the next change on it')
  .option('--user <user>', 'The committing user the modules see', { default: 'root' })
  .option('--tid <tid>', 'The transaction id the modules see', { default: '1' })
  .option('--diff', 'Tell the modules this is a `commit diff` dry run (ctx.diff)')
  .option('--no-post-commit', 'Do not run the post-commit hooks')
  .option('--batch-size <n>', 'Creator-tagged nodes per edit-config, as the server')
  .option('--yang <dir>', 'A folder of YANG (device models) to check the change against, beside the module\'s own (repeatable)')
  .option('--no-validate', 'Do not check the change against the YANG')
  .option('--models <dir|socket>', "The devices' models (ctx.models, and each device's YANG): a folder written by `clixon-tsapi models`, or a controller socket; default: the config's module-sets")
  .option('--no-color', 'No colours, even on a terminal')
  .option('-d, --debug', 'Show the modules\' debug logs (on stderr)')
  .option('-q, --quiet', 'Hide the modules\' logs')
  .example("try modules/banner config.xml \"banner[name='motd']\"")
  .example('try modules/banner config.xml banner motd --watch')
  .example('try modules/banner config.xml banner motd --save after.xml   # then edit after.xml and try the change')
  .action(async (module: string, config: string, instance: string[], options: CliOptions) => {
    const job: TryJob = {
      modulePath: module,
      configPath: config,
      ...(instance.length > 0 ? { instance: instance.join(' ') } : {}),
      ...(options.delete ? { delete: true } : {}),
      ...(options.save !== undefined ? { savePath: String(options.save) } : {}),
      user: String(options.user ?? 'root'),
      tid: String(options.tid ?? '1'),
      diff: options.diff === true,
      postCommit: options.postCommit !== false,
      ...(options.batchSize !== undefined ? { batchSize: Number(options.batchSize) } : {}),
      logLevel: options.quiet ? 0 : options.debug ? 4 : 3,
      ...(options.yang !== undefined ? { yangDirs: [options.yang].flat().map(String) } : {}),
      ...(options.validate === false ? { validate: false } : {}),
      ...(options.models !== undefined ? { models: String(options.models) } : {}),
    };
    if (options.save !== undefined && resolve(String(options.save)) === resolve(config)) throw new Error('--save must name another file than the config');
    const show = (outcome: TryOutcome): void => print(outcome, options);
    if (!options.watch) {
      const outcome = await tryOnce(job);
      show(outcome);
      process.exitCode = outcome.ok ? 0 : outcome.error.kind === 'input' ? 2 : 1;
      return;
    }
    const watcher = await watchTry({
      job,
      onOutcome: (outcome, trigger) => {
        // A header per run on stderr keeps stdout the plain results (one JSON object per run with --json).
        // On a terminal each run replaces the last on screen, so the diff shown is the current one.
        if (!options.json && process.stdout.isTTY) process.stdout.write('\x1b[2J\x1b[H');
        const time = new Date().toTimeString().slice(0, 8);
        process.stderr.write(`── ${time} ${trigger ? `${trigger} saved` : 'first run'} ──\n`);
        show(outcome);
      },
    });
    process.stderr.write(`watching ${watcher.watched.join(', ')} (Ctrl-C to stop)\n`);
    const stop = (): void => {
      void watcher.close().then(() => process.exit(0));
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
cli.help();

/** Colours on a terminal, unless --no-color or NO_COLOR. */
function useColor(stream: NodeJS.WriteStream, options: CliOptions): boolean {
  return options.color !== false && stream.isTTY === true && !process.env.NO_COLOR;
}

function print(outcome: TryOutcome, options: CliOptions): void {
  for (const w of outcome.warnings) process.stderr.write(`warning: ${w}\n`);
  if (options.json) {
    process.stdout.write(renderJson(outcome));
    return;
  }
  if (!outcome.ok) {
    process.stderr.write(renderError(outcome.error, useColor(process.stderr, options)));
    return;
  }
  process.stdout.write(options.edit ? renderEdits(outcome) : renderDiff(outcome, useColor(process.stdout, options)));
}

await runCommand(cli, 'error');
