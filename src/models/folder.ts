/**
 * A models folder: every device's module-set and the YANG of each set, as `clixon-tsapi
 * models` writes it and `try`, `runService`, `check` and `types` read it:
 *
 *   <dir>/models.json        { "from", "devices": { device: set }, "sets": { set: { "modules": [...] } }, "problems" }
 *   <dir>/<set>/name@revision.yang   the set's YANG, one file per module
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { ModuleSetEntry } from './moduleset.ts';
import type { ModelsSnapshot, ModuleSetInfo } from './snapshot.ts';

export const MODELS_FILE = 'models.json';

/** A folder that is not a models folder, or whose models.json cannot be read. */
export class ModelsFolderError extends Error {
  override name = 'ModelsFolderError';
}

/** Writes models.json for a snapshot whose sets' YANG is in `<dir>/<set>/` already. */
export function writeModelsFile(dir: string, snapshot: ModelsSnapshot): void {
  mkdirSync(dir, { recursive: true });
  const sets: Record<string, { modules: ModuleSetEntry[]; devices: string[]; missing?: string[] }> = {};
  for (const [key, s] of Object.entries(snapshot.sets)) sets[key] = { modules: s.modules, devices: s.devices, ...(s.missing ? { missing: s.missing } : {}) };
  const body = { from: snapshot.from, devices: snapshot.devices, sets, problems: snapshot.problems };
  writeFileSync(join(dir, MODELS_FILE), `${JSON.stringify(body, null, 2)}\n`);
}

/** Whether `path` is a models folder (holds models.json). */
export function isModelsFolder(path: string): boolean {
  return existsSync(join(path, MODELS_FILE));
}

/** The snapshot a models folder holds, each set's `dir` pointing at its sub-folder. */
export function readModelsFolder(dir: string): ModelsSnapshot {
  const file = join(dir, MODELS_FILE);
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new ModelsFolderError(`${file}: ${err instanceof Error ? err.message : String(err)} (a models folder is written by clixon-tsapi models -s <socket> -o <dir>)`);
  }
  if (!isRecord(raw) || !isRecord(raw.devices) || !isRecord(raw.sets)) throw new ModelsFolderError(`${file}: expected { devices, sets }`);
  const sets: Record<string, ModuleSetInfo> = {};
  for (const [key, s] of Object.entries(raw.sets)) {
    if (!isRecord(s) || !Array.isArray(s.modules)) throw new ModelsFolderError(`${file}: set ${key} has no modules list`);
    const modules = s.modules.map((m, i): ModuleSetEntry => {
      if (!isRecord(m) || typeof m.name !== 'string' || typeof m.namespace !== 'string') throw new ModelsFolderError(`${file}: set ${key}, module ${i}: expected name and namespace`);
      return {
        name: m.name,
        namespace: m.namespace,
        ...(typeof m.revision === 'string' ? { revision: m.revision } : {}),
        ...(Array.isArray(m.features) ? { features: m.features.map(String) } : {}),
      };
    });
    const setDir = resolve(dir, key);
    sets[key] = {
      modules,
      devices: Array.isArray(s.devices) ? s.devices.map(String) : [],
      ...(existsSync(setDir) ? { dir: setDir } : {}),
      ...(Array.isArray(s.missing) && s.missing.length > 0 ? { missing: s.missing.map(String) } : {}),
    };
  }
  const devices: Record<string, string> = {};
  for (const [d, key] of Object.entries(raw.devices)) {
    if (typeof key !== 'string' || !sets[key]) throw new ModelsFolderError(`${file}: device ${d} names set ${String(key)}, which is not there`);
    devices[d] = key;
  }
  const problems: Record<string, string> = {};
  if (isRecord(raw.problems)) for (const [d, why] of Object.entries(raw.problems)) problems[d] = String(why);
  return { from: resolve(dir), devices, sets, problems };
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
