/**
 * The XPath subset the simulator evaluates: what the service server and script client
 * send in get/get-config filters (absolute or root-relative location paths with
 * prefixes, `[name='v']` predicates, `|` unions, `/` for all) and the controller's
 * own `created` paths (`/devices/device[name="dev1"]/config/...`). Also builds the
 * filtered reply tree: matches whole, their ancestors with list keys only.
 */
import { splitTopLevel } from '../xml/path.ts';
import { SNode } from './tree.ts';
import type { Schema } from './datamodel.ts';

export class XPathError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'XPathError';
  }
}

interface Pred {
  prefix: string;
  local: string; // '.' for the node's own text
  value: string;
}
interface Step {
  prefix: string;
  local: string; // '*' matches any
  preds: Pred[];
}
type LocPath = Step[];

const STEP_RE = /^\s*(?:([\w.-]+):)?([\w.-]+|\*)\s*((?:\[[^\]]*\]\s*)*)$/;
const PRED_RE = /\[\s*(?:(?:([\w.-]+):)?([\w.-]+)|(\.))\s*=\s*(?:'([^']*)'|"([^"]*)")\s*\]/g;

function parsePath(expr: string): LocPath {
  const e = expr.trim();
  if (e === '/' || e === '') return [];
  const body = e.startsWith('/') ? e.slice(1) : e;
  return splitTopLevel(body, '/').map((raw) => {
    const m = STEP_RE.exec(raw);
    if (!m) throw new XPathError(`unsupported xpath step: ${raw}`);
    const preds: Pred[] = [];
    const predText = m[3] ?? '';
    for (const p of predText.matchAll(PRED_RE))
      preds.push({ prefix: p[1] ?? '', local: p[3] ? '.' : p[2]!, value: p[4] ?? p[5] ?? '' });
    if (predText.replace(PRED_RE, '').trim() !== '') throw new XPathError(`unsupported predicate: ${predText}`);
    return { prefix: m[1] ?? '', local: m[2]!, preds };
  });
}

/** Parses `a | b | c` into location paths; `/` alone yields one empty path (everything). */
export function parseXPath(expr: string): LocPath[] {
  return splitTopLevel(expr, '|').map(parsePath);
}

function nameMatches(n: SNode, prefix: string, local: string, nsmap: Record<string, string> | null): boolean {
  if (local !== '*' && n.localName !== local) return false;
  if (!nsmap) return true;
  // As the real controller: a step without a prefix is in the filter's default namespace,
  // which is none unless the filter declares one, so `/ctrl:devices/device` finds nothing.
  const ns = prefix ? nsmap[prefix] : (nsmap[''] ?? '');
  return ns === undefined || n.ns === ns;
}

function predsMatch(n: SNode, preds: Pred[], nsmap: Record<string, string> | null): boolean {
  for (const p of preds) {
    if (p.local === '.') {
      if ((n.text ?? '') !== p.value) return false;
      continue;
    }
    let ok = false;
    for (const c of n.children)
      if (nameMatches(c, p.prefix, p.local, nsmap) && (c.text ?? '') === p.value) {
        ok = true;
        break;
      }
    if (!ok) return false;
  }
  return true;
}

/** Nodes selected by one location path from a document root. */
export function evalPath(doc: SNode, path: LocPath, nsmap: Record<string, string> | null): SNode[] {
  let cur: SNode[] = [doc];
  for (const step of path) {
    const next: SNode[] = [];
    for (const n of cur)
      for (const c of n.children)
        if (nameMatches(c, step.prefix, step.local, nsmap) && predsMatch(c, step.preds, nsmap)) next.push(c);
    cur = next;
    if (cur.length === 0) break;
  }
  return cur;
}

/** Nodes selected by a whole expression (union), in document order, deduplicated. */
export function select(doc: SNode, expr: string, nsmap: Record<string, string> | null): SNode[] {
  const seen = new Set<SNode>();
  for (const p of parseXPath(expr)) for (const n of evalPath(doc, p, nsmap)) seen.add(n);
  return [...seen];
}

/** First node at a `created` path (no prefixes; names match any namespace). */
export function findByPath(doc: SNode, path: string): SNode | undefined {
  try {
    return evalPath(doc, parsePath(path), null)[0];
  } catch {
    return undefined;
  }
}

/** Whether a filter selects the whole tree (no filter, `/`, or `/` in a union). Throws XPathError. */
export function selectsAll(expr: string | undefined): boolean {
  return expr === undefined || parseXPath(expr).some((p) => p.length === 0);
}

/**
 * The reply tree for a filter: every selected node whole, each ancestor with its list
 * keys only, in document order. `/` (or no filter) is the whole tree.
 */
export function filterTree(doc: SNode, expr: string | undefined, nsmap: Record<string, string>, schema: Schema): SNode {
  if (selectsAll(expr)) return doc.clone();
  const paths = parseXPath(expr!);
  const matched = new Set<SNode>();
  for (const p of paths) for (const n of evalPath(doc, p, nsmap)) matched.add(n);
  const onPath = new Set<SNode>();
  for (const n of matched) for (let a = n.parent; a && !onPath.has(a); a = a.parent) onPath.add(a);
  const build = (src: SNode): SNode => {
    const out = new SNode(src.name, new Map(src.attrs), src.children.length === 0 ? src.text : null);
    const keys = schema.keysOf(src.localName, (k) => src.child(k) !== undefined);
    for (const c of src.children) {
      if (matched.has(c)) out.append(c.clone());
      else if (onPath.has(c)) out.append(build(c));
      else if (keys.includes(c.localName)) out.append(c.clone());
    }
    return out;
  };
  const out = new SNode('');
  for (const c of doc.children) {
    if (matched.has(c)) out.append(c.clone());
    else if (onPath.has(c)) out.append(build(c));
  }
  return out;
}

/**
 * Cuts a reply tree as clixon's depth attribute does: level `depth` is printed empty (no
 * children, no text), 1 being the top-level elements.
 */
export function limitDepth(doc: SNode, depth: number): void {
  const cut = (n: SNode, level: number): void => {
    if (level >= depth) {
      n.children = [];
      n.text = null;
      return;
    }
    for (const c of n.children) cut(c, level + 1);
  };
  for (const c of doc.children) cut(c, 1);
}
