/**
 * Service instances for `check`, generated from the service's YANG list with fast-check:
 * random valid instances (keys unique, mandatory nodes present, values of their types),
 * reproducible from a seed and shrunk by fast-check to a minimal failing set. Strings are
 * drawn from the values the config already holds for that leaf and the devices' names (so
 * that a `device` leaf names a real device), and short words of letters, digits and `-`
 * (a quote in an instance key would break every creator tag, which tells nothing about the
 * module). Notes say where the generator cannot follow the model (when, must, relative
 * leafrefs, anydata).
 */
import fc from 'fast-check';
import { escapeText, localName, type Element } from '../xml/index.ts';
import { dataChildren, derivesFrom, type Identity, type SchemaNode, type TypeSpec } from '../yang/schema.ts';
import type { SchemaSet } from '../yang/validate.ts';

const CTRL_NS = 'http://clicon.org/controller';

/** One generated instance: its services-commit entry and its element. */
export interface GeneratedInstance {
  /** `svc[key='value']` */
  entry: string;
  key: string;
  /** The instance element, as it goes under `<services>`. */
  xml: string;
}

export interface InstanceGenerator {
  service: string;
  /** undefined when the model has a mandatory node no value can be made for (the notes say which). */
  arbitrary: fc.Arbitrary<GeneratedInstance[]> | undefined;
  notes: string[];
}

/** The list `service` under /ctrl:services in the YANG, if any. */
export function serviceList(yang: SchemaSet, service: string): SchemaNode | undefined {
  const services = yang.top(CTRL_NS, 'services', false);
  return services ? dataChildren(services).find((c) => c.kind === 'list' && c.name === service) : undefined;
}

/** Leaf values in `config` by the names of their path below the service list (`username/name`), and the device names. */
function dictionary(config: Element, service: string): { values: Map<string, Set<string>>; devices: string[] } {
  const values = new Map<string, Set<string>>();
  const walk = (el: Element, rel: string): void => {
    for (const c of el.getChildren()) {
      const path = rel ? `${rel}/${localName(c.getName())}` : localName(c.getName());
      if (c.getChildren().length === 0) {
        if (c.getData() !== '') values.set(path, (values.get(path) ?? new Set()).add(c.getData()));
      } else walk(c, path);
    }
  };
  const top = (name: string): Element[] => config.getChildren().filter((c) => localName(c.getName()) === name);
  for (const services of top('services')) for (const inst of services.getChildren()) if (localName(inst.getName()) === service) walk(inst, '');
  const devices: string[] = [];
  for (const d of top('devices').flatMap((x) => x.getChildren())) {
    const name = d.getChildren().find((c) => localName(c.getName()) === 'name')?.getData();
    if (localName(d.getName()) === 'device' && name) devices.push(name);
  }
  return { values, devices };
}

const WORD = fc.stringMatching(/^[a-z][a-z0-9-]{0,6}$/);

const INT_RANGES: Record<string, [number, number]> = {
  int8: [-128, 127],
  int16: [-32768, 32767],
  int32: [-2147483648, 2147483647],
  int64: [Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER],
  uint8: [0, 255],
  uint16: [0, 65535],
  uint32: [0, 4294967295],
  uint64: [0, Number.MAX_SAFE_INTEGER],
};

const inRanges = (v: number, ranges: [number, number][][]): boolean => ranges.every((r) => r.some(([lo, hi]) => v >= lo && v <= hi));

/** Values in the allowed intervals (the last range statement is the tightest); undefined when none is left. */
function numbers(bounds: [number, number], ranges: [number, number][][]): fc.Arbitrary<number> | undefined {
  const last = ranges.at(-1) ?? [[bounds[0], bounds[1]]];
  const intervals = last
    .map(([lo, hi]): [number, number] => [Math.ceil(Math.max(lo, bounds[0])), Math.floor(Math.min(hi, bounds[1]))])
    .filter(([lo, hi]) => lo <= hi);
  if (intervals.length === 0) return undefined;
  return fc.oneof(...intervals.map(([lo, hi]) => fc.integer({ min: lo, max: hi }))).filter((v) => inRanges(v, ranges));
}

class Builder {
  readonly notes: string[] = [];
  private readonly dict: { values: Map<string, Set<string>>; devices: string[] };

  constructor(
    private readonly yang: SchemaSet,
    private readonly config: Element,
    service: string,
  ) {
    this.dict = dictionary(config, service);
  }

  private note(text: string): void {
    if (!this.notes.includes(text)) this.notes.push(text);
  }

