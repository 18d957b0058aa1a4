/**
 * The module worker: a thread that imports the service modules and runs them for the main
 * thread. A fresh worker is a fresh ESM module graph (how hot reload gets no stale code)
 * and can be terminated when a module hangs. Gets config as UTF-8 bytes, returns edit-config
 * contents as text. Started through worker-boot.mjs, which registers tsx first.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { performance } from 'node:perf_hooks';
import { getHeapStatistics } from 'node:v8';
import { readFileSync } from 'node:fs';
import { inspect } from 'node:util';
import { createConsola, type ConsolaInstance } from 'consola';
import { parseString } from '../xml/index.ts';
import { planEdits } from './edits.ts';
import { loadModules, moduleInfo } from './loader.ts';
import type { LoadedModule } from './module.ts';
import { BrokenModuleError, ModuleRunError, runServices } from './runner.ts';
import type { FromWorker, ModelsUse, RunFailure, ToWorker } from './worker-messages.ts';
import { dirname } from 'node:path';
import { SchemaSet, SchemaValidationError, checkChanges } from '../yang/validate.ts';
import { SnapshotModels } from '../models/snapshot.ts';
import { DeviceSchemaCache } from '../models/schemas.ts';

const port = parentPort;
if (!port) throw new Error('worker.ts runs only as a worker thread');

const send = (msg: FromWorker): void => port.postMessage(msg);

const level = typeof workerData?.logLevel === 'number' ? workerData.logLevel : 3;
// Module logs go to the main thread, which writes them where the server logs (stdout or syslog).
const log: ConsolaInstance = createConsola({
  level,
  reporters: [
    {
      log: (obj) => {
        const message = obj.args.map((a) => (typeof a === 'string' ? a : inspect(a))).join(' ');
        send({ type: 'log', level: obj.level, tag: obj.tag, message });
      },
    },
  ],
});

let modules: LoadedModule[] = [];
const validateWith: { yangDirs: string[] } | undefined = workerData?.validate;
let schemas: SchemaSet | undefined;
/** Why validation asked for is off (the YANG could not be used at all). */
let validateOff: string | undefined;
/** Each module-set's schemas, compiled once while this worker lives. */
const deviceSchemas = new DeviceSchemaCache();

// Exposed only when the process runs with --expose-gc (the benchmarks): then each run reports
// this worker's own heap, collected, before the run and while its tree is held.
const gc = (globalThis as { gc?: () => void }).gc;

/**
 * The JS heap plus what this worker holds outside it (typed arrays: the tree's index, the
 * received bytes). Collected twice a tick apart: freed typed arrays leave the external count
 * only once swept, after the collection.
 */
async function heapNow(): Promise<number> {
  gc!();
  await new Promise((resolve) => setImmediate(resolve));
  gc!();
  const h = getHeapStatistics();
  return h.used_heap_size + h.external_memory;
}

/**
 * This thread's CPU time in ms, with --expose-gc (the benchmarks) on Linux: what the run
 * cost whatever the machine's load (wall time on a busy 2-core machine is several times it).
 */
function cpu(): number | undefined {
  if (!gc) return undefined;
  try {
    return Number(readFileSync('/proc/thread-self/schedstat', 'utf8').split(' ')[0]) / 1e6;
  } catch {
    return undefined;
  }
}

/** The heap with `tree` certainly reachable (a local the run no longer uses may count as garbage). */
const held: unknown[] = [];
async function heapHolding(tree: unknown): Promise<number> {
  held.push(tree);
  const n = await heapNow();
  held.pop();
  return n;
}

port.on('message', (msg: ToWorker) => {
  void handle(msg);
});
send({ type: 'ready' });

