// Makes this thread load service modules the way the server needs: TypeScript through tsx
// (unless tsx already runs here) and the hooks of hooks.mjs, which give every module this
// package's one instance. Imported (once per thread) by the bin, the module worker and the
// loader; `node --import clixon-tsapi/register` gives a test runner the same.
import { register } from 'node:module';
import { register as registerTsx } from 'tsx/esm/api';

const DONE = Symbol.for('clixon-tsapi.hooks');

if (!globalThis[DONE]) {
  globalThis[DONE] = true;
  // A probe, since a second tsx would transform every file twice: tsx is active when a .ts imports.
  const tsxActive = await import('./probe.ts?tsx').then(() => true, () => false);
  if (!tsxActive) registerTsx();
  register('./hooks.mjs', import.meta.url, { data: { packageRoot: new URL('../../', import.meta.url).href } });
}
