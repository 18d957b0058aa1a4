/**
 * `clixon-tsapi test [path…]`: runs the tests under the paths (default `.`) with Node's
 * test runner, tsx and the module hooks registered first. So a test kept beside its module,
 * in a folder with any package.json or none, imports `clixon-tsapi/testing` and its modules
 * get the same instance of the library as the test does.
 */
import { spawn } from 'node:child_process';
import { statSync } from 'node:fs';
import { basename, resolve } from 'node:path';
import { TEST_FILE, walk } from '../service/loader.ts';

const REGISTER = new URL('../runtime/register.mjs', import.meta.url).href;

/** The test files a path names: itself, or every `*.test.{ts,mts,js,mjs}` under it. */
function testFiles(path: string): string[] {
  const full = resolve(path);
  if (!statSync(full, { throwIfNoEntry: false })) throw new Error(`${path} does not exist`);
  return statSync(full).isDirectory() ? walk(full).filter((f) => TEST_FILE.test(basename(f))).sort() : [full];
}

const args = process.argv.slice(2);
if (args.includes('-h') || args.includes('--help')) {
  process.stdout.write('Usage: clixon-tsapi test [file|folder…]   (default: every *.test.ts under .)\n');
} else {
  try {
    const files = (args.length > 0 ? args : ['.']).flatMap(testFiles);
    if (files.length === 0) throw new Error(`no *.test.ts files under ${args.join(', ') || '.'}`);
    const child = spawn(process.execPath, ['--import', REGISTER, '--test', ...files], { stdio: 'inherit' });
    for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => child.kill(signal));
    process.exitCode = await new Promise<number>((done) => child.once('exit', (code, signal) => done(code ?? (signal ? 1 : 0))));
  } catch (err) {
    process.stderr.write(`clixon-tsapi test: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 2;
  }
}