async function handle(msg: ToWorker): Promise<void> {
  if (msg.type === 'load') {
    const result = await loadModules(msg.files);
    modules = result.modules;
    if (validateWith) loadSchemas(validateWith.yangDirs);
    send({ type: 'loaded', modules: modules.map(moduleInfo), failures: result.failures });
    return;
  }
  const { id } = msg;
  let models: { models?: ModelsUse } = {};
  try {
    // (the received bytes are this run's: not the baseline)
    const m0 = performance.now();
    const heapBefore = gc ? (await heapNow()) - msg.config.byteLength : 0;
    let measureMs = performance.now() - m0;
    const c0 = cpu();
    const t0 = performance.now();
    const root = parseString(dataContent(takeConfig(msg)));
    const t1 = performance.now();
    const c1 = cpu();
    const check = schemas !== undefined && msg.phase === 'commit';
    const off = validateWith && msg.phase === 'commit' && !schemas ? { validateOff: validateOff ?? 'no YANG' } : {};
    const note = check && schemas!.problems.length > 0 ? { validateNote: `${schemas!.problems.length} YANG problem(s) at load: what they define is not checked` } : {};
    const run = await runServices(root, modules, msg.txn, log, {
      phase: msg.phase,
      broken: msg.broken,
      captureOrigins: check,
      models: new SnapshotModels(msg.models),
      ...(msg.result !== undefined ? { result: msg.result } : {}),
      ...(msg.reason !== undefined ? { reason: msg.reason } : {}),
      onCall: (c) =>
        send({
          type: 'call',
          id,
          service: c.module.module.SERVICE,
          file: c.module.file,
          fn: c.fn,
          ...(c.instance !== undefined ? { instance: c.instance } : {}),
        }),
    });
    const t2 = performance.now();
    const c2 = cpu();
    // The devices' own models judge their config; a device without them, the YANG beside the modules and --yang.
    const devices = check && msg.models ? deviceSchemas.resolve(msg.models) : undefined;
    for (const c of devices?.compiled ?? []) {
      if (c.why === undefined) log.info(`device models: module-set ${c.set} (${c.devices.join(', ')}; ${c.modules} modules) compiled in ${Math.round(c.ms)} ms`);
      else log.warn(`device models: validation off for ${c.devices.join(', ')}: module-set ${c.set}: ${c.why}`);
    }
    if (devices) models = { models: { compiled: devices.compiled, off: Object.fromEntries(devices.off) } };
    if (check) checkChanges(root, schemas!, { ...(msg.read ? { read: msg.read } : {}), ...(devices ? { deviceSchemas: (d: string) => devices.byDevice.get(d) } : {}) });
    const t2v = performance.now();
    const c2v = cpu();
    const { edits, creators } = msg.phase === 'commit' ? planEdits(root, { batchSize: msg.batchSize }) : { edits: [], creators: 0 };
    const t3 = performance.now();
    const c3 = cpu();
    const m1 = performance.now();
    const heapDuring = gc ? await heapHolding(root) : 0;
    measureMs += performance.now() - m1;
    const heap = gc ? { heap: { beforeBytes: heapBefore, duringBytes: heapDuring, measureMs } } : {};
    const cpuMs =
      c0 !== undefined && c1 !== undefined && c2 !== undefined && c2v !== undefined && c3 !== undefined
        ? { cpu: { parseMs: c1 - c0, modulesMs: c2 - c1, serializeMs: c3 - c2v, ...(check ? { validateMs: c2v - c2 } : {}) } }
        : {};
    send({ type: 'done', id, served: run.served, edits, creators, timings: { parseMs: t1 - t0, modulesMs: t2 - t1, serializeMs: t3 - t2v, ...(check ? { validateMs: t2v - t2 - compileMs(devices?.compiled) } : {}), ...off, ...note, ...heap, ...cpuMs }, ...models });
  } catch (err) {
    send({ type: 'failed', id, failure: toFailure(err), ...models });
  }
}

/**
 * Reads the YANG beside the modules and in `yangDirs`, and says at every load (start and
 * reload) what is wrong with it: problems (what they define goes unchecked), compile
 * warnings; or, when it cannot be used at all, why validation is off.
 */
function loadSchemas(yangDirs: readonly string[]): void {
  const dirs = [...new Set(modules.map((m) => dirname(m.file))), ...yangDirs];
  schemas = undefined;
  validateOff = undefined;
  try {
    schemas = SchemaSet.fromDirs(dirs);
  } catch (err) {
    validateOff = `YANG not usable: ${err instanceof Error ? err.message : String(err)}`;
    log.warn(`validation off: ${validateOff}`);
    return;
  }
  for (const p of schemas.problems) log.warn(`YANG problem, what it defines is not checked: ${p}`);
  if (schemas.problems.length > 0) log.warn(`YANG folders searched: ${dirs.join(', ')}`);
  for (const w of schemas.warnings) log.warn(`YANG: ${w}`);
}

/** The config text; the message lets go of its bytes (as big as the text) once they are decoded. */
function takeConfig(msg: { config?: ArrayBuffer }): string {
  const text = Buffer.from(msg.config!).toString('utf8');
  delete msg.config;
  return text;
}

function compileMs(compiled: readonly { ms: number }[] | undefined): number {
  return (compiled ?? []).reduce((a, c) => a + c.ms, 0);
}

/**
 * The inside of `<data>` when given a whole rpc-reply, else the text as it is. Found with
 * indexOf, not a RegExp: V8 keeps a RegExp's last subject (here the whole reply) alive until
 * the next match, which held one transaction's config into the next.
 */
function dataContent(xml: string): string {
  for (let at = xml.indexOf('<data'); at >= 0; at = xml.indexOf('<data', at + 5)) {
    const c = xml.charCodeAt(at + 5);
    if (c === 62 /* > */ || c === 32 || c === 10 || c === 9 || c === 13) {
      const gt = xml.indexOf('>', at);
      const end = xml.lastIndexOf('</data>');
      return gt < 0 || end < 0 ? xml : xml.slice(gt + 1, end);
    }
    if (c === 47 /* / */ && xml.charCodeAt(at + 6) === 62) return '';
  }
  return xml;
}

function toFailure(err: unknown): RunFailure {
  if (err instanceof ModuleRunError) {
    const cause = err.error instanceof Error ? err.error.message : String(err.error);
    return {
      kind: 'module',
      service: err.service,
      file: err.file,
      fn: err.fn,
      message: cause,
      ...(err.instance !== undefined ? { instance: err.instance } : {}),
    };
  }
  if (err instanceof BrokenModuleError) {
    const first = err.failures[0];
    return {
      kind: 'broken',
      ...(first?.service !== undefined ? { service: first.service } : {}),
      ...(first ? { file: first.file } : {}),
      message: err.failures.map((f) => f.error).join('\n'),
    };
  }
  if (err instanceof SchemaValidationError) return { kind: 'schema', message: err.message };
  return { kind: 'internal', message: err instanceof Error ? (err.stack ?? err.message) : String(err) };
}
