/**
 * The devices' models as plain data (it crosses to the module worker), and the module API
 * over it: `DeviceModels`, which a module reads as `ctx.models` to know which devices
 * carry a model.
 */
import type { XmlNode } from '../xml/index.ts';
import type { ModuleSetEntry } from './moduleset.ts';

/** One module-set and the devices that have it. */
export interface ModuleSetInfo {
  modules: ModuleSetEntry[];
  devices: string[];
  /** The folder holding the set's YANG (`name@revision.yang`), once it was fetched or found. */
  dir?: string;
  /** Modules of the set whose YANG could not be had (`name@revision`). */
  missing?: string[];
}

/** Every device's module-set, by set: where they came from, and what is not known. */
export interface ModelsSnapshot {
  /** Where the sets came from: a controller socket, a models folder, a config. */
  from: string;
  /** Device name → the key of its module-set (moduleSetKey). A device not here: its set is unknown. */
  devices: Record<string, string>;
  sets: Record<string, ModuleSetInfo>;
  /** Device name → why its set or its models are not known (`*`: for every device). */
  problems: Record<string, string>;
}

/** What a module can ask about the devices' models. */
export interface DeviceModels {
  /** Whether the device's module-set has this module (false when the set is unknown). */
  hasModel(device: string, module: string): boolean;
  /** The devices whose module-set has this module, sorted. */
  devicesWithModel(module: string): string[];
  /** The device's module-set; undefined when it is not known. */
  moduleSet(device: string): readonly ModuleSetEntry[] | undefined;
  /**
   * The `device` elements whose module-set has the module. The others are named with why
   * (the set lacks the module, or is not known) in one `log.info` line per module and run,
   * however many instances ask: a run serves one transaction.
   */
  withModel<T extends XmlNode>(devices: readonly T[], module: string, log: { info(message: string): void }): T[];
}

/**
 * A module asked which devices carry a model while no device's module-set could be read
 * (the controller did not answer in time): answering "none" would make the module write
 * nothing, and the controller would remove the service's config from every device.
 */
export class ModelsUnavailableError extends Error {
  override name = 'ModelsUnavailableError';
}

/** DeviceModels over a snapshot. */
export class SnapshotModels implements DeviceModels {
  private readonly byDevice = new Map<string, { entries: readonly ModuleSetEntry[]; names: Set<string> }>();
  /** Why no device's set is known, when the read of them failed. */
  private readonly unavailable: string | undefined;

  constructor(snapshot: ModelsSnapshot | undefined) {
    if (!snapshot) return;
    if (Object.keys(snapshot.devices).length === 0) this.unavailable = snapshot.problems['*'];
    const bySet = new Map<string, { entries: readonly ModuleSetEntry[]; names: Set<string> }>();
    for (const [device, key] of Object.entries(snapshot.devices)) {
      const set = snapshot.sets[key];
      if (!set) continue;
      let s = bySet.get(key);
      if (!s) bySet.set(key, (s = { entries: Object.freeze(set.modules.map((e) => Object.freeze({ ...e }))), names: new Set(set.modules.map((e) => e.name)) }));
      this.byDevice.set(device, s);
    }
  }

  hasModel(device: string, module: string): boolean {
    this.mustKnow();
    return this.byDevice.get(device)?.names.has(module) ?? false;
  }

  devicesWithModel(module: string): string[] {
    this.mustKnow();
    return [...this.byDevice].filter(([, s]) => s.names.has(module)).map(([d]) => d).sort();
  }

  moduleSet(device: string): readonly ModuleSetEntry[] | undefined {
    this.mustKnow();
    return this.byDevice.get(device)?.entries;
  }

  private mustKnow(): void {
    if (this.unavailable !== undefined) throw new ModelsUnavailableError(`the devices' models are not known: ${this.unavailable}`);
  }

  /** Modules whose skipped devices this run has logged. */
  private readonly skipLogged = new Set<string>();

  withModel<T extends XmlNode>(devices: readonly T[], module: string, log: { info(message: string): void }): T[] {
    const skipped: string[] = [];
    const kept = devices.filter((device) => {
      const name = device.child('name')?.getData() ?? '';
      if (this.hasModel(name, module)) return true;
      skipped.push(`${name} (${this.moduleSet(name) ? `no ${module} in its module-set` : 'module-set not known'})`);
      return false;
    });
    if (skipped.length > 0 && !this.skipLogged.has(module)) {
      this.skipLogged.add(module);
      log.info(`skipped ${skipped.join(', ')}`);
    }
    return kept;
  }
}

/**
 * DeviceModels from device → its modules (names, or entries): for a test that calls a
 * module's functions itself. No argument: no device's set is known.
 */
export function deviceModels(sets: Record<string, readonly (string | ModuleSetEntry)[]> = {}): DeviceModels {
  const snapshot: ModelsSnapshot = { from: 'deviceModels()', devices: {}, sets: {}, problems: {} };
  for (const [device, modules] of Object.entries(sets)) {
    snapshot.devices[device] = device;
    snapshot.sets[device] = { modules: modules.map((m) => (typeof m === 'string' ? { name: m, namespace: '' } : m)), devices: [device] };
  }
  return new SnapshotModels(snapshot);
}

/** Devices for a log or transaction line: `dev1, dev2`, or past four `dev1, dev2, dev3, … 50 devices`. */
export function listDevices(devices: readonly string[]): string {
  return devices.length > 4 ? `${devices.slice(0, 3).join(', ')}, … ${devices.length} devices` : devices.join(', ');
}