  /** Values of a type as text, undefined when none can be made. `rel`: the leaf's path for the dictionary. */
  value(t: TypeSpec, rel: string, where: string): fc.Arbitrary<string> | undefined {
    switch (t.base) {
      case 'string': {
        const known = [...(this.dict.values.get(rel) ?? []), ...this.dict.devices];
        const fits = (v: string): boolean =>
          t.lengths.every((r) => r.some(([lo, hi]) => [...v].length >= lo && [...v].length <= hi)) && t.patterns.every((p) => p.regex.test(v) !== p.invert);
        const sources: fc.Arbitrary<string>[] = [];
        const fromConfig = known.filter(fits);
        if (fromConfig.length > 0) sources.push(fc.constantFrom(...fromConfig));
        const positive = t.patterns.find((p) => !p.invert);
        if (positive) {
          try {
            sources.push(fc.stringMatching(positive.regex).filter(fits));
          } catch {
            this.note(`${where}: cannot generate strings for the pattern ${positive.source}; only values from the config are used`);
          }
        } else sources.push(WORD.filter(fits));
        return sources.length > 0 ? fc.oneof(...sources) : undefined;
      }
      case 'boolean':
        return fc.constantFrom('true', 'false');
      case 'empty':
        return fc.constant('');
      case 'enumeration':
        return t.enums && t.enums.length > 0 ? fc.constantFrom(...t.enums) : undefined;
      case 'bits':
        return fc.subarray(t.bits ?? []).map((b) => b.join(' '));
      case 'decimal64': {
        const scale = 10 ** (t.fractionDigits ?? 1);
        const scaled = t.ranges.map((r) => r.map(([lo, hi]): [number, number] => [lo * scale, hi * scale]));
        return numbers([-1e9, 1e9], scaled)?.map((n) => (n / scale).toFixed(t.fractionDigits ?? 1));
      }
      case 'binary':
        return fc.uint8Array({ maxLength: 8 }).map((b) => Buffer.from(b).toString('base64'));
      case 'identityref': {
        const ids = this.identities(t.identityBases ?? []);
        return ids.length > 0 ? fc.constantFrom(...ids) : undefined;
      }
      case 'leafref': {
        const path = t.leafrefPath ?? '';
        if (path.startsWith('/')) {
          const found = this.valuesAt(path);
          if (found.length > 0) return fc.constantFrom(...found);
          this.note(`${where}: the config has no value at the leafref path ${path}`);
          return undefined;
        }
        this.note(`${where}: leafref ${path} not followed; words are used, which may point at nothing`);
        return WORD;
      }
      case 'union': {
        const members = (t.union ?? []).map((m) => this.value(m, rel, where)).filter((a): a is fc.Arbitrary<string> => a !== undefined);
        return members.length > 0 ? fc.oneof(...members) : undefined;
      }
      case 'instance-identifier':
        this.note(`${where}: instance-identifier values are not generated`);
        return undefined;
      default: {
        const bounds = INT_RANGES[t.base];
        return bounds ? numbers(bounds, t.ranges)?.map(String) : undefined;
      }
    }
  }

  /** The identities derived from every base, as `prefix:name` and the namespace the leaf declares for the prefix. */
  private identities(bases: readonly Identity[]): string[] {
    const out: string[] = [];
    for (const mod of this.yang.ctx.modules.values())
      for (const id of mod.identities.values()) if (bases.every((b) => id !== b && derivesFrom(id, b))) out.push(`${mod.prefix}:${id.name}${IDENTITY_NS}${mod.namespace}`);
    return out;
  }

