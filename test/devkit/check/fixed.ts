// A testsvc module that keeps all five properties `check` proves: each param of an instance
// becomes one parameter named after the instance and the param (no two instances share
// one), with a value that depends on the instance alone, tagged with the instance as its
// creator. Only the dev* devices: the rig's clixon-example devices (oc1 has no table).
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
        param.create('name', { data: `${name}.${p.getData()}` });
        param.create('value', { data: p.getData() });
      }
    }
  }
};
