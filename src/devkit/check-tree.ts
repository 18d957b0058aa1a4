/**
 * Comparing two configs node by node for `check`: every difference in the devices' config
 * with its path, and the creator bookkeeping (each instance's `created` paths). Entries are
 * matched as the controller matches them: list entries by their keys, leaf-list entries by
 * value, leaves and containers by name. Where the YANG is there it decides what a node is;
 * where it is not, the shape of the XML does, and the difference says so (`yang: false`).
 */
import { getListKeys, localName, type Element } from '../xml/index.ts';
import { dataChildren, type SchemaNode } from '../yang/schema.ts';
import type { SchemaSet } from '../yang/validate.ts';

const CTRL_NS = 'http://clicon.org/controller';

/** One step of a path: the element, and what tells it from its siblings. */
export interface Step {
  name: string;
  /** List keys, or `.` and the value for a leaf-list entry. */
  keys: [string, string][];
  /** The element's namespace, where the comparison knew it. */
  ns?: string;
}

export interface Difference {
  device: string;
  /** `/devices/device[name='dev1']/config/table/parameter[name='p1']/value` */
  path: string;
  steps: Step[];
  /** `added`: only in the second tree; `removed`: only in the first; `changed`: a leaf's value. */
  kind: 'added' | 'removed' | 'changed';
  before?: string;
  after?: string;
  /** Whether the YANG said what the node is; false: judged from the XML's shape. */
  yang: boolean;
  /** An empty element: config only if it is a presence container or an empty leaf, which only the YANG can say. */
  empty?: boolean;
}

/** What the comparison knows of the model: the YANG tree, and leaf-list names from the simulator's reader. */
export interface Model {
  yang: SchemaSet | undefined;
  leafLists: ReadonlySet<string>;
}

/** The namespace of an element: its prefix (or none) looked up in xmlns attributes up the tree. */
function namespaceOf(el: Element): string {
  const name = el.getName();
  const i = name.indexOf(':');
  const attr = i < 0 ? 'xmlns' : `xmlns:${name.slice(0, i)}`;
  for (let p: Element | undefined = el; p && !p.isDocument(); p = p.getParent()) {
    const v = p.getAttribute(attr);
    if (v !== undefined) return v;
  }
  return '';
}

/** The schema node of `el` below `parent` (undefined: the device's config mount point). */
function schemaOf(model: Model, parent: SchemaNode | undefined, el: Element): SchemaNode | undefined {
  if (!model.yang) return undefined;
  const ns = namespaceOf(el);
  const name = localName(el.getName());
  if (parent === undefined) return model.yang.top(ns, name, true);
  return dataChildren(parent).find((c) => c.name === name && c.module.namespace === ns);
}

const childText = (el: Element, name: string): string | undefined => el.getChildren().find((c) => localName(c.getName()) === name)?.getData();

/** The step that names `el` among its siblings; `siblings` tells a leaf-list entry without YANG (several of one name). */
function stepOf(el: Element, schema: SchemaNode | undefined, model: Model, siblings: number): Step {
  const name = localName(el.getName());
  const leafy = el.getChildren().length === 0;
  if (schema?.kind === 'list') return { name, keys: schema.keys.map((k) => [k, childText(el, k) ?? '']) };
  if (schema?.kind === 'leaf-list') return { name, keys: [['.', el.getData()]] };
  if (schema) return { name, keys: [] };
  if (!leafy) {
    const keys = getListKeys(name) ?? (childText(el, 'name') !== undefined ? ['name'] : []);
    return { name, keys: keys.map((k) => [k, childText(el, k) ?? '']) };
  }
  if (model.leafLists.has(name) || siblings > 1) return { name, keys: [['.', el.getData()]] };
  return { name, keys: [] };
}

export function formatStep(s: Step): string {
  return s.name + s.keys.map(([k, v]) => `[${k}='${v}']`).join('');
}

export function formatPath(steps: readonly Step[]): string {
  return '/' + steps.map(formatStep).join('/');
}

const stepId = (s: Step): string => formatStep(s);

