/**
 * What the simulator's datastore code knows of the data model: list keys, leaf-lists,
 * containers, ordered-by user, module names per namespace, and the service lists under
 * /ctrl:services. Read from compiled schemas (src/yang's SchemaSet: the one YANG reader),
 * plus the controller's own names the simulator relies on when its YANG is not given.
 *
 * The datastore code (edit.ts, textdiff.ts, xpath.ts) asks by local name, without the
 * path. Where models disagree about a name (OpenConfig's `interface` is keyed by `name`
 * in one list and by `id` in another; `table` is a list there and a container in
 * clixon-example), every reading is kept: keysOf picks the key set whose leaves the entry
 * has (none held and the name is also a container: a container); a name that is a
 * leaf-list in one place and a leaf in another is not called a leaf-list (repeated
 * siblings still make one); ordered-by user holds only where every list of that name
 * says so.
 */
import { SchemaSet } from '../yang/schemaset.ts';
import type { SchemaNode } from '../yang/schema.ts';

export const NS = {
  base: 'urn:ietf:params:xml:ns:netconf:base:1.0',
  notif: 'urn:ietf:params:xml:ns:netconf:notification:1.0',
  netmodNotif: 'urn:ietf:params:xml:ns:netmod:notification',
  ctrl: 'http://clicon.org/controller',
  lib: 'http://clicon.org/lib',
  yangLibrary: 'urn:ietf:params:xml:ns:yang:ietf-yang-library',
} as const;

export interface ServiceList {
  name: string;
  key: string;
  ns: string;
}

/**
 * The controller's model as far as the simulator relies on it (clixon-controller.yang:
 * devices, device groups and profiles, templates and their variables, transactions and
 * their device data, the created-by-service paths), for when its YANG is not loaded.
 */
const CONTROLLER_LISTS: [string, string[]][] = [
  ['device', ['name']], ['transaction', ['tid']], ['template', ['name']], ['rpc-template', ['name']],
  ['variable', ['name']], ['devdata', ['name']], ['device-group', ['name']], ['device-profile', ['name']],
];
const CONTROLLER_CONTAINERS = ['devices', 'services', 'config', 'created', 'transactions', 'processes', 'variables'];

/** How one name is used across the models read. */
interface NameUse {
  keySets: string[][];
  leafList: boolean;
  leaf: boolean;
  container: boolean;
  /** Lists and leaf-lists of this name ordered by the user, and by the system. */
  userOrdered: number;
  systemOrdered: number;
}

export class Schema {
  private readonly uses = new Map<string, NameUse>();
  /**
   * The keys of the controller's and the services' lists: what goes to src/xml's
   * registerListKeys, which is by name for the whole process. Device models stay out: their
   * names collide across models (OpenConfig's `table` list, clixon-example's `table`
   * container), and one run's models would change how the next run's trees match.
   */
  readonly registryKeys = new Map<string, string[]>(CONTROLLER_LISTS);
  readonly leafLists = new Set<string>();
  /** Names used for containers and never for lists. */
  private readonly containers = new Set<string>();
  readonly orderedByUser = new Set<string>();
  readonly moduleByNs = new Map<string, string>();
  readonly services = new Map<string, ServiceList>();
  /** What the schema sets added could not read (a module left out, an augment target missing). */
  readonly problems: string[] = [];

  constructor() {
    for (const [name, keys] of CONTROLLER_LISTS) this.use(name).keySets.push(keys);
    for (const name of CONTROLLER_CONTAINERS) this.use(name).container = true;
    this.use('path').leafList = true;
    this.moduleByNs.set(NS.ctrl, 'clixon-controller');
    this.moduleByNs.set(NS.lib, 'clixon-lib');
    this.settle();
  }

  /** The models in these folders (recursively): services', the controller's, devices'. */
  static fromDirs(dirs: readonly string[]): Schema {
    const s = new Schema();
    if (dirs.length > 0) s.add(SchemaSet.fromDirs(dirs));
    return s;
  }

