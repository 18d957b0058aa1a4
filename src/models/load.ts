/**
 * The devices' models for the offline tools (`try`, `runService`, `check`, `types`) and the
 * `models` command: from a models folder, from a controller socket (read once per process),
 * or from the config itself (each device's yang-library or configured module-set).
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Session } from '../netconf/index.ts';
import type { XmlNode } from '../xml/index.ts';
import { fetchSnapshotYang, readModuleSets, snapshotOf, type ModelsLoad } from './controller.ts';
import { ModelsFolderError, isModelsFolder, readModelsFolder, writeModelsFile } from './folder.ts';
import { devicesOf, moduleSetsOfDevices } from './moduleset.ts';
import type { ModelsSnapshot } from './snapshot.ts';

/** A request to the controller waits this long before the read is given up. */
const REQUEST_TIMEOUT_MS = 60_000;

/** The module-sets a config holds (a device's yang-library under its mount point, else its configured module-set); no YANG. */
export function modelsFromConfig(root: XmlNode): ModelsSnapshot {
  const devices = devicesOf(root);
  return snapshotOf('the config', devices ? moduleSetsOfDevices(devices) : new Map(), new Map());
}

/**
 * Every device's module-set and each set's YANG from the controller at `socket`, written
 * to `dir` as a models folder (folder.ts). Returns what it wrote and what each fetch cost.
 */
export async function saveModels(socket: string, dir: string, opts: { user?: string } = {}): Promise<{ snapshot: ModelsSnapshot; loads: ModelsLoad[] }> {
  const session = await Session.connect({ path: socket, ...(opts.user !== undefined ? { user: opts.user } : {}), timeout: REQUEST_TIMEOUT_MS });
  try {
    const read = { user: session.user, timeoutMs: REQUEST_TIMEOUT_MS };
    const { sets, problems } = await readModuleSets(session, read);
    const snapshot = snapshotOf(socket, sets, problems);
    const loads = await fetchSnapshotYang(session, snapshot, dir, read, new Map());
    writeModelsFile(dir, snapshot);
    return { snapshot, loads };
  } finally {
    await session.close().catch(() => undefined);
  }
}

// A controller read once per process: `try --watch` runs again on every save.
const fromSockets = new Map<string, Promise<ModelsSnapshot>>();

/**
 * The models at `source`: a models folder (holding models.json), or a controller's socket
 * (its models fetched into a temporary folder, once per process). Anything else throws
 * ModelsFolderError saying what was found.
 */
export async function loadModels(source: string): Promise<ModelsSnapshot> {
  if (isModelsFolder(source)) return Promise.resolve(readModelsFolder(source));
  let isSocket = false;
  try {
    const st = statSync(source);
    isSocket = st.isSocket();
    if (st.isDirectory()) throw new ModelsFolderError(`${source} is not a models folder (no models.json; write one with clixon-tsapi models -s <socket> -o ${source})`);
  } catch (err) {
    if (err instanceof ModelsFolderError) throw err;
    throw new ModelsFolderError(`${source}: no such models folder or controller socket`);
  }
  if (!isSocket) throw new ModelsFolderError(`${source} is neither a models folder nor a controller socket`);
  let got = fromSockets.get(source);
  if (!got) {
    const dir = mkdtempSync(join(tmpdir(), 'clixon-tsapi-models-'));
    process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
    got = saveModels(source, dir).then((r) => r.snapshot);
    got.catch(() => fromSockets.delete(source));
    fromSockets.set(source, got);
  }
  return got;
}
