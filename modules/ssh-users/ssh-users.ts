/**
 * The ssh-users service of the controller documentation: every user of an instance is
 * added to every device's OpenConfig system/aaa/authentication/users, tagged with the
 * instance as its creator so the controller removes it when the instance goes. Typed from
 * the YANG (types/config.d.ts, from scripts/yang-types.ts with this folder's YANG and
 * openconfig-system): `root.services?.ssh_users`, `config.system` are checked by tsc.
 */
import type { ConsolaInstance } from '../../src/log.ts';
import type { ServiceContext } from '../../src/service/module.ts';
import type { Element, XmlNode } from '../../src/xml/index.ts';
import type { Config, DeviceConfig } from './types/config.d.ts';

export const SERVICE = 'ssh-users';

const OPENCONFIG_SYSTEM = 'http://openconfig.net/yang/system';
const CLIXON_LIB = 'http://clicon.org/lib';

/** The child named `name`, created when missing. */
function ensure(parent: Element, name: string, attributes?: Record<string, string>): XmlNode {
  return parent.child(name) ?? parent.create(name, attributes ? { attributes } : {});
}

export function setup(root: Config, log: ConsolaInstance, ctx: ServiceContext): void {
  // The first <ssh-users> iterates over every one of them.
  const instances = [...(root.services?.ssh_users ?? [])];
  const devices = root.devices?.getElements('device') ?? [];
  for (const instance of instances) {
    const name = instance.child('instance')?.getData() ?? '';
    if (ctx.instance !== undefined && name !== ctx.instance) continue;
    for (const user of instance.getElements('username')) {
      const username = user.child('name')?.getData() ?? '';
      log.info(`instance ${name}: user ${username} on ${devices.length} devices`);
      for (const device of devices) {
        const deviceConfig: DeviceConfig = ensure(device, 'config');
        const system = deviceConfig.system ?? deviceConfig.create('system', { attributes: { xmlns: OPENCONFIG_SYSTEM } });
        const users = ensure(ensure(ensure(system, 'aaa'), 'authentication'), 'users');
        const entry = users.create('user', {
          attributes: { 'cl:creator': `ssh-users[instance='${name}']`, 'xmlns:cl': CLIXON_LIB },
        });
        entry.create('username', { data: username });
        const config = entry.create('config');
        config.create('username', { data: username });
        const key = user.child('ssh-key')?.getData();
        if (key) config.create('ssh-key', { data: key });
        const role = user.child('role')?.getData();
        if (role) config.create('role', { data: role });
      }
    }
  }
}