  /** Text values at an absolute path (prefixes and predicates dropped) in the config. */
  private valuesAt(path: string): string[] {
    const steps = path.replace(/\[[^\]]*\]/g, '').split('/').filter(Boolean).map(localName);
    let level: Element[] = [this.config];
    for (const s of steps) level = level.flatMap((el) => el.getChildren().filter((c) => localName(c.getName()) === s));
    return [...new Set(level.map((el) => el.getData()).filter((v) => v !== ''))];
  }

  /** XML text for a data node below a parent of namespace `parentNs` ('' when the node is left out). */
  node(n: SchemaNode, parentNs: string, rel: string): fc.Arbitrary<string> | undefined {
    const path = rel ? `${rel}/${n.name}` : n.name;
    const where = `${n.stmt.file.split('/').pop()}:${n.stmt.line} ${n.name}`;
    if (n.config === false || n.module.namespace === CTRL_NS) return fc.constant('');
    if (n.when.length > 0) this.note(`${where}: when ${n.when.join(', ')} not evaluated`);
    if (n.must.length > 0) this.note(`${where}: must ${n.must.join(', ')} not evaluated`);
    const xmlns = n.module.namespace !== parentNs ? ` xmlns="${escapeText(n.module.namespace)}"` : '';
    const required = n.mandatory || (n.minElements ?? 0) > 0;
    const optional = (a: fc.Arbitrary<string>): fc.Arbitrary<string> => (required ? a : fc.option(a, { nil: '' }));
    switch (n.kind) {
      case 'leaf': {
        const v = n.type ? this.value(n.type, path, where) : undefined;
        if (!v) return required ? undefined : fc.constant('');
        return optional(v.map((text) => leafXml(n.name, xmlns, text)));
      }
      case 'leaf-list': {
        const v = n.type ? this.value(n.type, path, where) : undefined;
        if (!v) return required ? undefined : fc.constant('');
        const min = n.minElements ?? 0;
        return fc.uniqueArray(v, { minLength: min, maxLength: Math.max(min, Math.min(n.maxElements ?? 3, 3)) }).map((vs) => vs.map((text) => leafXml(n.name, xmlns, text)).join(''));
      }
      case 'container': {
        const body = this.children(n, path, n.module.namespace);
        if (!body) return undefined;
        const el = body.map((b) => (b === '' && !n.presence ? '' : `<${n.name}${xmlns}>${b}</${n.name}>`));
        return n.presence ? optional(el) : el;
      }
      case 'list': {
        const entry = this.entry(n, path, xmlns);
        if (!entry) return required ? undefined : fc.constant('');
        const min = n.minElements ?? 0;
        return fc.uniqueArray(entry, { minLength: min, maxLength: Math.max(min, Math.min(n.maxElements ?? 2, 2)), selector: (e) => e.key }).map((es) => es.map((e) => e.xml).join(''));
      }
      case 'choice': {
        const cases = n.children.map((c) => (c.kind === 'case' ? this.children(c, rel, parentNs) : this.node(c, parentNs, rel))).filter((a): a is fc.Arbitrary<string> => a !== undefined);
        if (cases.length === 0) return required ? undefined : fc.constant('');
        return n.mandatory ? fc.oneof(...cases) : fc.option(fc.oneof(...cases), { nil: '' });
      }
      default:
        this.note(`${where}: ${n.kind} is not generated`);
        return fc.constant('');
    }
  }

  /** The concatenated XML of a node's children, in namespace `ns` (choices kept whole, so one case is picked). */
  children(n: SchemaNode, rel: string, ns: string, skip: readonly string[] = []): fc.Arbitrary<string> | undefined {
    const parts: fc.Arbitrary<string>[] = [];
    for (const c of n.children) {
      if (c.kind === 'action' || c.kind === 'notification' || c.kind === 'rpc' || skip.includes(c.name)) continue;
      const a = this.node(c, ns, rel);
      if (!a) return undefined;
      parts.push(a);
    }
    return fc.tuple(...parts).map((xs) => xs.join(''));
  }

  /** A list entry: its keys first, then the rest; `key` tells entries apart. */
  entry(n: SchemaNode, rel: string, xmlns: string): fc.Arbitrary<{ key: string; xml: string }> | undefined {
    const keyNodes = n.keys.map((k) => dataChildren(n).find((c) => c.name === k));
    if (keyNodes.some((k) => !k?.type)) return undefined;
    const keys = keyNodes.map((k) => this.value(k!.type!, rel ? `${rel}/${k!.name}` : k!.name, `${k!.stmt.file.split('/').pop()}:${k!.stmt.line} ${k!.name}`));
    if (keys.some((k) => !k)) return undefined;
    const rest = this.children(n, rel, n.module.namespace, n.keys);
    if (!rest) return undefined;
    return fc.tuple(fc.tuple(...(keys as fc.Arbitrary<string>[])), rest).map(([vals, body]) => ({
      key: vals.join('\u0000'),
      xml: `<${n.name}${xmlns}>${vals.map((v, i) => leafXml(n.keys[i]!, '', v)).join('')}${body}</${n.name}>`,
    }));
  }
}

/** Between an identity value and its namespace: NUL, which no XML text holds. */
const IDENTITY_NS = '\u0000';

/** A leaf element; an identity value (`prefix:name`, NUL, namespace) declares its prefix. */
function leafXml(name: string, xmlns: string, text: string): string {
  const sep = text.indexOf(IDENTITY_NS);
  if (sep > 0) {
    const value = text.slice(0, sep);
    const prefix = value.slice(0, value.indexOf(':'));
    return `<${name}${xmlns} xmlns:${prefix}="${escapeText(text.slice(sep + 1))}">${escapeText(value)}</${name}>`;
  }
  return text === '' ? `<${name}${xmlns}/>` : `<${name}${xmlns}>${escapeText(text)}</${name}>`;
}

/**
 * Sets of 1 to `max` new instances of `service` (keys unlike those in the config), from its
 * YANG list; undefined `arbitrary` when the list is not in the YANG or a mandatory node has
 * no values.
 */
export function instanceGenerator(yang: SchemaSet, config: Element, service: string, taken: ReadonlySet<string>, max = 3): InstanceGenerator {
  const list = serviceList(yang, service);
  if (!list) return { service, arbitrary: undefined, notes: [`no YANG list ${service} under /ctrl:services: no instances generated`] };
  const b = new Builder(yang, config, service);
  const entry = b.entry(list, '', ` xmlns="${escapeText(list.module.namespace)}"`);
  if (!entry || list.keys.length !== 1) {
    const why = list.keys.length !== 1 ? `its key has ${list.keys.length} leaves (a creator tag names one)` : 'a mandatory node has no value to generate';
    return { service, arbitrary: undefined, notes: [...b.notes, `${service}: no instances generated: ${why}`] };
  }
  const key = list.keys[0]!;
  const arbitrary = fc
    // A quote in a key would end the creator tag's value early.
    .uniqueArray(entry.filter((e) => !taken.has(e.key) && !e.key.includes("'")), { minLength: 1, maxLength: max, selector: (e) => e.key })
    .map((es) => es.map((e) => ({ entry: `${service}[${key}='${e.key}']`, key: e.key, xml: e.xml })));
  return { service, arbitrary, notes: b.notes };
}
