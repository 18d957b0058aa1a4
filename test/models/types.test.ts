/**
 * `npm run types -- <models folder> -o <dir>`: TypeScript for the network the folder holds
 * (every module of every module-set: here dev1's clixon-example and oc1's OpenConfig).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { cleanup, REPO, tempDir } from '../service/harness.ts';
import { MODELS_DIR } from './models-folder.ts';

test("types from a models folder: a device's config has every set's top-level nodes", (t) => {
  const out = tempDir();
  t.after(() => cleanup(out));
  const r = spawnSync(process.execPath, ['--import', 'tsx', join(REPO, 'scripts/yang-types.ts'), MODELS_DIR, '-o', out], { encoding: 'utf8', timeout: 180_000 });
  assert.equal(r.status, 0, r.stdout + r.stderr);
  const text = readFileSync(join(out, 'config.d.ts'), 'utf8');
  const device = /export type DeviceConfig = Element & \{([\s\S]*?)\n\};/.exec(text)?.[1] ?? '';
  assert.match(device, /\btable\??:/, 'clixon-example (dev1)');
  assert.match(device, /\bsystem\??:/, 'openconfig-system (oc1)');
  assert.match(text, /login_banner\??:/);
});