/**
 * Whether a subtree is config: true, false (an empty non-presence container), or undefined
 * when that takes the YANG and it is not there (an empty element: presence container, empty
 * leaf, or neither).
 */
function carriesConfig(el: Element, schema: SchemaNode | undefined, model: Model): boolean | undefined {
  const kids = el.getChildren();
  if (schema) {
    if (schema.kind !== 'container' || schema.presence) return true;
  } else if (kids.length === 0) {
    return el.getData() !== '' ? true : undefined;
  } else if (getListKeys(localName(el.getName())) !== undefined) {
    return true;
  }
  let unknown = false;
  for (const k of kids) {
    const c = carriesConfig(k, schema ? schemaOf(model, schema, k) : undefined, model);
    if (c === true) return true;
    if (c === undefined) unknown = true;
  }
  return unknown ? undefined : false;
}

/** The device configs of a config root, by device name. */
export function deviceConfigs(root: Element): Map<string, Element> {
  const out = new Map<string, Element>();
  const devices = root.getChildren().find((c) => localName(c.getName()) === 'devices');
  for (const d of devices?.getChildren() ?? []) {
    if (localName(d.getName()) !== 'device') continue;
    const name = childText(d, 'name');
    const config = d.getChildren().find((c) => localName(c.getName()) === 'config');
    if (name !== undefined && config) out.set(name, config);
  }
  return out;
}

/** Every difference between the devices' config in `before` and in `after` (whole config roots). */
export function compareDevices(before: Element, after: Element, model: Model): Difference[] {
  const a = deviceConfigs(before);
  const b = deviceConfigs(after);
  const out: Difference[] = [];
  for (const device of new Set([...a.keys(), ...b.keys()])) {
    const steps: Step[] = [
      { name: 'devices', keys: [] },
      { name: 'device', keys: [['name', device]] },
      { name: 'config', keys: [] },
    ];
    compareChildren(a.get(device), b.get(device), undefined, true, steps, device, model, out);
  }
  return out;
}

function compareChildren(
  a: Element | undefined,
  b: Element | undefined,
  schema: SchemaNode | undefined,
  mount: boolean,
  steps: Step[],
  device: string,
  model: Model,
  out: Difference[],
): void {
  const index = (el: Element | undefined): Map<string, { el: Element; step: Step; schema: SchemaNode | undefined }> => {
    const m = new Map<string, { el: Element; step: Step; schema: SchemaNode | undefined }>();
    const kids = el?.getChildren() ?? [];
    const count = new Map<string, number>();
    for (const k of kids) count.set(k.getName(), (count.get(k.getName()) ?? 0) + 1);
    for (const k of kids) {
      const s = mount || schema ? schemaOf(model, schema, k) : undefined;
      const ns = namespaceOf(k);
      const step = { ...stepOf(k, s, model, Math.max(count.get(k.getName()) ?? 0, countNamed(a === el ? b : a, k.getName()))), ns };
      const id = `${ns} ${stepId(step)}`;
      if (!m.has(id)) m.set(id, { el: k, step, schema: s });
    }
    return m;
  };
  const ia = index(a);
  const ib = index(b);
  // A plain container on one side only is reported by what it holds: the entries and leaves say more.
  const plain = (x: { el: Element; step: Step; schema: SchemaNode | undefined }): boolean =>
    x.el.getChildren().length > 0 && (x.schema ? x.schema.kind === 'container' && !x.schema.presence : x.step.keys.length === 0);
  for (const [id, x] of ia) {
    const y = ib.get(id);
    const here = [...steps, x.step];
    if (!y) {
      if (plain(x)) compareChildren(x.el, undefined, x.schema, false, here, device, model, out);
      else report(out, device, here, 'removed', x.el, x.schema, model);
      continue;
    }
    const leafA = x.el.getChildren().length === 0;
    const leafB = y.el.getChildren().length === 0;
    if (leafA && leafB) {
      if (x.el.getData() !== y.el.getData()) {
        out.push({ device, path: formatPath(here), steps: here, kind: 'changed', before: x.el.getData(), after: y.el.getData(), yang: x.schema !== undefined });
      }
    } else compareChildren(x.el, y.el, x.schema, false, here, device, model, out);
  }
  for (const [id, y] of ib) {
    if (ia.has(id)) continue;
    if (plain(y)) compareChildren(undefined, y.el, y.schema, false, [...steps, y.step], device, model, out);
    else report(out, device, [...steps, y.step], 'added', y.el, y.schema, model);
  }
}

