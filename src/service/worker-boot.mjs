// Boots the module worker: registers tsx and the module hooks in this thread, then imports
// the TypeScript entry. (`--import tsx` in the worker's execArgv does not reach a worker's
// entry on Node 20; this does.)
import { workerData } from 'node:worker_threads';
import '../runtime/register.mjs';

await import(workerData.entry);
