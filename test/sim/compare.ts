/**
 * Element-by-element comparison of a simulator message with a recorded one: names,
 * namespaces (as declared attributes), attributes, text and child order all count.
 * Ignored, because they legitimately differ between runs: the text of eventTime,
 * timestamp, timestamp0, conn-state-timestamp, session-id and tid (tids are compared
 * through the mapping the replay keeps, not here).
 */
import { parseXml, type SNode } from '../../src/sim/tree.ts';

const VOLATILE = new Set(['eventTime', 'timestamp', 'timestamp0', 'conn-state-timestamp', 'session-id', 'tid']);

/** Returns '' when equal, else where the first difference is. */
export function compareXml(actual: string, expected: string): string {
  const a = parseXml(actual);
  const e = parseXml(expected);
  return cmp(a, e, '');
}

function cmp(a: SNode, e: SNode, path: string): string {
  const here = `${path}/${e.name}`;
  if (a.name !== e.name) return `${here}: element ${a.name} != ${e.name}`;
  const aa = [...a.attrs].sort().join(' ');
  const ea = [...e.attrs].sort().join(' ');
  if (aa !== ea) return `${here}: attributes [${aa}] != [${ea}]`;
  if (a.children.length === 0 && e.children.length === 0) {
    if (VOLATILE.has(e.localName)) return '';
    if ((a.text ?? '') !== (e.text ?? '')) return `${here}: text ${JSON.stringify(a.text)} != ${JSON.stringify(e.text)}`;
    return '';
  }
  if (a.children.length !== e.children.length)
    return `${here}: ${a.children.length} children [${a.children.map((c) => c.name).join(',')}] != ${e.children.length} [${e.children.map((c) => c.name).join(',')}]`;
  for (let i = 0; i < e.children.length; i++) {
    const d = cmp(a.children[i]!, e.children[i]!, here);
    if (d) return d;
  }
  return '';
}
