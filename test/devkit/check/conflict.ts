// Breaks "no conflicts" (check's fixture; fixed.ts is the module without the fault): the
// parameter is named after the param alone, so two instances with one param set its value
// each to their own name, and the one committed last wins.
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
        const param = table.create('parameter', { attributes: { 'xmlns:cl': 'http://clicon.org/lib', 'cl:creator': `testsvc[name='${name}']` } });
        param.create('name', { data: p.getData() });
        param.create('value', { data: name });
      }
    }
  }
};
