/**
 * A device's module-set: which YANG modules (name, revision, namespace, features) the
 * controller holds for it, read from the three places a controller shows it (see
 * controller.ts for where each comes from on clixon-controller 1.8):
 * - the `get-device-schema` reply (its `schema` list: what the controller compiled for the device);
 * - a device's yang-library under its mount point (`devices/device/config/yang-library`, RFC 8525);
 * - the configured `devices/device/module-set` (clixon-controller's device-common grouping).
 * And a key per module-set, so that devices sharing one set share one fetch and one compile.
 */
import { createHash } from 'node:crypto';
import { localName, type XmlNode } from '../xml/index.ts';

export interface ModuleSetEntry {
  name: string;
  /** The module's revision date; absent when the module has none. */
  revision?: string;
  namespace: string;
  /** The features the device supports; absent when not known (then all are on, as pyang). */
  features?: string[];
}

/** A reply or a config that does not hold a module-set where one was expected. */
export class ModuleSetFormatError extends Error {
  override name = 'ModuleSetFormatError';
}

export const CONTROLLER_NS = 'http://clicon.org/controller';
export const YANG_LIBRARY_NS = 'urn:ietf:params:xml:ns:yang:ietf-yang-library';

/** The text of the child of `el` named `name` (any prefix), trimmed; undefined when absent or empty. */
function childText(el: XmlNode, name: string): string | undefined {
  const c = el.getChildren().find((x) => localName(x.getName()) === name);
  const d = c?.getData();
  const t = d === undefined || d === null ? '' : String(d).trim();
  return t === '' ? undefined : t;
}

function children(el: XmlNode, name: string): XmlNode[] {
  return el.getChildren().filter((c) => localName(c.getName()) === name);
}

/** One `module` or `schema` entry: name, revision, namespace, and `feature` leaf-list entries when there are any. */
function entryOf(el: XmlNode, where: string): ModuleSetEntry {
  const name = childText(el, 'name');
  if (name === undefined) throw new ModuleSetFormatError(`${where}: an entry without a name`);
  const revision = childText(el, 'revision');
  const features = children(el, 'feature').map((f) => String(f.getData() ?? '').trim()).filter((f) => f !== '');
  return {
    name,
    ...(revision !== undefined ? { revision } : {}),
    namespace: childText(el, 'namespace') ?? '',
    ...(features.length > 0 ? { features } : {}),
  };
}

/** Sorted by name then revision: the order a key and a comparison rely on. */
function sorted(entries: ModuleSetEntry[]): ModuleSetEntry[] {
  return entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : (a.revision ?? '') < (b.revision ?? '') ? -1 : (a.revision ?? '') > (b.revision ?? '') ? 1 : 0));
}

/**
 * The `schema` entries of a `get-device-schema` reply (the `<rpc-reply>`, as Session.rpc
 * returns it): every module the controller holds for the device, with its namespace. An
 * `<ok/>` or empty reply is an empty set.
 */
export function parseDeviceSchemaReply(reply: XmlNode): ModuleSetEntry[] {
  const top = reply.getChildren().find((c) => localName(c.getName()) === 'rpc-reply') ?? reply;
  return sorted(children(top, 'schema').map((s) => entryOf(s, 'get-device-schema reply')));
}

/** The YANG text of each `schema` of a `get-device-schema` reply with `detail`, by `name@revision` (or `name`). */
export function parseDeviceSchemaTexts(reply: XmlNode): Map<string, { entry: ModuleSetEntry; text: string }> {
  const top = reply.getChildren().find((c) => localName(c.getName()) === 'rpc-reply') ?? reply;
  const out = new Map<string, { entry: ModuleSetEntry; text: string }>();
  for (const s of children(top, 'schema')) {
    const entry = entryOf(s, 'get-device-schema reply');
    const data = children(s, 'data')[0]?.getData();
    if (data === undefined || data === null || String(data).trim() === '') continue;
    out.set(entryFile(entry), { entry, text: String(data) });
  }
  return out;
}

/** `name@revision`, or `name` for a module without a revision: the file name a models folder uses (plus `.yang`). */
export function entryFile(e: ModuleSetEntry): string {
  return e.revision !== undefined ? `${e.name}@${e.revision}` : e.name;
}

/**
 * The module-set of each device in a `devices` tree (a `get` reply's `<data>`, a config):
 * from the yang-library under the device's config mount point when it is there, else the
 * configured `module-set`. A device with neither is not in the map (its set is unknown).
 */
export function moduleSetsOfDevices(devices: XmlNode): Map<string, ModuleSetEntry[]> {
  const out = new Map<string, ModuleSetEntry[]>();
  for (const dev of children(devices, 'device')) {
    const name = childText(dev, 'name');
    if (name === undefined) continue;
    const where = `device ${name}`;
    const config = children(dev, 'config')[0];
    const lib = config ? children(config, 'yang-library')[0] : undefined;
    const fromLib = lib ? children(lib, 'module-set').flatMap((ms) => children(ms, 'module')) : [];
    if (fromLib.length > 0) {
      out.set(name, sorted(fromLib.map((m) => entryOf(m, where))));
      continue;
    }
    const configured = children(dev, 'module-set')[0];
    if (configured) out.set(name, sorted(children(configured, 'module').map((m) => entryOf(m, where))));
  }
  return out;
}

/** The `devices` element at the top of a tree (a config, a `<data>`, a whole reply), if any. */
export function devicesOf(root: XmlNode): XmlNode | undefined {
  for (let el: XmlNode | undefined = root; el; ) {
    const kids = el.getChildren();
    const devices = kids.find((c) => localName(c.getName()) === 'devices');
    if (devices) return devices;
    el = kids.find((c) => ['rpc-reply', 'data', 'config'].includes(localName(c.getName())));
  }
  return undefined;
}

/**
 * A short stable key of a module-set (its modules, revisions, namespaces and features): two
 * devices with equal sets have one key, as the controller shares one YANG spec between
 * devices with equal yang-libraries (controller_device_state.c, xyanglib_digest).
 */
export function moduleSetKey(entries: readonly ModuleSetEntry[]): string {
  const h = createHash('sha256');
  for (const e of sorted([...entries])) h.update(`${e.name}@${e.revision ?? ''} ${e.namespace} ${(e.features ?? []).slice().sort().join(',')}\n`);
  return h.digest('hex').slice(0, 12);
}

/**
 * The features per module for the YANG compiler: a module whose entry lists features gets
 * exactly those; when no entry lists any, undefined (every feature on, as pyang and as
 * clixon-controller, which reads no features from RFC 6022 schema lists).
 */
export function featuresOf(entries: readonly ModuleSetEntry[]): Record<string, string[]> | undefined {
  const withFeatures = entries.filter((e) => e.features !== undefined);
  if (withFeatures.length === 0) return undefined;
  return Object.fromEntries(withFeatures.map((e) => [e.name, [...e.features!]]));
}
