// Breaks clean delete another way (check's fixture; fixed.ts is the module without the
// fault): instances with one param make one parameter, alike, tagged by each; deleting
// either removes it, since the controller deletes what an instance created by path.
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
        param.create('value', { data: p.getData() });
      }
    }
  }
};
