/**
 * `clixon-tsapi types`: TypeScript declarations from YANG for service modules:
 *
 *   clixon-tsapi types <yang files or folders> -o <dir> [-p <search folder>]...
 *
 * Files given are emitted (their modules' nodes), folders give every module in them (a
 * models folder of `clixon-tsapi models`: every module of every module-set); `-p` folders
 * only resolve imports. Writes <dir>/config.d.ts exporting `Config` (the root a
 * module's setup gets) and `DeviceConfig` (a device's config).
 */
import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { YangContext, indexYangFiles } from './index.ts';
import { generateTypes } from './typegen.ts';
import { withController } from './validate.ts';
import { isModelsFolder, readModelsFolder } from '../models/folder.ts';

const { values, positionals } = parseArgs({
  args: process.argv.slice(2),
  allowPositionals: true,
  options: { out: { type: 'string', short: 'o' }, path: { type: 'string', short: 'p', multiple: true } },
});
if (!values.out || positionals.length === 0) {
  console.error('usage: clixon-tsapi types <yang files or folders> -o <dir> [-p <search folder>]...');
  process.exit(2);
}
const given = positionals.flatMap((p) => (isModelsFolder(p) ? Object.values(readModelsFolder(p).sets).flatMap((s) => (s.dir ? [s.dir] : [])) : [resolve(p)]));
const searchDirs = [...given.map((p) => (statSync(p).isDirectory() ? p : dirname(p))), ...(values.path ?? []).map((p) => resolve(p))];
const ctx = new YangContext(withController([...new Set(searchDirs)]));
// Submodules come in through their modules' include.
const isSubmodule = (file: string): boolean => /^(?:\s|\/\/[^\n]*\n|\/\*[\s\S]*?\*\/)*submodule\b/.test(readFileSync(file, 'utf8'));
const names = [...indexYangFiles(given)].filter(([, files]) => !isSubmodule(files[0]!)).map(([name]) => name);
ctx.load(names);
for (const w of ctx.warnings) console.error(`warning: ${w}`);
const outDir = resolve(values.out);
mkdirSync(outDir, { recursive: true });
// The package name: what a module imports the API by, wherever its folder is (the server's
// hooks and an editor's node_modules or tsconfig paths resolve it).
const elementImport = 'clixon-tsapi';
const text = generateTypes(ctx, { modules: names, elementImport });
const file = join(outDir, 'config.d.ts');
writeFileSync(file, `${text}\n`);
console.log(`${file}: ${names.join(', ')} (${(text.length / 1024).toFixed(0)} KiB)`);
