/**
 * The simulated Clixon controller: public entry points. `startSimulator` listens on a
 * UNIX socket and/or TCP port and speaks the controller's internal protocol as recorded
 * in test/fixtures/wire; `removeCreatedBy` is its creator-tag pre-removal for offline use.
 */
import { getListKeys, localName, parseInstanceRef, parseString, type XmlNode } from '../xml/index.ts';
import { logger } from '../log.ts';
import { Controller, type DatastoreName } from './controller.ts';
import { DEFAULT_MAX_MESSAGE_BYTES, SimServer } from './server.ts';
import type { DeviceKind } from './devices.ts';

export { SocketInUseError } from './server.ts';
export { DeviceKindError, type DeviceKind } from './devices.ts';

const log = logger('sim');

export interface SimulatorOptions {
  path?: string;
  host?: string;
  port?: number;
  /** Initial datastore content: XML text (or a file path) with top-level services/devices. */
  config?: string;
  persistDir?: string;
  /** ms; default services/service-timeout, else 10 s as the real controller. */
  serviceTimeout?: number;
  /** List keys, leaf-lists and service lists are read from the YANG files here. */
  yangDirs?: string[];
  /**
   * Kinds of device, by name: each a module-set compiled once for all its devices (a
   * device's module-set in `get`, `get-device-schema`, edit-config checked against its
   * models). A device of no kind has no models: what goes under its config is not checked.
   */
  deviceKinds?: Record<string, DeviceKind>;
  /** Larger messages close the session (the backend's behaviour for oversize frames). */
  maxMessageBytes?: number;
}

export class Simulator {
  /** @internal */
  constructor(
    private readonly server: SimServer,
    private readonly controller: Controller,
  ) {}

  get path(): string | undefined {
    return this.server.path;
  }

  get port(): number | undefined {
    return this.server.port;
  }

  /** A snapshot of a datastore as an XmlNode document root (a copy: edits do not reach the simulator). */
  datastore(name: DatastoreName): XmlNode {
    return parseString(this.controller.datastore(name).toXml());
  }

  /** The same snapshot as compact XML. */
  datastoreXml(name: DatastoreName): string {
    return this.controller.datastore(name).toXml();
  }

  /** Replaces the `serviceTimeout` option for the commits that follow (undefined: services/service-timeout again). */
  setServiceTimeout(ms: number | undefined): void {
    this.controller.setServiceTimeout(ms);
  }

  async close(): Promise<void> {
    await this.server.close();
  }
}

export async function startSimulator(opts: SimulatorOptions): Promise<Simulator> {
  const controller = new Controller(opts);
  const server = new SimServer(controller, opts.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES);
  controller.server = server;
  await server.listen(opts);
  log.debug(`simulated controller listening on ${server.path ?? ''}${server.port !== undefined ? ` port ${server.port}` : ''}`);
  return new Simulator(server, controller);
}


/**
 * The controller's creator-tag pre-removal on a config tree (a document root holding
 * `services` and `devices`): for each listed instance (`testsvc[name='s1']`) removes the
 * objects its `created` paths name, and drops its `created`; containers the removal
 * empties go too (not a device `config` nor a list entry). An object another instance also
 * created goes as well: the controller does not look at other instances (followed:
 * clixon-controller strip_service_data_from_device_config; seen on clixon-controller 1.8:
 * s1 and s2 both create parameter x, deleting s1 removes x from the device). An empty list
 * means all instances, and then, as the controller does, only the `created` bookkeeping
 * goes and the objects stay.
 */
export function removeCreatedBy(root: XmlNode, instances: string[]): void {
  const services = root.getChildren().find((c) => localName(c.getName()) === 'services');
  if (!services) return;
  const tags = instances.map(parseInstanceRef).filter((t) => t !== undefined);
  const listed = (inst: XmlNode): boolean =>
    tags.some((t) => localName(inst.getName()) === t.service && inst.child(t.key)?.getData() === t.instance);
  const removing: string[] = [];
  const strip: XmlNode[] = [];
  for (const inst of services.getChildren()) {
    const created = inst.getChildren().find((c) => localName(c.getName()) === 'created');
    if (!created || (instances.length > 0 && !listed(inst))) continue;
    removing.push(...created.getChildren().map((p) => p.getData()));
    strip.push(created);
  }
  const emptied: XmlNode[] = [];
  if (instances.length > 0)
    for (const path of removing) {
      const node = root.find(path);
      const parent = node?.getParent();
      node?.delete();
      if (parent) emptied.push(parent);
    }
  for (const c of strip) c.delete();
  for (const n of emptied) pruneEmptied(n);
}

/**
 * As the simulator's pruneEmpty (what clixon does with non-presence containers): a
 * container the removal left empty goes, and so do its emptied ancestors; a device
 * `config` and list entries (keys registered, see registerListKeys) stay.
 */
function pruneEmptied(n: XmlNode): void {
  for (let x: XmlNode | undefined = n; x && !x.isDocument(); ) {
    const parent: XmlNode | undefined = x.getParent();
    if (!parent || x.getChildren().length > 0 || x.getData() !== '' || localName(x.getName()) === 'config') return;
    if (getListKeys(localName(x.getName())) !== undefined) return;
    x.delete();
    x = parent;
  }
}

export type { DatastoreName };
