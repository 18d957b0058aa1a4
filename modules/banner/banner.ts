/**
 * A minimal service: sets the OpenConfig login banner on the instance's devices (all
 * devices when it lists none). The banner leaf carries the creator tag, so deleting the
 * instance removes the banner.
 */
import type { ConsolaInstance, ServiceContext, XmlNode } from 'clixon-tsapi';

export const SERVICE = 'banner';

const OPENCONFIG_SYSTEM = 'http://openconfig.net/yang/system';

export function setup(root: XmlNode, log: ConsolaInstance, ctx: ServiceContext): void {
  for (const instance of root.services?.getElements('banner') ?? []) {
    const name = instance.child('name')?.getData() ?? '';
    if (ctx.instance !== undefined && name !== ctx.instance) continue;
    const text = instance.child('text')?.getData() ?? '';
    const wanted = new Set(instance.getElements('device').map((d) => d.getData()));
    for (const device of root.devices?.getElements('device') ?? []) {
      const deviceName = device.child('name')?.getData() ?? '';
      if (wanted.size > 0 && !wanted.has(deviceName)) continue;
      const config = device.child('config') ?? device.create('config');
      const system = config.child('system') ?? config.create('system', { attributes: { xmlns: OPENCONFIG_SYSTEM } });
      const sysConfig = system.child('config') ?? system.create('config');
      const tag = { 'cl:creator': `banner[name='${name}']`, 'xmlns:cl': 'http://clicon.org/lib' };
      const banner = sysConfig.child('login-banner');
      if (banner) {
        banner.setData(text);
        banner.updateAttributes(tag);
      } else sysConfig.create('login-banner', { data: text, attributes: tag });
      log.info(`banner ${name} on ${deviceName}`);
    }
  }
}
