/**
 * The `try --watch` worker: one run in a fresh thread, so every run imports the module and
 * the files it imports as they are on disk now (a new ESM module graph). Started through
 * the service's worker-boot.mjs, which registers tsx first. It boots ahead of the save that
 * uses it (our own code loaded, the module not yet), then runs the one job it is sent and
 * posts the TryOutcome back.
 */
import { parentPort } from 'node:worker_threads';
import { tryOnce, type TryJob } from './tryrun.ts';

const port = parentPort;
if (!port) throw new Error('devkit/worker.ts runs only as a worker thread');
port.once('message', (job: TryJob) => {
  void tryOnce(job).then((outcome) => port.postMessage(outcome));
});
