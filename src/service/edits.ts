/**
 * The service server's edit-config builder: what modules changed in a config tree
 * (extracted by src/xml/changes.ts, shared with the script client) split into batches of
 * creator-tagged nodes, each batch a valid tree with its ancestors.
 */
import type { Element, XmlNode } from '../xml/index.ts';
import { collectChanges, writeChanges, type Change } from '../xml/changes.ts';

/**
 * Creator-tagged nodes per edit-config. The controller's cost for one edit-config is
 * about a + k·n² for n creator-tagged nodes (README of the wire recordings): 6000 in one
 * took ≈14.5 s, so k ≈ 14.5 / 6000² ≈ 4e-7 s; 16 edits of 375 took 1.8 s, so
 * 16·(a + k·375²) = 1.8 gives a ≈ 0.056 s. Sending N nodes in batches of b costs
 * (N/b)·a + N·k·b, least at b = √(a/k) ≈ 375.
 */
export const DEFAULT_BATCH_SIZE = 375;

export interface EditOptions {
  /** Most creator-tagged nodes in one edit-config (a node that is one unit may exceed it). */
  batchSize?: number;
}

/**
 * The `<config>` contents (top-level elements, no `<config>` wrapper) for what changed
 * under `root`, one string per edit-config. Nothing changed: an empty array.
 */
export function buildEdits(root: XmlNode, opts: EditOptions = {}): string[] {
  return planEdits(root, opts).edits;
}

/** buildEdits, and how many creator-tagged nodes the edits carry. */
export function planEdits(root: XmlNode, opts: EditOptions = {}): { edits: string[]; creators: number } {
  const batchSize = Math.max(1, opts.batchSize ?? DEFAULT_BATCH_SIZE);
  // Each subtree is counted once, though a node is asked about again for every part it is split into.
  const counted = new Map<Element, number>();
  const count = (el: Element): number => countCreators(el, counted);
  // A created node holding more creator tags than a batch is cut below itself, unless it is one tagged unit.
  const { changes, split } = collectChanges(root, { split: (node) => !isCreatorTagged(node) && count(node) > batchSize });

  const batches: Change[][] = [];
  let current: Change[] = [];
  let inBatch = 0;
  let creators = 0;
  for (const change of changes) {
    const n = change.op === 'remove' ? 0 : count(change.node);
    if (current.length > 0 && inBatch + n > batchSize) {
      batches.push(current);
      current = [];
      inBatch = 0;
    }
    current.push(change);
    inBatch += n;
    creators += n;
  }
  if (current.length > 0) batches.push(current);
  return { edits: batches.map((b) => writeChanges(b, split)), creators };
}

/** True when the element carries a creator tag (`cl:creator`, whatever its prefix). */
export function isCreatorTagged(el: Element): boolean {
  for (const name of Object.keys(el.getAttributes())) {
    if (name === 'creator' || name.endsWith(':creator')) return true;
  }
  return false;
}

/** Creator-tagged elements in the subtree of `el`, itself included; `memo` keeps each subtree's count for later calls. */
export function countCreators(el: Element, memo?: Map<Element, number>): number {
  let n = memo?.get(el);
  if (n !== undefined) return n;
  n = isCreatorTagged(el) ? 1 : 0;
  for (const c of el.getChildren()) n += countCreators(c, memo);
  memo?.set(el, n);
  return n;
}
