/**
 * Small YANG models written for a test: a temporary folder of files, a context loaded from
 * it, and a schema node found by its path of names (choices and cases included).
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { TestContext } from 'node:test';
import { YangContext, type LoadOptions, type SchemaNode } from '../../src/yang/index.ts';

/** Writes the files (names may hold subfolders) into a fresh folder, removed after the test. */
export function yangFolder(t: TestContext, files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'yang-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, name)), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
  return dir;
}

/** A context over the files, with `modules` loaded. */
export function loadYang(t: TestContext, files: Record<string, string>, modules: string[], opts?: LoadOptions): YangContext {
  const ctx = new YangContext([yangFolder(t, files)], opts);
  ctx.load(modules);
  return ctx;
}

/** The node at `path` (names separated by `/`, the first a top node of `module`), or undefined. */
export function nodeAt(ctx: YangContext, module: string, path: string): SchemaNode | undefined {
  let level = ctx.modules.get(module)?.nodes ?? [];
  let node: SchemaNode | undefined;
  for (const name of path.split('/')) {
    node = level.find((n) => n.name === name);
    if (!node) return undefined;
    level = node.children;
  }
  return node;
}

/** The names of a node's children, in order. */
export function childNames(n: SchemaNode | undefined): string[] {
  return (n?.children ?? []).map((c) => c.name);
}
