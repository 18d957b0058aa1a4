/**
 * What a script changed in a fetched config tree, as the body of one merge edit-config:
 * modified subtrees whole, their unmodified ancestors reduced to their list keys, and
 * removed children as `nc:operation="remove"` stubs. Built from the Element
 * modification tracking, so an untouched tree yields nothing to send.
 */
import { getListKeys, type XmlNode } from '../xml/index.ts';
import { escapeAttr, escapeText, NETCONF_NS } from '../netconf/index.ts';

/** Names of the children that identify a list entry among its siblings. */
export type KeyNames = (el: XmlNode) => readonly string[];

/** The keys registered for the element's name (registerListKeys), else `name` if it has one. */
export const listKeyNames: KeyNames = (el) => getListKeys(el.getName()) ?? (el.child('name') ? ['name'] : []);

/** The `<config>` body for everything changed under `root`'s top-level children, or ''. */
export function changedConfig(root: XmlNode, keyNames: KeyNames = listKeyNames): string {
  return root
    .getChildren()
    .map((c) => emit(c, false, keyNames))
    .join('');
}

// Untouched subtrees are skipped: a modified node or a deleted child marks every
// ancestor (hasModifiedDescendant), so the walk only visits changed branches.
function emit(el: XmlNode, whole: boolean, keyNames: KeyNames): string {
  const full = whole || el.isModified();
  if (!full && !el.hasModifiedDescendant()) return '';
  const children = el.getChildren();
  const deleted = el.getDeletedChildren();
  if (children.length === 0 && deleted.length === 0) return full ? el.dumps() : '';

  const keys = new Set(full ? [] : keyNames(el));
  let keyPart = '';
  let rest = '';
  for (const c of children) {
    if (keys.has(c.getName())) keyPart += c.dumps();
    else rest += emit(c, full, keyNames);
  }
  for (const d of deleted) rest += removal(d, keyNames);
  if (!full && rest === '') return '';
  return `${openTag(el, full ? el.getAttributes() : namespaceAttributes(el))}${keyPart}${rest}</${el.getName()}>`;
}

/** A stub that removes `el`: its identity (keys, or its text for a leaf-list entry) only. */
function removal(el: XmlNode, keyNames: KeyNames): string {
  const attrs: Record<string, string> = {
    ...namespaceAttributes(el),
    'xmlns:nc': NETCONF_NS,
    'nc:operation': 'remove',
  };
  const children = el.getChildren();
  if (children.length === 0) {
    const text = el.getData();
    return `${openTag(el, attrs)}${escapeText(text)}</${el.getName()}>`;
  }
  const keys = new Set(keyNames(el));
  const keyPart = children
    .filter((c) => keys.has(c.getName()))
    .map((c) => c.dumps())
    .join('');
  return `${openTag(el, attrs)}${keyPart}</${el.getName()}>`;
}

/** The namespace declarations of `el`: all an unmodified ancestor needs to carry. */
function namespaceAttributes(el: XmlNode): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(el.getAttributes())) {
    if (k === 'xmlns' || k.startsWith('xmlns:')) out[k] = v;
  }
  return out;
}

function openTag(el: XmlNode, attrs: Record<string, string>): string {
  const a = Object.entries(attrs)
    .map(([k, v]) => ` ${k}="${escapeAttr(v)}"`)
    .join('');
  return `<${el.getName()}${a}>`;
}
