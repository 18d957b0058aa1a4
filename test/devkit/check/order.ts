// Breaks order independence (check's fixture; fixed.ts is the module without the fault):
// each param takes the lowest free slot on the device, so which instance gets slot-1
// depends on which was committed first.
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
        const id = `${name}.${p.getData()}`;
        const tag = { 'xmlns:cl': 'http://clicon.org/lib', 'cl:creator': `testsvc[name='${name}']` };
        const entries = table.getElements('parameter');
        const mine = entries.find((e) => e.child('value')?.getData() === id);
        if (mine) {
          mine.updateAttributes(tag);
          continue;
        }
        let slot = 1;
        while (entries.some((e) => e.child('name')?.getData() === `slot-${slot}`)) slot++;
        const param = table.create('parameter', { attributes: tag });
        param.create('name', { data: `slot-${slot}` });
        param.create('value', { data: id });
      }
    }
  }
};