function countNamed(el: Element | undefined, name: string): number {
  let n = 0;
  for (const k of el?.getChildren() ?? []) if (k.getName() === name) n++;
  return n;
}

function report(out: Difference[], device: string, steps: Step[], kind: 'added' | 'removed', el: Element, schema: SchemaNode | undefined, model: Model): void {
  const carries = carriesConfig(el, schema, model);
  if (carries === false) return;
  const value = el.getChildren().length === 0 ? el.getData() : undefined;
  out.push({
    device,
    path: formatPath(steps),
    steps,
    kind,
    ...(value !== undefined ? (kind === 'added' ? { after: value } : { before: value }) : {}),
    yang: schema !== undefined,
    ...(carries === undefined ? { empty: true } : {}),
  });
}

/** The elements at `steps` below a config root (an entry a module gave twice is there twice), and whether the whole path was there. */
function locate(root: Element, steps: readonly Step[]): { nodes: Element[]; whole: boolean } {
  let level: Element[] = [root];
  let depth = 0;
  for (const s of steps) {
    const next = level.flatMap((p) =>
      p.getChildren().filter((c) => localName(c.getName()) === s.name && s.keys.every(([k, v]) => (k === '.' ? c.getData() === v : childText(c, k) === v))),
    );
    if (next.length === 0) return { nodes: depth === 0 ? [] : level, whole: false };
    level = next;
    depth++;
  }
  return { nodes: level, whole: true };
}

/**
 * The module line that made the node at `steps` in a module's tree (origin capture on):
 * the node's own origin, else its nearest ancestor's (a template added whole keeps its
 * origin on the subtree's root), else, for a node that was there before, the first one
 * the module made inside it.
 */
export function originAt(root: Element | undefined, steps: readonly Step[]): string | undefined {
  if (!root) return undefined;
  const { nodes, whole } = locate(root, steps);
  for (const n of nodes) {
    for (let x: Element | undefined = n; x && !x.isDocument(); x = x.getParent()) {
      const o = x.getOrigin();
      if (o) return o;
    }
  }
  if (!whole) return undefined;
  const inside = (el: Element): string | undefined => {
    for (const c of el.getChildren()) {
      const o = c.getOrigin() ?? inside(c);
      if (o) return o;
    }
    return undefined;
  };
  for (const n of nodes) {
    const o = inside(n);
    if (o) return o;
  }
  return undefined;
}

/** Each service instance's `created` paths (`svc[key='v']` → paths), from a config root. */
export function createdPaths(root: Element): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>();
  const services = root.getChildren().find((c) => localName(c.getName()) === 'services' && namespaceOf(c) === CTRL_NS);
  for (const inst of services?.getChildren() ?? []) {
    const created = inst.getChildren().find((c) => localName(c.getName()) === 'created');
    if (!created) continue;
    const service = localName(inst.getName());
    const key = getListKeys(service)?.[0] ?? 'name';
    out.set(`${service}[${key}='${childText(inst, key) ?? ''}']`, new Set(created.getChildren().map((p) => p.getData())));
  }
  return out;
}

/** The steps of a `created` path as the controller writes it: `/devices/device[name="d"]/config/table/parameter[name="x"]`. */
export function createdSteps(path: string): Step[] {
  const steps: Step[] = [];
  for (const m of path.matchAll(/([^/[\]]+)((?:\[[^\]]*\])*)/g)) {
    const keys = [...m[2]!.matchAll(/\[([^=\]]+)=["']([^"']*)["']\]/g)].map((k): [string, string] => [k[1]!, k[2]!]);
    steps.push({ name: localName(m[1]!), keys });
  }
  return steps;
}
