/**
 * The ssh-users service of the controller documentation: every user of an instance is
 * added to the OpenConfig system/aaa/authentication/users of every device that carries
 * openconfig-system (its module-set, ctx.models; the others are skipped and named once per
 * transaction), tagged with the
 * instance as its creator so the controller removes it when the instance goes. A user
 * belongs to one instance. The user
 * entry comes from a template (parseTemplate), added into each device's tree. Typed from
 * the YANG (../types/config.d.ts, from `npm run types:modules`: this folder's YANG and
 * openconfig-system): `root.services?.ssh_users`, `config.system` are checked by tsc.
 */
import { parseTemplate, type ConsolaInstance, type Element, type ServiceContext, type XmlNode } from 'clixon-tsapi';
import type { Config, DeviceConfig } from '../types/config.d.ts';

export const SERVICE = 'ssh-users';

const OPENCONFIG_SYSTEM = 'http://openconfig.net/yang/system';
const MODEL = 'openconfig-system';

/** One user on a device, tagged with the instance as its creator (as the Python example's template). */
const USER = `<user cl:creator="ssh-users[instance='{{INSTANCE}}']" xmlns:cl="http://clicon.org/lib">
  <username>{{USERNAME}}</username>
  <config><username>{{USERNAME}}</username><ssh-key>{{SSH_KEY}}</ssh-key><role>{{ROLE}}</role></config>
</user>`;

/** The child named `name`, created when missing. */
function ensure(parent: Element, name: string, attributes?: Record<string, string>): XmlNode {
  return parent.child(name) ?? parent.create(name, attributes ? { attributes } : {});
}

export function setup(root: Config, log: ConsolaInstance, ctx: ServiceContext): void {
  // The first <ssh-users> iterates over every one of them.
  const instances = [...(root.services?.ssh_users ?? [])];
  const devices = ctx.models.withModel(root.devices?.getElements('device') ?? [], MODEL, log);
  const usernames = (instance: Element): string[] => instance.getElements('username').map((u) => u.child('name')?.getData() ?? '');
  for (const instance of instances) {
    const name = instance.child('instance')?.getData() ?? '';
    if (ctx.instance !== undefined && name !== ctx.instance) continue;
    // A user belongs to one instance: two would fight over its key and role (the last
    // commit wins), or share the entry (deleting either removes it), so the second is refused.
    for (const other of instances) {
      const shared = other === instance ? undefined : usernames(other).find((u) => usernames(instance).includes(u));
      if (shared !== undefined) throw new Error(`ssh-users ${name} and ${other.child('instance')?.getData() ?? ''} both define user ${shared}: a user belongs to one instance`);
    }
    for (const user of instance.getElements('username')) {
      const username = user.child('name')?.getData() ?? '';
      const key = user.child('ssh-key')?.getData() ?? '';
      const role = user.child('role')?.getData() ?? '';
      log.info(`instance ${name}: user ${username} on ${devices.length} devices`);
      for (const device of devices) {
        const deviceConfig: DeviceConfig = ensure(device, 'config');
        const system = deviceConfig.system ?? deviceConfig.create('system', { attributes: { xmlns: OPENCONFIG_SYSTEM } });
        const users = ensure(ensure(ensure(system, 'aaa'), 'authentication'), 'users');
        const entry = users.add(parseTemplate(USER, { INSTANCE: name, USERNAME: username, SSH_KEY: key, ROLE: role }));
        // As the YANG has them optional: no empty leaves.
        if (!key) entry.child('config')?.delete('ssh-key');
        if (!role) entry.child('config')?.delete('role');
      }
    }
  }
}
