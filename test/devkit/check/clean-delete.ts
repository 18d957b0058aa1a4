// Breaks clean delete (check's fixture; fixed.ts is the module without the fault): the
// parameter carries no creator tag, so it stays on the devices after the instance goes.
import type { ServiceModule } from 'clixon-tsapi';

export const SERVICE = 'testsvc';

export const setup: ServiceModule['setup'] = (root, _log, ctx) => {
  for (const inst of root.services?.getElements('testsvc') ?? []) {
    const name = inst.child('name')?.getData() ?? '';
    if (ctx.instance !== undefined && name !== ctx.instance) continue;
    for (const device of root.devices?.getElements('device') ?? []) {
      if (!device.child('name')?.getData().startsWith('dev')) continue;
      const config = device.child('config') ?? device.create('config');
      const table = config.child('table') ?? config.create('table', { attributes: { xmlns: 'urn:example:clixon' } });
      for (const p of inst.getElements('params')) {
        const param = table.create('parameter');
        param.create('name', { data: `${name}.${p.getData()}` });
        param.create('value', { data: p.getData() });
      }
    }
  }
};