  /** Adds every data node of a compiled schema set. */
  add(set: SchemaSet): this {
    this.problems.push(...set.problems);
    for (const mod of set.modules.values()) {
      this.moduleByNs.set(mod.namespace, mod.name);
      for (const n of mod.nodes) this.walk(n);
    }
    const services = set.top(NS.ctrl, 'services', false);
    const serviceModules = new Set<string>([NS.ctrl]);
    for (const l of services?.children ?? []) {
      if (l.kind !== 'list' || l.keys[0] === undefined) continue;
      this.services.set(l.name, { name: l.name, key: l.keys[0], ns: l.module.namespace });
      serviceModules.add(l.module.namespace);
    }
    for (const mod of set.modules.values()) if (serviceModules.has(mod.namespace)) for (const n of mod.nodes) this.register(n);
    this.settle();
    return this;
  }

  /** A list wherever the models use the name (a name also used for a container is not). */
  isList(local: string): boolean {
    const u = this.uses.get(local);
    return u !== undefined && u.keySets.length > 0 && !u.container;
  }

  /**
   * Key leaf names of an entry: of the key sets this name has, the first whose leaves the
   * entry holds; else none where the name is also a container (clixon-example's `table`
   * beside OpenConfig's `table` list), else the first. A name no YANG lists: `name` when
   * the entry has one and the name is no container.
   */
  keysOf(local: string, hasChild: (n: string) => boolean): string[] {
    const u = this.uses.get(local);
    if (u && u.keySets.length > 0) {
      const held = u.keySets.find((ks) => ks.every(hasChild));
      if (held) return held;
      return u.container ? [] : u.keySets[0]!;
    }
    if (!this.containers.has(local) && hasChild('name')) return ['name'];
    return [];
  }

  knownNamespace(ns: string): boolean {
    return this.moduleByNs.has(ns);
  }

  private use(name: string): NameUse {
    let u = this.uses.get(name);
    if (!u) this.uses.set(name, (u = { keySets: [], leafList: false, leaf: false, container: false, userOrdered: 0, systemOrdered: 0 }));
    return u;
  }

  private walk(n: SchemaNode): void {
    if (n.kind === 'rpc' || n.kind === 'action' || n.kind === 'notification') return;
    if (n.kind !== 'choice' && n.kind !== 'case') {
      const u = this.use(n.name);
      if (n.kind === 'list' || n.kind === 'leaf-list') {
        if (n.orderedByUser) u.userOrdered++;
        else u.systemOrdered++;
      }
      if (n.kind === 'list') {
        if (n.keys.length > 0 && !u.keySets.some((ks) => ks.join(' ') === n.keys.join(' '))) u.keySets.push(n.keys);
      } else if (n.kind === 'leaf-list') u.leafList = true;
      else if (n.kind === 'leaf') u.leaf = true;
      else if (n.kind === 'container') u.container = true;
    }
    for (const c of n.children) this.walk(c);
  }

  private register(n: SchemaNode): void {
    if (n.kind === 'rpc' || n.kind === 'action' || n.kind === 'notification') return;
    if (n.kind === 'list' && n.keys.length > 0 && !this.registryKeys.has(n.name)) this.registryKeys.set(n.name, n.keys);
    for (const c of n.children) this.register(c);
  }

  /** The by-name tables from the uses (see the header for names the models disagree on). */
  private settle(): void {
    for (const [name, u] of this.uses) {
      if (u.leafList && !u.leaf) this.leafLists.add(name);
      else this.leafLists.delete(name);
      if (u.container && u.keySets.length === 0) this.containers.add(name);
      else this.containers.delete(name);
      if (u.userOrdered > 0 && u.systemOrdered === 0) this.orderedByUser.add(name);
      else this.orderedByUser.delete(name);
    }
  }
}
