/**
 * `clixon-tsapi new <service> [--dir modules]`: writes a service skeleton (scaffold.ts)
 * and says what to do next.
 */
import { join } from 'node:path';
import { cac } from 'cac';
import { runCommand } from '../command.ts';
import { scaffold } from './scaffold.ts';

const cli = cac('clixon-tsapi new');
cli
  .command('<service>', 'Write a service skeleton: module, YANG, test, sample config')
  .option('--dir <dir>', 'The module folder the service goes in', { default: 'modules' })
  .action((service: string, o: { dir: string }) => {
    const written = scaffold(service, { dir: String(o.dir) });
    const folder = join(String(o.dir), service);
    process.stdout.write(
      `${written.map((f) => `  wrote ${f}`).join('\n')}\n\nNext:\n` +
        `  clixon-tsapi try ${join(folder, `${service}.ts`)} ${join(folder, `${service}.xml`)} ${service} example --watch\n` +
        `  clixon-tsapi test ${String(o.dir)}        (npm test)\n` +
        `  the YANG file goes where the controller reads YANG; the server takes the module folder with -m\n`,
    );
  });
cli.help();

await runCommand(cli, 'clixon-tsapi new');
