/**
 * Running a one-command cac command line (`try`, `new`): help when asked, help and exit
 * status 2 without the command's arguments, an error as one line on stderr and status 2.
 */
import type { CAC } from 'cac';

export async function runCommand(cli: CAC, errorPrefix: string): Promise<void> {
  try {
    cli.parse(process.argv, { run: false });
    if (!cli.options.help && !cli.matchedCommand) {
      cli.outputHelp();
      process.exitCode = 2;
    } else {
      await cli.runMatchedCommand();
    }
  } catch (err) {
    process.stderr.write(`${errorPrefix}: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 2;
  }
}
