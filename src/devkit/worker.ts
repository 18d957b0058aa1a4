/**
 * The `try --watch` worker: one run in a fresh thread, so every run imports the module and
 * the files it imports as they are on disk now (a new ESM module graph). Started through
 * the service's worker-boot.mjs, which registers tsx first; posts one TryOutcome back.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { tryOnce, type TryJob } from './tryrun.ts';

const port = parentPort;
if (!port) throw new Error('devkit/worker.ts runs only as a worker thread');
const job = (workerData as { job: TryJob }).job;
port.postMessage(await tryOnce(job));
