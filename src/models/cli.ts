/**
 * `clixon-tsapi models -s <socket> -o <dir>`: saves every device's module-set and the YANG of
 * each set from a controller into a models folder (folder.ts), compiles each set to say
 * whether it is usable, and prints what it took. `try`/`runService`/`check` take the folder
 * with `--models`, and `clixon-tsapi types <dir> -o <out>` makes TypeScript of it.
 */
import { cac } from 'cac';
import { runCommand } from '../command.ts';
import { readControllerConfig } from '../service/config.ts';
import { saveModels } from './load.ts';
import { DeviceSchemaCache } from './schemas.ts';

interface CliOptions {
  sockpath?: string;
  configfile?: string;
  out?: string;
  user?: string;
}

const cli = cac('clixon-tsapi models');
cli
  .command('', "Save every device's module-set and YANG from the controller into a models folder")
  .option('-s, --sockpath <path>', 'The controller socket')
  .option('-f, --configfile <file>', "The controller's controller.xml (its CLICON_SOCK)")
  .option('-o, --out <dir>', 'The models folder to write')
  .option('--user <user>', 'The NETCONF user (default: the OS user)')
  .example('models -s /usr/local/var/run/controller/controller.sock -o models')
  .action(async (o: CliOptions) => {
    const socket = o.sockpath ?? (o.configfile !== undefined ? readControllerConfig(String(o.configfile)).sock : undefined);
    if (socket === undefined) throw new Error('give the controller socket with -s, or its controller.xml with -f');
    if (o.out === undefined) throw new Error('give the folder to write with -o');
    const { snapshot, loads } = await saveModels(String(socket), String(o.out), o.user !== undefined ? { user: String(o.user) } : {});
    // Compiled as the server compiles them for validation: usable here is usable there.
    const { compiled } = new DeviceSchemaCache().resolve(snapshot);
    let unusable = 0;
    for (const l of loads) {
      const c = compiled.find((x) => x.set === l.set)!;
      if (c.why !== undefined) unusable++;
      process.stdout.write(
        `set ${l.set}: ${l.devices.join(', ')}; ${l.modules} modules; fetch ${Math.round(l.fetchMs)} ms, compile ${Math.round(c.ms)} ms` +
          (c.why !== undefined ? `\n  not usable: ${c.why}` : '') +
          '\n',
      );
    }
    for (const [device, why] of Object.entries(snapshot.problems)) process.stdout.write(`${device}: no module-set: ${why}\n`);
    process.stdout.write(`wrote ${String(o.out)} (${Object.keys(snapshot.devices).length} devices, ${loads.length} module-sets)\n`);
    if (unusable > 0 || Object.keys(snapshot.problems).length > 0) process.exitCode = 1;
  });
cli.help();

await runCommand(cli, 'clixon-tsapi models');
