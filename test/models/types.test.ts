/**
 * `npm run types -- <models folder> -o <dir>`: TypeScript for the network the folder holds
 * (every module of every module-set: here dev1's clixon-example and oc1's OpenConfig).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cleanup, REPO, tempDir } from '../service/harness.ts';
import { MODELS_DIR } from './models-folder.ts';

test("types from a models folder: a device's config has every set's top-level nodes", (t) => {
  const out = tempDir();
  t.after(() => cleanup(out));
  const r = spawnSync(process.execPath, [join(REPO, 'bin/clixon-tsapi.mjs'), 'types', MODELS_DIR, '-o', out], { encoding: 'utf8', timeout: 180_000 });
  assert.equal(r.status, 0, r.stdout + r.stderr);
  const text = readFileSync(join(out, 'config.d.ts'), 'utf8');
  const device = /export type DeviceConfig = Element & \{([\s\S]*?)\n\};/.exec(text)?.[1] ?? '';
  assert.match(device, /\btable\??:/, 'clixon-example (dev1)');
  assert.match(device, /\bsystem\??:/, 'openconfig-system (oc1)');
  assert.match(text, /login_banner\??:/);
});

test("types of the network make tsc reject a module's misspelled device leaf", async (t) => {
  const out = tempDir();
  t.after(() => cleanup(out));
  const r = spawnSync(process.execPath, [join(REPO, 'bin/clixon-tsapi.mjs'), 'types', MODELS_DIR, '-o', out], { encoding: 'utf8', timeout: 180_000 });
  assert.equal(r.status, 0, r.stdout + r.stderr);
  const { default: ts } = await import('typescript');
  const cfg = ts.readConfigFile(join(REPO, 'tsconfig.json'), (p) => ts.sys.readFile(p));
  const { options } = ts.parseJsonConfigFileContent(cfg.config, ts.sys, REPO);
  // A module beside the generated types (an ES module), with paths to this package (as `new` writes them).
  writeFileSync(join(out, 'package.json'), '{"type":"module"}');
  options.paths = { 'clixon-tsapi': [join(REPO, 'src/index.ts')] };
  const errors = (leaf: string): string[] => {
    const file = join(out, 'module.ts');
    const text =
      `import type { DeviceConfig } from './config.d.ts';\n` +
      `export function set(config: DeviceConfig): void {\n  const p = config.table?.parameter;\n  p?.${leaf}?.setData('x');\n}\n`;
    const host = ts.createCompilerHost(options);
    const read = host.getSourceFile.bind(host);
    host.getSourceFile = (name, lang, ...rest) => (name === file ? ts.createSourceFile(name, text, lang) : read(name, lang, ...rest));
    const exists = host.fileExists.bind(host);
    host.fileExists = (name) => name === file || exists(name);
    return ts.getPreEmitDiagnostics(ts.createProgram([file], options, host)).filter((d) => d.file?.fileName === file).map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'));
  };
  assert.deepEqual(errors('value'), []);
  const bad = errors('valeu');
  assert.equal(bad.length, 1, bad.join('\n'));
  assert.match(bad[0]!, /Property 'valeu' does not exist on type .*DevTableParameter/);
});
