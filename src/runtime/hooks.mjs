// Module resolution hooks (node:module register), loaded into Node's hooks thread by
// register.mjs. They keep one instance of this library per process whatever a module's
// folder looks like:
// - the bare name `clixon-tsapi` (and `clixon-tsapi/<sub>`) resolves to this package's own
//   files through its `exports`, wherever the importing file is, even with another copy
//   installed beside it;
// - a .ts/.mts/.js/.mjs file outside node_modules loads as an ES module. Without this, tsx
//   loads a .ts file in a folder without `"type": "module"` as CommonJS, and its imports of
//   our files become requires that load a second copy of them.
import { readFileSync } from 'node:fs';

const NAME = 'clixon-tsapi';
const ESM_FILE = /\.(?:ts|mts|js|mjs)$/;

/** Subpath (`.`, `./testing`) → file URL of this package, from package.json `exports`. */
let targets = new Map();

/** @param {{ packageRoot: string }} data the package root as a file URL ending in `/` */
export function initialize(data) {
  const pkg = JSON.parse(readFileSync(new URL('package.json', data.packageRoot), 'utf8'));
  targets = new Map();
  for (const [sub, target] of Object.entries(pkg.exports ?? {})) {
    const file = typeof target === 'string' ? target : target?.default;
    if (typeof file === 'string') targets.set(sub, new URL(file, data.packageRoot).href);
  }
}

export async function resolve(specifier, context, nextResolve) {
  if (specifier === NAME || specifier.startsWith(`${NAME}/`)) {
    const url = targets.get(specifier === NAME ? '.' : `.${specifier.slice(NAME.length)}`);
    if (url !== undefined) return { url, format: 'module', shortCircuit: true };
  }
  const resolved = await nextResolve(specifier, context);
  // tsx marks a file it takes for CommonJS with queries (`?tsx-commonjs-…`, some encoded as
  // %3F): the plain file URL with format 'module' has tsx load it as an ES module.
  const file = resolved.url.startsWith('file:') ? resolved.url.split(/\?|#|%3F/i)[0] : '';
  if (ESM_FILE.test(file) && !file.includes('/node_modules/')) return { ...resolved, url: file, format: 'module' };
  return resolved;
}
