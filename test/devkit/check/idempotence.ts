// Breaks idempotence (check's fixture; fixed.ts is the module without the fault): the value
// counts the applies it finds on the device, so `apply services` (which leaves the objects
// in place) changes it every time.
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
        const old = table.getElements('parameter').find((e) => e.child('name')?.getData() === id);
        const count = Number(old?.child('value')?.getData() ?? 0) + 1;
        old?.delete();
        const param = table.create('parameter', { attributes: { 'xmlns:cl': 'http://clicon.org/lib', 'cl:creator': `testsvc[name='${name}']` } });
        param.create('name', { data: id });
        param.create('value', { data: String(count) });
      }
    }
  }
};
