/**
 * Helpers service modules use on the controller tree: service instances, devices, device
 * groups, path lookups, required/default values, properties, creator tags and the vendor
 * interface-address lookups — clixon-pyapi's helpers, read the same way.
 */
import type { Element, XmlNode } from './element.ts';
import { getListKeys } from './keys.ts';
import { keyChildValue, selectPath } from './path.ts';

/** A value a module needs is not configured. */
export class MissingValueError extends Error {
  override name = 'MissingValueError';
  constructor(readonly value: string) {
    super(`Value ${value} must be configured`);
  }
}

/** The node at `path` (absolute from the top of the tree, or relative to `root`). */
export function getPath(root: Element, path: string): XmlNode | undefined {
  return selectPath(root, path, true)[0];
}

/** All nodes at `path`. */
export function getPaths(root: Element, path: string): XmlNode[] {
  return selectPath(root, path, false);
}

/** A service instance as the controller names it (services-commit entries, cl:creator tags). */
export interface InstanceRef {
  service: string;
  key: string;
  instance: string;
}

// `svc[key='value']` or `svc[key="value"]`; a prefix on the key (`ts:name`) is dropped.
const INSTANCE = /^([^\s[\]]+)\[\s*(?:[\w.-]+:)?([\w.-]+)\s*=\s*(['"])(.*)\3\s*\]$/s;

/** Reads `svc[key='value']`; undefined for any other text (a bare `svc` included). */
export function parseInstanceRef(text: string): InstanceRef | undefined {
  const m = INSTANCE.exec(text.trim());
  return m ? { service: m[1]!, key: m[2]!, instance: m[4]! } : undefined;
}

/**
 * A service instance under /services. Either the controller's form
 * `getServiceInstance(root, "testsvc[name='s1']")` (the key is the one named there), or
 * `getServiceInstance(root, 'testsvc', 's1')`, which matches the registered list key,
 * else `name`, `service-name` or `instance`.
 */
export function getServiceInstance(root: Element, service: string, instance?: string): XmlNode | undefined {
  const ref = parseInstanceRef(service);
  if (ref) return getServiceInstances(root, ref.service).find((s) => keyChildValue(s, ref.key) === ref.instance);
  if (instance === undefined) return undefined;
  const keys = getListKeys(service);
  const candidates = keys && keys.length === 1 ? [keys[0]!] : ['name', 'service-name', 'instance'];
  return getServiceInstances(root, service).find((s) => candidates.some((k) => s.child(k)?.getData() === instance));
}

/** Every instance of a service (`/services/<name>` entries). */
export function getServiceInstances(root: Element, service: string): XmlNode[] {
  return selectPath(root, `/services/${service}`, false);
}

export function getDevices(root: Element): XmlNode[] {
  return selectPath(root, '/devices/device', false);
}

export function getDevice(root: Element, name: string): XmlNode | undefined {
  return getDevices(root).find((d) => d.child('name')?.getData() === name);
}

/** The `config` of the named device, or of the first device when no name is given. */
export function getDeviceConfig(root: Element, name?: string): XmlNode | undefined {
  const device = name === undefined ? getDevices(root)[0] : getDevice(root, name);
  return device?.child('config');
}

/**
 * The device names of a device group (`/devices/device-group[name]/device-name`), with
 * those of groups nested through `device-group` entries, each name once.
 */
export function getDevicesFromGroup(root: Element, group: string): string[] {
  const groups = selectPath(root, '/devices/device-group', false);
  const out: string[] = [];
  const seen = new Set<string>();
  const visit = (name: string): void => {
    if (seen.has(name)) return;
    seen.add(name);
    const g = groups.find((x) => x.child('name')?.getData() === name);
    if (!g) return;
    for (const d of g.getElements('device-name')) if (!out.includes(d.getData())) out.push(d.getData());
    for (const sub of g.getElements('device-group')) visit(sub.getData());
  };
  visit(group);
  return out;
}

export interface ValueOptions {
  /** Throw MissingValueError when the child is absent. */
  required?: boolean;
  /** Returned when the child is absent. */
  default?: string;
}

/** The text of the child `name` of `el`; absent: the default, an error if required, else undefined. */
export function getValue(el: Element, name: string, opts: { required: true } | { default: string }): string;
export function getValue(el: Element, name: string, opts?: ValueOptions): string | undefined;
export function getValue(el: Element, name: string, opts: ValueOptions = {}): string | undefined {
  const c = el.child(name);
  if (c !== undefined) return c.getData();
  if (opts.required) throw new MissingValueError(name);
  return opts.default;
}

/** Same as getValue (clixon-pyapi has both names). */
export const getData = getValue;

/**
 * The leaves of `/services/properties/<name>` as a record, keyed by their XML names and
 * their `_` forms; undefined when there is no such properties entry.
 */
export function getProperties(root: Element, name: string): Record<string, string> | undefined {
  const props = selectPath(root, `/services/properties/${name}`, false);
  if (props.length === 0) return undefined;
  const out: Record<string, string> = {};
  for (const p of props) {
    for (const item of p.getChildren()) {
      const key = item.getName();
      out[key] = item.getData();
      out[key.replace(/[-.:]/g, '_')] = item.getData();
    }
  }
  return out;
}

export interface CreatorOptions {
  /** nc:operation; default `create`, as in clixon-pyapi. */
  operation?: string;
  /** The instance's list key when `instance` is given; default the registered key, else `service-name`. */
  key?: string;
}

/**
 * Tags `el` as created by a service instance: `cl:creator`, `nc:operation`, `xmlns:cl`.
 * `service` is either the whole creator (`testsvc[name='s1']`) or the service name with
 * `instance` giving the key value.
 */
export function setCreatorAttributes(el: Element, service: string, instance?: string, opts: CreatorOptions = {}): void {
  let creator = service;
  if (instance !== undefined) {
    const key = opts.key ?? getListKeys(service)?.[0] ?? 'service-name';
    creator = `${service}[${key}='${instance}']`;
  }
  el.updateAttributes({
    'cl:creator': creator,
    'nc:operation': opts.operation ?? 'create',
    'xmlns:cl': 'http://clicon.org/lib',
  });
}

/** True when the device's config is a Junos configuration. */
export function isJuniper(device: Element): boolean {
  return device.child('config')?.child('configuration')?.getAttribute('xmlns') === 'http://yang.juniper.net/junos/conf/root';
}

function unitOf(device: Element, iface: string, unit: string): XmlNode | undefined {
  for (const i of device.find('config/configuration/interfaces')?.getElements('interface') ?? []) {
    if (i.child('name')?.getData() !== iface) continue;
    for (const u of i.getElements('unit')) if (u.child('name')?.getData() === unit) return u;
  }
  return undefined;
}

/**
 * The addresses of a Junos interface unit (`family inet` or `inet6`), only those marked
 * `primary` unless `primary` is false; undefined when the unit or family is missing.
 */
export function getJunosInterfaceAddress(
  root: Element,
  device: string,
  iface: string,
  unit: string,
  family: 'inet' | 'inet6' = 'inet',
  primary = true,
): string[] | undefined {
  const dev = getDevice(root, device);
  const u = dev && unitOf(dev, iface, unit);
  const fam = u?.child('family')?.child(family);
  if (!fam) return undefined;
  return fam
    .getElements('address')
    .filter((a) => !primary || a.child('primary') !== undefined)
    .map((a) => a.child('name')?.getData() ?? '');
}

/**
 * The first address name of an interface unit on the named device (any device when
 * `device` is ''), for family inet (default) or inet6; '' when not found. Follows
 * clixon-pyapi's get_openconfig_interface_address, which reads the Junos layout.
 */
export function getOpenconfigInterfaceAddress(root: Element, iface: string, unit: string, device = '', family: '' | 'inet' | 'inet6' = ''): string {
  let address = '';
  for (const d of getDevices(root)) {
    if (device !== '' && d.child('name')?.getData() !== device) continue;
    const u = unitOf(d, iface, unit);
    const name = u?.child('family')?.child(family === 'inet6' ? 'inet6' : 'inet')?.child('address')?.child('name');
    if (name) address = name.getData();
  }
  return address;
}
