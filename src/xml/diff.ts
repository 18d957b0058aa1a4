/**
 * Device diff text: the lines the controller CLI prints for `commit diff`, computed from two
 * config trees. Owns the line format only; the devkit, the simulator and the client print it.
 *
 * Followed clixon's lib/src/clixon_xml_io.c (xml_diff2cbuf and its helpers) for the format:
 * - an added or removed subtree prints whole, every line `+`/`-` followed by 3·level spaces;
 * - the parent of a direct change prints once, unprefixed at 3·level, as
 *   `<name xmlns="ns">` with its list keys below it, and its closing tag after the changes;
 *   ancestors further up are not printed (clixon only prints the immediate parent);
 * - a changed leaf prints `-` old then `+` new, the prefix taking the first column of the
 *   indentation (`-` + 3·level − 2 spaces + `<`), as clixon's printf width does.
 * Without YANG, children are matched by name and `entryKey` (list keys, leaf-list values);
 * a leaf that occurs once among its siblings on both sides is a leaf and matched by name,
 * unless `leafLists` (from YANG) names it.
 * Order is the trees' own; reordering alone is no change (clixon sorts or compares as sets).
 */
import type { Element, XmlNode } from './element.ts';
import { escapeText } from './element.ts';
import { entryKey, getListKeys, localName } from './keys.ts';

export interface DiffOptions {
  /** Spaces per level; the controller uses 3. */
  indent?: number;
  /** Names known (from YANG) to be leaf-lists; other leaves that occur once on each side are leaves. */
  leafLists?: ReadonlySet<string>;
}

export interface FormatOptions {
  /** ANSI colours: removed lines red, added lines green. */
  color?: boolean;
}

const DEFAULT_INDENT = 3;

/**
 * The `commit diff` lines for the children of `before` and `after` (two device `config`
 * elements), each line ending in a newline; '' when nothing differs. A missing side is empty.
 */
export function diffText(before: Element | undefined, after: Element | undefined, opts: DiffOptions = {}): string {
  const out: string[] = [];
  diffNode(out, before, after, 0, true, { ind: opts.indent ?? DEFAULT_INDENT, leafLists: opts.leafLists ?? new Set() });
  return out.map((l) => l + '\n').join('');
}

/**
 * Per device name, the diff text of `devices/device[name]/config` between two whole config
 * trees (document roots or any element holding `devices`). Devices without a change are left
 * out; order: the devices of `after`, then those only in `before`.
 */
export function deviceDiff(beforeRoot: Element, afterRoot: Element, opts: DiffOptions = {}): Map<string, string> {
  const before = deviceConfigs(beforeRoot);
  const after = deviceConfigs(afterRoot);
  const result = new Map<string, string>();
  const names = [...after.keys(), ...[...before.keys()].filter((n) => !after.has(n))];
  for (const name of names) {
    const text = diffText(before.get(name), after.get(name), opts);
    if (text !== '') result.set(name, text);
  }
  return result;
}

/**
 * The CLI's whole `commit diff` output: `name:` then that device's lines, per device, then
 * `OK`. With `color`, `-` lines are red and `+` lines green.
 */
export function formatDeviceDiff(diffs: ReadonlyMap<string, string>, opts: FormatOptions = {}): string {
  let s = '';
  for (const [name, text] of diffs) s += `${name}:\n${opts.color ? colorize(text) : text}`;
  return s + 'OK\n';
}

const RED = '\x1b[31m';
const GREEN = '\x1b[32m';
const RESET = '\x1b[0m';

/** Colours each `-`/`+` line of diff text. */
export function colorize(text: string): string {
  return text
    .split('\n')
    .map((l) => (l.startsWith('-') ? RED + l + RESET : l.startsWith('+') ? GREEN + l + RESET : l))
    .join('\n');
}

function deviceConfigs(root: Element): Map<string, Element | undefined> {
  const map = new Map<string, Element | undefined>();
  const holders = isNamed(root, 'devices') ? [root] : root.getChildren().filter((c) => isNamed(c, 'devices'));
  for (const devices of holders) {
    for (const device of devices.getChildren()) {
      if (!isNamed(device, 'device')) continue;
      const name = device.getChildren().find((c) => isNamed(c, 'name'))?.getData();
      if (name === undefined) continue;
      map.set(name, device.getChildren().find((c) => isNamed(c, 'config')));
    }
  }
  return map;
}


