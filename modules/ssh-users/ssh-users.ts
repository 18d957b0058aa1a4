/**
 * The ssh-users service of the controller documentation: every user of an instance is
 * added to every device's OpenConfig system/aaa/authentication/users, tagged with the
 * instance as its creator so the controller removes it when the instance goes.
 */
import type { ConsolaInstance } from '../../src/log.ts';
import type { ServiceContext } from '../../src/service/module.ts';
import type { XmlNode } from '../../src/xml/index.ts';

export const SERVICE = 'ssh-users';

const OPENCONFIG_SYSTEM = 'http://openconfig.net/yang/system';
const CLIXON_LIB = 'http://clicon.org/lib';

/** The child named `name`, created when missing. */
function ensure(parent: XmlNode, name: string, attributes?: Record<string, string>): XmlNode {
  return parent.child(name) ?? parent.create(name, attributes ? { attributes } : {});
}

export function setup(root: XmlNode, log: ConsolaInstance, ctx: ServiceContext): void {
  const instances = root.services?.getElements('ssh-users') ?? [];
  const devices = root.devices?.getElements('device') ?? [];
  for (const instance of instances) {
    const name = instance.child('instance')?.getData() ?? '';
    if (ctx.instance !== undefined && name !== ctx.instance) continue;
    for (const user of instance.getElements('username')) {
      const username = user.child('name')?.getData() ?? '';
      log.info(`instance ${name}: user ${username} on ${devices.length} devices`);
      for (const device of devices) {
        const users = ensure(ensure(ensure(ensure(ensure(device, 'config'), 'system', { xmlns: OPENCONFIG_SYSTEM }), 'aaa'), 'authentication'), 'users');
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
