/**
 * List-entry identity: which same-named siblings are "the same entry" when two trees are
 * compared (service edits, device diffs). Keys come from registerListKeys (the sim reads
 * them from YANG), else a `name` child; a leaf-list entry is its text.
 */
import { internals, type Element } from './element.ts';

const listKeys = new Map<string, readonly string[]>();

/** Registers list keys by element name (local name, no prefix): `{ device: ['name'] }`. */
export function registerListKeys(keys: Record<string, readonly string[]>): void {
  for (const [tag, names] of Object.entries(keys)) listKeys.set(localName(tag), [...names]);
}

/** The registered keys of a list element, if any. */
export function getListKeys(tag: string): readonly string[] | undefined {
  return listKeys.get(localName(tag));
}

/** A name without its prefix: `ctrl:devices` → `devices`. */
export function localName(name: string): string {
  const colon = name.indexOf(':');
  return colon < 0 ? name : name.slice(colon + 1);
}

function childText(el: Element, name: string): string | undefined {
  for (const c of internals.children(el)) if (localName(internals.name(c)) === name) return internals.getText(c);
  return undefined;
}

/**
 * The identity of `el` among its same-named siblings: its key values (several joined by
 * NUL), the text of a leaf, '' for a container without keys.
 */
export function entryKey(el: Element): string {
  const raw = internals.raw(el);
  const keys = listKeys.get(localName(internals.name(raw)));
  if (keys) return keys.map((k) => childText(raw, k) ?? '').join('\u0000');
  if (!internals.hasChildren(raw)) return internals.getText(raw);
  return childText(raw, 'name') ?? '';
}