function prefixOf(el: Element): string | undefined {
  const name = el.getName();
  const i = name.indexOf(':');
  return i < 0 ? undefined : name.slice(0, i);
}

function isNamed(el: Element, name: string): boolean {
  return localName(el.getName()) === name;
}

function isLeaf(el: Element): boolean {
  return el.getChildren().length === 0;
}

interface Ctx {
  ind: number;
  leafLists: ReadonlySet<string>;
}

type Op = { kind: 'del'; a: XmlNode } | { kind: 'add'; b: XmlNode } | { kind: 'both'; a: XmlNode; b: XmlNode };

/** clixon's xml_diff2cbuf: the changes below x0/x1, with x0/x1's context line when it has direct changes. */
function diffNode(out: string[], x0: Element | undefined, x1: Element | undefined, level: number, skipTop: boolean, ctx: Ctx): void {
  const ind = ctx.ind;
  let opened: Element | undefined;
  const open = (x: Element): void => {
    if (opened || skipTop) return;
    opened = x;
    out.push(contextLine(x, level * ind));
    for (const key of keyLeaves(x)) out.push(' '.repeat((level + 1) * ind) + leafXml(key));
  };
  for (const op of align(x0?.getChildren() ?? [], x1?.getChildren() ?? [], ctx.leafLists)) {
    if (op.kind === 'del') {
      open(x0!);
      printTree(out, op.a, level + 1, '-', ind);
    } else if (op.kind === 'add') {
      open(x1!);
      printTree(out, op.b, level + 1, '+', ind);
    } else if (isLeaf(op.a) && isLeaf(op.b)) {
      if (op.a.getData() === op.b.getData()) continue;
      open(x0!);
      const pad = ' '.repeat(Math.max(0, (level + 1) * ind - 2));
      out.push(`-${pad}${leafXml(op.a)}`, `+${pad}${leafXml(op.b)}`);
    } else if (isLeaf(op.a) ? op.a.getData() !== '' : isLeaf(op.b) && op.b.getData() !== '') {
      open(x0!);
      printTree(out, op.a, level + 1, '-', ind);
      printTree(out, op.b, level + 1, '+', ind);
    } else {
      diffNode(out, op.a, op.b, level + 1, false, ctx);
    }
  }
  if (opened) out.push(`${' '.repeat(level * ind)}</${opened.getName()}>`);
}

/** `<name xmlns="ns">`, the namespace resolved through the ancestors, as clixon prints context. */
function contextLine(x: Element, width: number): string {
  const prefix = prefixOf(x);
  const ns = namespaceOf(x, prefix);
  const attr = ns === undefined ? '' : ` xmlns${prefix ? ':' + prefix : ''}="${ns}"`;
  return `${' '.repeat(width)}<${x.getName()}${attr}>`;
}

function namespaceOf(x: Element, prefix: string | undefined): string | undefined {
  const attr = prefix ? `xmlns:${prefix}` : 'xmlns';
  for (let at: Element | undefined = x; at; at = at.getParent()) {
    const ns = at.getAttributes()[attr];
    if (ns !== undefined) return ns;
  }
  return undefined;
}

/** A list entry's key leaves, in key order; none for a container. */
function keyLeaves(x: Element): Element[] {
  const children = x.getChildren();
  const keys: Element[] = [];
  const names = getListKeys(x.getName()) ?? (children.some((c) => c.getName() === 'name') ? ['name'] : []);
  for (const k of names) {
    const c = children.find((el) => el.getName() === k && isLeaf(el));
    if (c) keys.push(c);
  }
  return keys;
}

function leafXml(el: Element): string {
  return `<${el.getName()}>${escapeText(el.getData())}</${el.getName()}>`;
}

/** An added or removed subtree, pretty-printed with the prefix column, as clixon_xml2cbuf does. */
function printTree(out: string[], el: Element, level: number, prefix: string, ind: number): void {
  const pad = prefix + ' '.repeat(level * ind);
  const open = `<${el.getName()}${shownAttributes(el)}`;
  const children = el.getChildren();
  if (children.length === 0) {
    const data = el.getData();
    out.push(data === '' ? `${pad}${open}/>` : `${pad}${open}>${escapeText(data)}</${el.getName()}>`);
    return;
  }
  out.push(`${pad}${open}>`);
  for (const c of children) printTree(out, c, level + 1, prefix, ind);
  out.push(`${pad}</${el.getName()}>`);
}

/**
 * The attributes the device datastore would keep: namespace declarations of the element's
 * own namespace. Creator tags, operations and their prefixes never reach a device config.
 */
