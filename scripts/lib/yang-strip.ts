/**
 * Writes a YANG module back without its prose (description, reference, contact,
 * organization): what the recorded fixtures keep of other projects' models is their
 * structure, which is all the tree and validation tests read.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { parseYang, type Stmt } from '../../src/yang/parse.ts';

const PROSE = new Set(['description', 'reference', 'contact', 'organization']);

function quote(arg: string): string {
  return `"${arg.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n').replace(/\t/g, '\\t')}"`;
}

function print(s: Stmt, depth: number, out: string[]): void {
  if (PROSE.has(s.keyword)) return;
  const pad = '  '.repeat(depth);
  const head = s.arg === undefined ? s.keyword : `${s.keyword} ${quote(s.arg)}`;
  const kids = s.subs.filter((c) => !PROSE.has(c.keyword));
  if (kids.length === 0) {
    out.push(`${pad}${head};`);
    return;
  }
  out.push(`${pad}${head} {`);
  for (const c of kids) print(c, depth + 1, out);
  out.push(`${pad}}`);
}

/** YANG text (of `file`) without its prose. */
export function withoutProse(text: string, file: string): string {
  const out: string[] = [];
  print(parseYang(text, file), 0, out);
  return `${out.join('\n')}\n`;
}

/** The module in `from` without its prose, written to `to`. */
export function writeWithoutProse(from: string, to: string): void {
  writeFileSync(to, withoutProse(readFileSync(from, 'utf8'), from));
}
