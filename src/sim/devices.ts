/**
 * Simulated devices of different kinds: each kind is a set of YANG modules (a module-set),
 * compiled once with src/yang and shared by every device of that kind, as the controller
 * keeps one YANG domain per module-set. What the simulator does with a device's models:
 * its module-set as the controller serves it (RFC 8525 yang-library under the device's
 * config mount point in `get`), `get-device-schema`, binding edit-config content under the
 * device's `config` to its models (unknown elements refused), and validating the device's
 * config at validate and commit.
 *
 * Followed clixon-controller 1.8 (controller_lib.c schema_list2yang_library: module-set
 * named after the device-domain; controller_rpc.c rpc_get_device_schema) and clixon 7.8
 * (clixon_xml_bind.c), with the formats and messages as the rig answered them (dev1 of
 * clixon-example, oc1 of OpenConfig; test/fixtures/models holds the recorded replies).
 */
import { readFileSync } from 'node:fs';
import { YangContext, YangError } from '../yang/index.ts';
import { SchemaSet } from '../yang/schemaset.ts';
import { validateDocument } from '../yang/validate.ts';
import { parseString } from '../xml/parser.ts';
import { dataChildren, type SchemaNode } from '../yang/schema.ts';
import { escapeText } from '../xml/element.ts';
import { NS } from './datamodel.ts';
import { SimRpcError } from './edit.ts';
import { parseXml, type SNode } from './tree.ts';

export interface DeviceKind {
  /** Folders holding the kind's YANG (searched recursively). */
  yangDirs: string[];
  /** The modules the device implements; what they import comes with them. None: every module in the folders. */
  modules?: string[];
  /** The devices of this kind: names or glob patterns (`oc*`). The first kind that matches a device is its kind. */
  devices: string[];
}

/** One module of a module-set, as the yang-library lists it; `file` is where the simulator read it. */
export interface ModuleEntry {
  name: string;
  revision: string;
  namespace: string;
  file: string;
  /** A submodule: listed with its module's namespace in the yang-library, without one in get-device-schema. */
  submodule: boolean;
}

/** A kind's models could not be read whole: the simulator refuses to start rather than check devices against part of them. */
export class DeviceKindError extends Error {
  constructor(
    readonly kind: string,
    readonly problems: readonly string[],
  ) {
    super(`device kind ${kind}: its YANG cannot be read whole:\n${problems.map((p) => `  ${p}`).join('\n')}`);
    this.name = 'DeviceKindError';
  }
}

/** A kind's compiled models. */
export class KindModels {
  /** The module-set: every module and submodule the kind's modules bring, by name (the controller sorts the list). */
  readonly modules: readonly ModuleEntry[];