function shownAttributes(el: Element): string {
  const prefix = prefixOf(el);
  const attr = prefix ? `xmlns:${prefix}` : 'xmlns';
  const ns = el.getAttributes()[attr];
  if (ns === undefined) return '';
  const parent = el.getParent();
  // A declaration repeating the inherited namespace is not stored separately.
  if (parent && namespaceOf(parent, prefix) === ns) return '';
  return ` ${attr}="${ns}"`;
}

/** Identity of a child among its siblings: name plus list key or leaf-list value. */
function identities(children: readonly Element[], other: readonly Element[], leafLists: ReadonlySet<string>): string[] {
  const count = new Map<string, number>();
  for (const c of [...children, ...other]) {
    if (isLeaf(c)) count.set(c.getName(), (count.get(c.getName()) ?? 0) + 1);
  }
  const leafNames = new Set<string>();
  const seen = (list: readonly Element[], name: string): number => list.filter((c) => c.getName() === name && isLeaf(c)).length;
  for (const name of count.keys()) {
    // A leaf occurs at most once on each side; more on either side makes it a leaf-list.
    if (!leafLists.has(name) && seen(children, name) <= 1 && seen(other, name) <= 1) leafNames.add(name);
  }
  // An empty element where the other side has a container of that name is that container, emptied.
  const containerNames = new Set([...children, ...other].filter((c) => !isLeaf(c)).map((c) => c.getName()));
  return children.map((c) => {
    if (isLeaf(c) && c.getData() === '' && containerNames.has(c.getName())) return `${c.getName()}\u0000${entryKey(c)}`;
    if (isLeaf(c) && leafNames.has(c.getName())) return c.getName();
    return `${c.getName()}\u0000${entryKey(c)}`;
  });
}

/**
 * The children of both sides in one sequence: matched pairs in `after` order, each removed
 * child placed before the next matched child that followed it in `before`, each added child
 * where it is in `after`. Within one gap, removals and additions of one list merge by key
 * order (as clixon's sorted walk prints them), else removals come first.
 */
function align(before: readonly XmlNode[], after: readonly XmlNode[], leafLists: ReadonlySet<string>): Op[] {
  const idsA = identities(before, after, leafLists);
  const idsB = identities(after, before, leafLists);
  // k-th occurrence of an identity pairs with the k-th on the other side.
  const pending = new Map<string, number[]>();
  idsA.forEach((id, i) => {
    const list = pending.get(id);
    if (list) list.push(i);
    else pending.set(id, [i]);
  });
  const partner = new Array<number>(after.length).fill(-1);
  const matchedA = new Array<boolean>(before.length).fill(false);
  idsB.forEach((id, j) => {
    const i = pending.get(id)?.shift();
    if (i !== undefined) {
      partner[j] = i;
      matchedA[i] = true;
    }
  });

  const ops: Op[] = [];
  let dels: XmlNode[] = [];
  let adds: XmlNode[] = [];
  let i = 0;
  const flush = (): void => {
    ops.push(...mergeGap(dels, adds));
    dels = [];
    adds = [];
  };
  after.forEach((b, j) => {
    const p = partner[j]!;
    if (p < 0) {
      adds.push(b);
      return;
    }
    for (; i <= p; i++) if (!matchedA[i]) dels.push(before[i]!);
    flush();
    ops.push({ kind: 'both', a: before[p]!, b });
  });
  for (; i < before.length; i++) if (!matchedA[i]) dels.push(before[i]!);
  flush();
  return ops;
}

function mergeGap(dels: XmlNode[], adds: XmlNode[]): Op[] {
  const ops: Op[] = [];
  let d = 0;
  let a = 0;
  while (d < dels.length || a < adds.length) {
    const del = dels[d];
    const add = adds[a];
    if (del && (!add || !(add.getName() === del.getName() && compareKeys(entryKey(add), entryKey(del)) < 0))) {
      ops.push({ kind: 'del', a: del });
      d++;
    } else if (add) {
      ops.push({ kind: 'add', b: add });
      a++;
    }
  }
  return ops;
}

/** Key order: numerically when both are numbers, else by string. */
function compareKeys(x: string, y: string): number {
  const nx = Number(x);
  const ny = Number(y);
  if (x.trim() !== '' && y.trim() !== '' && !Number.isNaN(nx) && !Number.isNaN(ny)) return nx - ny;
  return x < y ? -1 : x > y ? 1 : 0;
}
