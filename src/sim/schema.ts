/**
 * What the simulator knows of the data model: list keys, leaf-lists, containers, module
 * names per namespace, and the service lists under /ctrl:services. Read from YANG files
 * with a tiny regex reader (no full YANG parser: names are global, not per path), plus
 * the controller's own model built in.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

export const NS = {
  base: 'urn:ietf:params:xml:ns:netconf:base:1.0',
  notif: 'urn:ietf:params:xml:ns:netconf:notification:1.0',
  netmodNotif: 'urn:ietf:params:xml:ns:netmod:notification',
  ctrl: 'http://clicon.org/controller',
  lib: 'http://clicon.org/lib',
} as const;

export interface ServiceList {
  name: string;
  key: string;
  ns: string;
}

export class Schema {
  readonly listKeys = new Map<string, string[]>();
  readonly leafLists = new Set<string>();
  readonly containers = new Set<string>();
  readonly orderedByUser = new Set<string>();
  readonly moduleByNs = new Map<string, string>();
  readonly services = new Map<string, ServiceList>();

  constructor() {
    // The controller's model: the names the simulator itself relies on.
    this.listKeys.set('device', ['name']);
    this.listKeys.set('transaction', ['tid']);
    this.listKeys.set('template', ['name']);
    this.listKeys.set('rpc-template', ['name']);
    this.listKeys.set('variable', ['name']);
    this.listKeys.set('devdata', ['name']);
    this.listKeys.set('device-group', ['name']);
    this.listKeys.set('device-profile', ['name']);
    for (const c of ['devices', 'services', 'config', 'created', 'transactions', 'processes', 'table', 'variables'])
      this.containers.add(c);
    this.leafLists.add('path');
    this.moduleByNs.set(NS.ctrl, 'clixon-controller');
    this.moduleByNs.set('urn:example:clixon', 'clixon-example');
    this.moduleByNs.set(NS.lib, 'clixon-lib');
    this.listKeys.set('parameter', ['name']);
    // OpenConfig system users, which the ssh-users example writes on devices.
    this.listKeys.set('user', ['username']);
    this.moduleByNs.set('http://openconfig.net/yang/system', 'openconfig-system');
  }

  isList(local: string): boolean {
    return this.listKeys.has(local);
  }

  /** Key leaf names of an entry: registered keys, else `name` when the entry has one. */
  keysOf(local: string, hasChild: (n: string) => boolean): string[] {
    const k = this.listKeys.get(local);
    if (k) return k;
    if (!this.containers.has(local) && hasChild('name')) return ['name'];
    return [];
  }

  knownNamespace(ns: string): boolean {
    return this.moduleByNs.has(ns);
  }

  /** Reads every *.yang below the given folders. */
  loadDirs(dirs: string[]): void {
    for (const d of dirs) for (const f of yangFiles(d)) this.loadText(readFileSync(f, 'utf8'));
  }

  loadText(text: string): void {
    const src = stripComments(text);
    const mod = /\b(module|submodule)\s+([\w.-]+)\s*\{/.exec(src);
    const ns = /\bnamespace\s+"([^"]+)"/.exec(src) ?? /\bnamespace\s+'([^']+)'/.exec(src) ?? /\bnamespace\s+(\S+?)\s*;/.exec(src);
    if (mod && ns && mod[1] === 'module') this.moduleByNs.set(ns[1]!, mod[2]!);
    for (const m of src.matchAll(/\blist\s+([\w.-]+)\s*\{/g)) {
      const body = blockAt(src, m.index! + m[0].length - 1);
      const key = /^\s*key\s+"?([^";]+)"?\s*;/m.exec(stripNested(body));
      if (key) this.listKeys.set(m[1]!, key[1]!.trim().split(/\s+/));
      if (/^\s*ordered-by\s+"?user"?\s*;/m.test(stripNested(body))) this.orderedByUser.add(m[1]!);
    }
    for (const m of src.matchAll(/\bleaf-list\s+([\w.-]+)\s*([{;])/g)) {
      this.leafLists.add(m[1]!);
      if (m[2] === '{' && /^\s*ordered-by\s+"?user"?\s*;/m.test(stripNested(blockAt(src, m.index! + m[0].length - 1))))
        this.orderedByUser.add(m[1]!);
    }
    for (const m of src.matchAll(/\bcontainer\s+([\w.-]+)\s*\{/g)) this.containers.add(m[1]!);
    if (ns) {
      for (const a of src.matchAll(/\baugment\s+"?\/[\w-]+:services"?\s*\{/g)) {
        const body = stripNested(blockAt(src, a.index! + a[0].length - 1));
        for (const l of body.matchAll(/\blist\s+([\w.-]+)/g)) {
          const keys = this.listKeys.get(l[1]!);
          if (keys) this.services.set(l[1]!, { name: l[1]!, key: keys[0]!, ns: ns[1]! });
        }
      }
    }
  }
}

function yangFiles(dir: string): string[] {
  let out: string[] = [];
  let entries: string[];
  try {
    entries = readdirSync(dir);
  } catch {
    return out;
  }
  for (const e of entries) {
    const p = join(dir, e);
    if (statSync(p).isDirectory()) out = out.concat(yangFiles(p));
    else if (e.endsWith('.yang')) out.push(p);
  }
  return out;
}

function stripComments(s: string): string {
  return s.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:"])\/\/.*$/gm, '$1');
}

/** The text between the brace at `open` and its match. */
function blockAt(s: string, open: number): string {
  let depth = 0;
  for (let i = open; i < s.length; i++) {
    if (s[i] === '{') depth++;
    else if (s[i] === '}' && --depth === 0) return s.slice(open + 1, i);
  }
  return s.slice(open + 1);
}

/** Removes nested blocks deeper than `keep` levels, so statements of this level remain. */
function stripNested(s: string, keep = 0): string {
  let depth = 0;
  let out = '';
  for (const ch of s) {
    if (ch === '{') {
      depth++;
      if (depth <= keep) out += ch;
    } else if (ch === '}') {
      if (depth <= keep) out += ch;
      depth--;
    } else if (depth <= keep) out += ch;
  }
  return out;
}