  constructor(
    readonly kind: string,
    readonly schemas: SchemaSet,
    /** Time to read and compile the kind's YANG, ms. */
    readonly compileMs: number,
  ) {
    const out: ModuleEntry[] = [];
    for (const m of schemas.modules.values()) {
      out.push({ name: m.name, revision: m.revision ?? '', namespace: m.namespace, file: m.file, submodule: false });
      // A submodule is a schema of its own in the device's list, with its module's namespace.
      for (const s of m.submodules) out.push({ name: s.arg ?? '', revision: latestRevision(s), namespace: m.namespace, file: s.file, submodule: true });
    }
    this.modules = out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  private readonly libraries = new Map<string, SNode>();

  /** yangLibraryXml as a node of its own (a copy of one parsed per domain: a `get` of many devices parses it once). */
  yangLibrary(domain: string): SNode {
    let lib = this.libraries.get(domain);
    if (!lib) this.libraries.set(domain, (lib = parseXml(this.yangLibraryXml(domain)).children[0]!));
    return lib.clone();
  }

  /**
   * The device's yang-library as the controller adds it under the device's config in `get`
   * (location NETCONF: the controller fetched each schema from the device, as on the rig).
   */
  yangLibraryXml(domain: string): string {
    let x = `<yang-library xmlns="${NS.yangLibrary}"><module-set><name>${escapeText(domain)}</name>`;
    for (const m of this.modules)
      x += `<module><name>${escapeText(m.name)}</name><revision>${m.revision}</revision><namespace>${escapeText(m.namespace)}</namespace><location>NETCONF</location></module>`;
    return x + '</module-set></yang-library>';
  }
}

/**
 * The `schema` entries of a get-device-schema reply: the modules of the device's models,
 * those of the name and revision asked (a module without a revision matches any), with
 * the YANG text in `data` when `detail`; none match: an empty reply, as the controller's
 * (controller_rpc.c rpc_get_device_schema). The text is CDATA when one module is asked
 * for by name, escaped character data otherwise: so the rig's socket sends them (its
 * clixon_netconf client shows CDATA for all).
 */
export function deviceSchemaXml(models: KindModels, filter: { name?: string; revision?: string; detail: boolean }): string {
  let x = '';
  for (const m of models.modules) {
    if (filter.name !== undefined && filter.name !== m.name) continue;
    if (m.revision !== '' && filter.revision !== undefined && filter.revision !== m.revision) continue;
    x += `<schema xmlns="${NS.ctrl}"><name>${escapeText(m.name)}</name>`;
    if (m.revision !== '') x += `<revision>${m.revision}</revision>`;
    if (!m.submodule) x += `<namespace>${escapeText(m.namespace)}</namespace>`;
    if (filter.detail) {
      const text = readFileSync(m.file, 'utf8');
      x += filter.name !== undefined ? `<data><![CDATA[${text.replaceAll(']]>', ']]]]><![CDATA[>')}]]></data>` : `<data>${escapeText(text)}</data>`;
    }
    x += '</schema>';
  }
  return x;
}

function latestRevision(s: { subs: readonly { keyword: string; arg?: string }[] }): string {
  return s.subs.filter((r) => r.keyword === 'revision').map((r) => r.arg ?? '').sort().at(-1) ?? '';
}

/** A device name pattern as the controller matches it (fnmatch: `*`, `?`). */
export function globToRegExp(glob: string): RegExp {
  const re = glob.replace(/[.+^${}()|\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${re}$`);
}

/** The kinds of a simulator's devices, each compiled once. */
export class DeviceModels {
  private readonly kinds: { models: KindModels; patterns: RegExp[] }[] = [];

  /** Throws DeviceKindError when a kind's YANG cannot be read whole. */
  constructor(kinds: Record<string, DeviceKind> = {}) {
    for (const [name, kind] of Object.entries(kinds)) {
      const t0 = performance.now();
      const ctx = new YangContext(kind.yangDirs);
      try {
        if (kind.modules) ctx.load(kind.modules);
        else ctx.loadAll();
      } catch (err) {
        if (err instanceof YangError) throw new DeviceKindError(name, [err.message]);
        throw err;
      }
      const schemas = new SchemaSet(ctx, kind.yangDirs);
      if (schemas.problems.length > 0) throw new DeviceKindError(name, schemas.problems);
      this.kinds.push({ models: new KindModels(name, schemas, performance.now() - t0), patterns: kind.devices.map(globToRegExp) });
    }
  }

  /** Every kind's models, in the order given. */
  all(): KindModels[] {
    return this.kinds.map((k) => k.models);
  }

  /** The models of a device: its kind's, or undefined for a device of no kind (its config is not checked). */
  of(device: string): KindModels | undefined {
    return this.kinds.find((k) => k.patterns.some((p) => p.test(device)))?.models;
  }
}

/**
 * Binds edit-config content under a device's `config` to the device's models, as the
 * controller does at edit-config: an element its parent's YANG has not is refused with
 * unknown-element naming the parent and the namespace, and, below the top level, the
 * parent's module file (seen on the rig, clixon-controller 1.8 with an OpenConfig device:
 * clixon-example's `table` under oc1's config, an unknown child of openconfig-system's
 * `system`).
 */
export function bindDeviceConfig(config: SNode, models: KindModels): void {
  for (const top of config.children) {
    const node = models.schemas.top(top.ns, top.localName, true);
    if (!node) throw unknownElement(top.localName, `Failed to find YANG spec of XML node: ${top.localName} with parent: config in namespace: ${top.ns}`);
    bindChildren(top, node);
  }
}

function bindChildren(x: SNode, y: SchemaNode): void {
  if (y.kind === 'anydata' || y.kind === 'anyxml') return;
  if (x.children.length === 0) return;
  const kids = dataChildren(y);
  for (const c of x.children) {
    const ns = c.ns;
    const yc = kids.find((k) => k.name === c.localName && k.module.namespace === ns);
    if (!yc)
      throw unknownElement(c.localName, `Failed to find YANG spec of XML node: ${c.localName} with parent: ${x.localName} in namespace: ${ns} in file: ${y.module.file}`);
    bindChildren(c, yc);
  }
}

function unknownElement(name: string, message: string): SimRpcError {
  return new SimRpcError('application', 'unknown-element', message, `<bad-element>${escapeText(name)}</bad-element>`);
}

/** A `--kind` or `--device` argument refused: the message says which and why. */
export class KindUsageError extends Error {
  override name = 'KindUsageError';
}

/**
 * Device kinds from `--kind <name>=<dir>[,<dir>…][:<module>,…]` (the kind's YANG folders,
 * and the modules its devices implement: default every module there) and
 * `--device <glob>=<kind>` (which devices are of that kind).
 */
export function parseKinds(kinds: readonly string[], devices: readonly string[]): Record<string, DeviceKind> {
  const out: Record<string, DeviceKind> = {};
  for (const k of kinds) {
    const m = /^([^=]+)=([^:]+)(?::(.+))?$/.exec(k);
    if (!m) throw new KindUsageError(`--kind ${k}: expected <name>=<dir>[,<dir>...][:<module>,...]`);
    out[m[1]!] = { yangDirs: m[2]!.split(','), devices: [], ...(m[3] ? { modules: m[3].split(',') } : {}) };
  }
  for (const d of devices) {
    const m = /^([^=]+)=(.+)$/.exec(d);
    if (!m) throw new KindUsageError(`--device ${d}: expected <device glob>=<kind>`);
    const kind = out[m[2]!];
    if (!kind) throw new KindUsageError(`--device ${d}: no --kind ${m[2]} given (kinds: ${Object.keys(out).join(', ') || 'none'})`);
    kind.devices.push(m[1]!);
  }
  for (const [name, kind] of Object.entries(out))
    if (kind.devices.length === 0) throw new KindUsageError(`--kind ${name}: no device is of this kind (give --device <glob>=${name})`);
  return out;
}

/**
 * Validates a device's config with its models, as the controller does at validate and
 * commit for a device whose yang-config is VALIDATE (leaf values are not checked at
 * edit-config: seen on the rig, a bad enumeration value under dev1's config is accepted
 * by edit-config and refused by validate, commit and controller-commit). The first issue
 * is the rpc-error, in the controller's shape: application, bad-element (missing-element
 * for a mandatory node missing), the node's name as bad-element, the path as error-path;
 * the message text is src/yang's, not clixon's.
 */
export function validateDeviceConfig(device: string, config: SNode, models: KindModels): void {
  if (config.children.length === 0) return;
  const doc = parseString(config.children.map((c) => c.toXml()).join(''));
  const issue = validateDocument(doc, models.schemas).issues[0];
  if (!issue) return;
  const last = issue.path.split('/').at(-1) ?? '';
  const name = last.replace(/\[.*$/, '');
  const tag = /^missing mandatory /.test(issue.message) ? 'missing-element' : 'bad-element';
  throw new SimRpcError('application', tag, `${issue.message} error-path: /devices/device[name="${device}"]/config${issue.path}`, `<bad-element>${escapeText(name)}</bad-element>`);
}

/** The `device-domain` of a device entry (the module-set's name), `default` as the controller's YANG says. */
export function deviceDomain(device: SNode): string {
  return device.childText('device-domain') ?? 'default';
}

