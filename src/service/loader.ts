/**
 * The one module loader: finds module files under the module paths and imports them,
 * checking each against the ServiceModule contract. Used by the server's worker and by
 * the devkit. A file that fails never stops the others: it comes back as a LoadFailure.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, extname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { checkModule, type HookName, type LoadedModule } from './module.ts';
import type { ModuleInfo } from './worker-messages.ts';

/** A module file that could not be used, and why (its error names file and line where known). */
export interface LoadFailure {
  file: string;
  name: string;
  /** 'import': the file did not import (syntax, a throw at top level); 'contract': it imported but is no valid service module. */
  kind: 'import' | 'contract';
  error: string;
  /** The SERVICE the file declares, read from its source text when the import itself failed. */
  service?: string;
}

export interface LoadResult {
  modules: LoadedModule[];
  failures: LoadFailure[];
}

export class ModulePathError extends Error {
  constructor(readonly path: string) {
    super(`Module path ${path} does not exist`);
    this.name = 'ModulePathError';
  }
}

const MODULE_EXTENSIONS = new Set(['.ts', '.mts', '.js', '.mjs']);

/** A test beside its module (`<service>.test.ts`, as `clixon-tsapi new` writes it). */
export const TEST_FILE = /\.(?:test|spec)\.(?:ts|mts|js|mjs)$/;

/**
 * True for a file name the loader takes: a module extension, not `.d.ts`, not a test
 * (importing one would run it), no `#` or `~` (editor files).
 */
export function isModuleFileName(fileName: string): boolean {
  if (fileName.includes('#') || fileName.includes('~')) return false;
  if (/\.d\.m?ts$/.test(fileName) || TEST_FILE.test(fileName)) return false;
  return MODULE_EXTENSIONS.has(extname(fileName));
}

/** The name `-e` filters on: the file name without its extension. */
export function moduleName(file: string): string {
  return basename(file, extname(file));
}

/**
 * Every module file under each path, recursively, sorted within each path; a name in
 * `filter` is left out. A path that does not exist throws ModulePathError.
 */
export function findModuleFiles(paths: readonly string[], filter: readonly string[] = []): string[] {
  const skip = new Set(filter.map((f) => f.trim()).filter((f) => f !== ''));
  const files: string[] = [];
  for (const path of paths) {
    const root = resolve(path);
    let isDir: boolean;
    try {
      isDir = statSync(root).isDirectory();
    } catch {
      throw new ModulePathError(path);
    }
    const found = isDir ? walk(root) : [root];
    for (const file of found.sort()) {
      if (isModuleFileName(basename(file)) && !skip.has(moduleName(file))) files.push(file);
    }
  }
  return files;
}

/** Every file under `dir`, recursively, skipping node_modules and dot folders. */
export function walk(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    // node_modules under a module folder holds libraries, not modules.
    if (entry.name === 'node_modules' || entry.name.startsWith('.')) continue;
    const full = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...walk(full));
    else if (entry.isFile()) out.push(full);
  }
  return out;
}

/**
 * Imports each file and checks its exports. A file without SERVICE or setup, or that fails
 * to import, is a LoadFailure; the rest load. Each file, and what it imports outside
 * node_modules, loads as an ES module, and `clixon-tsapi` resolves to this package
 * (src/runtime/hooks.mjs), whatever the folder's package.json says. Import caching is the
 * caller's concern: the server imports in a fresh worker each time, so every load sees
 * the files as they are now.
 */
export async function loadModules(files: readonly string[]): Promise<LoadResult> {
  // Before any module: the hooks that give every module this process's one instance of the library.
  await import('../runtime/register.mjs');
  const result: LoadResult = { modules: [], failures: [] };
  for (const file of files) {
    const name = moduleName(file);
    let exports: Record<string, unknown>;
    try {
      exports = { ...(await import(pathToFileURL(file).href)) };
    } catch (err) {
      const service = declaredService(file);
      result.failures.push({ file, name, kind: 'import', error: describeError(err, file), ...(service ? { service } : {}) });
      continue;
    }
    const checked = checkModule(exports);
    if (Array.isArray(checked)) {
      const service = typeof exports.SERVICE === 'string' ? exports.SERVICE : declaredService(file);
      result.failures.push({
        file,
        name,
        kind: 'contract',
        error: `${file}: not a service module: missing or wrong ${checked.join(', ')}`,
        ...(service ? { service } : {}),
      });
      continue;
    }
    result.modules.push({ file, name, module: checked });
  }
  return result;
}

/**
 * The SERVICE a file declares, read from its text: how a module that fails to import is
 * still tied to its service, so a commit of that service is refused rather than run without it.
 */
export function declaredService(file: string): string | undefined {
  try {
    const m = /\bSERVICE\s*(?::\s*[\w<>]+\s*)?=\s*(['"`])([^'"`]+)\1/.exec(readFileSync(file, 'utf8'));
    return m?.[2];
  } catch {
    return undefined;
  }
}

/** An error's message with the file:line:column it points to in `file`, found in the message or stack. */
export function describeError(err: unknown, file: string): string {
  const message = err instanceof Error ? err.message : String(err);
  if (message.includes(file)) return message;
  const stack = err instanceof Error && typeof err.stack === 'string' ? err.stack : '';
  const url = pathToFileURL(file).href;
  for (const line of stack.split('\n')) {
    const m = new RegExp(`(?:${escapeRegExp(url)}|${escapeRegExp(file)}):(\\d+):(\\d+)`).exec(line);
    if (m) return `${file}:${m[1]}:${m[2]}: ${message}`;
  }
  return `${file}: ${message}`;
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** What the server's main thread keeps of a loaded module: how it picks modules and narrows reads, without the code. */
export function moduleInfo(m: LoadedModule): ModuleInfo {
  const hooks = (['setupPreCommit', 'setupPostCommit', 'setupPostCommitFailed'] as HookName[]).filter((h) => m.module[h] !== undefined);
  return {
    file: m.file,
    name: m.name,
    service: m.module.SERVICE,
    hooks,
    ...(m.module.SERVICE_XPATH !== undefined ? { xpath: m.module.SERVICE_XPATH } : {}),
    ...(m.module.SERVICE_NAMESPACES !== undefined ? { namespaces: m.module.SERVICE_NAMESPACES } : {}),
  };
}
