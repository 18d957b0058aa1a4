/**
 * Path lookups over the tree: the small XPath subset that modules use (`a/b`, absolute
 * `/a/b`, `.`, `..`, `*`, `[key='v']`, `[key="v"]`, `[.='v']`, `[@attr='v']`, `[N]`).
 * Quoted values may hold `/`, `]`, `\` and the other quote; `\` is taken literally.
 * `[N]` counts from 0 among the step's matches, as clixon-pyapi's get_path does.
 */
import { internals, nameMatches, type Element, type XmlNode } from './element.ts';

/** A path that cannot be read. */
export class XmlPathError extends Error {
  override name = 'XmlPathError';
  constructor(
    message: string,
    readonly path: string,
  ) {
    super(`${message} in path ${JSON.stringify(path)}`);
  }
}

type Predicate =
  | { kind: 'index'; index: number }
  | { kind: 'child'; key: string; value: string }
  | { kind: 'text'; value: string }
  | { kind: 'attr'; key: string; value: string };

interface Step {
  name: string;
  preds: Predicate[];
}

interface ParsedPath {
  absolute: boolean;
  steps: Step[];
}

const cache = new Map<string, ParsedPath>();

export function parsePath(path: string): ParsedPath {
  const hit = cache.get(path);
  if (hit) return hit;
  const steps: Step[] = [];
  let i = 0;
  const absolute = path.startsWith('/');
  if (absolute) i = 1;
  while (i < path.length) {
    let name = '';
    while (i < path.length && path[i] !== '/' && path[i] !== '[') name += path[i++];
    name = name.trim();
    if (name === '') throw new XmlPathError(`empty step at ${i}`, path);
    const preds: Predicate[] = [];
    while (path[i] === '[') {
      const [pred, next] = readPredicate(path, i + 1);
      preds.push(pred);
      i = next;
    }
    steps.push({ name, preds });
    if (i < path.length) {
      if (path[i] !== '/') throw new XmlPathError(`unexpected ${JSON.stringify(path[i])} at ${i}`, path);
      i++;
      if (i === path.length) throw new XmlPathError('trailing /', path);
    }
  }
  const parsed = { absolute, steps };
  if (cache.size < 1000) cache.set(path, parsed);
  return parsed;
}

/** Reads one predicate starting after '['; returns it and the index after ']'. */
function readPredicate(path: string, start: number): [Predicate, number] {
  let i = start;
  let left = '';
  while (i < path.length && path[i] !== '=' && path[i] !== ']') left += path[i++];
  left = left.trim();
  if (path[i] === ']') {
    if (!/^\d+$/.test(left)) throw new XmlPathError(`bad predicate [${left}]`, path);
    return [{ kind: 'index', index: Number(left) }, i + 1];
  }
  if (i >= path.length) throw new XmlPathError('unterminated [', path);
  i++;
  while (path[i] === ' ') i++;
  const quote = path[i];
  if (quote !== "'" && quote !== '"') throw new XmlPathError(`predicate value must be quoted at ${i}`, path);
  const end = path.indexOf(quote, i + 1);
  if (end < 0) throw new XmlPathError('unterminated quote', path);
  const value = path.slice(i + 1, end);
  i = end + 1;
  while (path[i] === ' ') i++;
  if (path[i] !== ']') throw new XmlPathError(`expected ] at ${i}`, path);
  if (left === '') throw new XmlPathError('predicate without a key', path);
  const pred: Predicate =
    left === '.' ? { kind: 'text', value } : left.startsWith('@') ? { kind: 'attr', key: left.slice(1), value } : { kind: 'child', key: left, value };
  return [pred, i + 1];
}

/** A path step name against an XML name: exact, `_` form, or without the step's prefix. */
export function stepMatches(xmlName: string, step: string): boolean {
  if (step === '*' || nameMatches(xmlName, step)) return true;
  const colon = step.indexOf(':');
  return colon >= 0 && !xmlName.includes(':') && nameMatches(xmlName, step.slice(colon + 1));
}

/** The text of the first child matching a path step name (prefix-tolerant), if any. */
export function keyChildValue(el: Element, key: string): string | undefined {
  for (const c of internals.children(internals.raw(el))) if (stepMatches(internals.name(c), key)) return internals.getText(c);
  return undefined;
}

function predicateHolds(el: Element, p: Predicate): boolean {
  switch (p.kind) {
    case 'child':
      return keyChildValue(el, p.key) === p.value;
    case 'text':
      return internals.getText(el) === p.value;
    case 'attr':
      return el.getAttribute(p.key) === p.value;
    case 'index':
      return true;
  }
}

function applyStep(ctx: Element, step: Step, out: Element[]): void {
  if (step.name === '.' || step.name === '..') {
    const el = step.name === '.' ? ctx : internals.parent(ctx);
    if (el && step.preds.every((p) => predicateHolds(el, p))) out.push(el);
    return;
  }
  let matches = internals.children(ctx).filter((c) => stepMatches(internals.name(c), step.name));
  for (const p of step.preds) {
    if (p.kind === 'index') {
      const m = matches[p.index];
      matches = m ? [m] : [];
    } else matches = matches.filter((m) => predicateHolds(m, p));
  }
  for (const m of matches) out.push(m);
}

/** The nodes at `path` from `start` (absolute paths start at the top of its tree). */
export function selectPath(start: Element, path: string, firstOnly: boolean): XmlNode[] {
  const { absolute, steps } = parsePath(path);
  let ctx: Element[];
  let i = 0;
  if (absolute) {
    let top = internals.raw(start);
    for (let p = internals.parent(top); p; p = internals.parent(p)) top = p;
    ctx = [top];
    // a detached tree has no document: its top element is the first step
    if (!top.isDocument() && steps.length > 0) {
      const first = steps[0]!;
      const wrapper: Element[] = [];
      if (stepMatches(internals.name(top), first.name) && first.preds.every((p) => p.kind === 'index' ? p.index === 0 : predicateHolds(top, p))) wrapper.push(top);
      ctx = wrapper;
      i = 1;
    }
  } else ctx = [internals.raw(start)];
  for (; i < steps.length && ctx.length > 0; i++) {
    const next: Element[] = [];
    for (const c of ctx) applyStep(c, steps[i]!, next);
    ctx = next;
  }
  if (firstOnly && ctx.length > 1) ctx = [ctx[0]!];
  return ctx.map((e) => internals.proxy(e));
}

/** Splits at `sep` outside predicates and quotes. */
export function splitTopLevel(s: string, sep: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let quote = '';
  let cur = '';
  for (const ch of s) {
    if (quote) {
      if (ch === quote) quote = '';
      cur += ch;
      continue;
    }
    if (ch === '"' || ch === "'") quote = ch;
    else if (ch === '[') depth++;
    else if (ch === ']') depth--;
    if (ch === sep && depth === 0) {
      out.push(cur);
      cur = '';
    } else cur += ch;
  }
  out.push(cur);
  return out;
}
