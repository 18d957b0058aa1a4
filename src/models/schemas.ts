/**
 * Each device's schemas for validation: one SchemaSet per module-set, compiled once from
 * the set's folder with the set's features and kept while its folder is the same, so
 * devices sharing a set share one compile. A set that cannot be used whole (a module the
 * controller did not give, one that does not compile) judges none of its devices: each
 * is named with the module and why.
 */
import { performance } from 'node:perf_hooks';
import { SchemaSet } from '../yang/schemaset.ts';
import { featuresOf } from './moduleset.ts';
import type { ModelsSnapshot, ModuleSetInfo } from './snapshot.ts';

/** One set compiled by resolve(): which, for whom, how long. */
export interface SetCompile {
  set: string;
  devices: string[];
  modules: number;
  ms: number;
  /** Why the set judges none of its devices (a module missing or not compiling); absent when it compiled whole. */
  why?: string;
}

/** What resolve() found for a snapshot. */
export interface DeviceSchemaResolution {
  /** Device → the schemas its config is judged by. */
  byDevice: Map<string, SchemaSet>;
  /** Device → why its config is not judged by models of its own (`*`: no device's). */
  off: Map<string, string>;
  /** Sets compiled now (not from the cache). */
  compiled: SetCompile[];
}

export class DeviceSchemaCache {
  private readonly cache = new Map<string, { schemas?: SchemaSet; why?: string }>();

  /** The schemas of every device of `snapshot` whose set's YANG is there; compiles sets not seen before. */
  resolve(snapshot: ModelsSnapshot): DeviceSchemaResolution {
    const byDevice = new Map<string, SchemaSet>();
    const off = new Map<string, string>(Object.entries(snapshot.problems));
    const compiled: SetCompile[] = [];
    for (const [key, set] of Object.entries(snapshot.sets)) {
      const got = this.compile(key, set, compiled);
      for (const d of set.devices) {
        if (got.schemas) byDevice.set(d, got.schemas);
        else off.set(d, got.why!);
      }
    }
    return { byDevice, off, compiled };
  }

  private compile(key: string, set: ModuleSetInfo, compiled: SetCompile[]): { schemas?: SchemaSet; why?: string } {
    if (!set.dir) return { why: `models of module-set ${key} not fetched` };
    const cacheKey = `${key} ${set.dir}`;
    const have = this.cache.get(cacheKey);
    if (have) return have;
    let got: { schemas?: SchemaSet; why?: string };
    const t = performance.now();
    if (set.missing && set.missing.length > 0) {
      got = { why: `the controller gave no YANG for ${set.missing.join(', ')}` };
      compiled.push({ set: key, devices: set.devices, modules: set.modules.length, ms: 0, why: got.why! });
    } else {
      try {
        const features = featuresOf(set.modules);
        const schemas = SchemaSet.fromDirs([set.dir], { ...(features ? { features } : {}), complete: true });
        got = schemas.problems.length > 0 ? { why: `its YANG does not compile whole: ${schemas.problems.join('; ')}` } : { schemas };
      } catch (err) {
        got = { why: `its YANG does not compile: ${err instanceof Error ? err.message : String(err)}` };
      }
      compiled.push({ set: key, devices: set.devices, modules: set.modules.length, ms: performance.now() - t, ...(got.why !== undefined ? { why: got.why } : {}) });
    }
    this.cache.set(cacheKey, got);
    return got;
  }
}
