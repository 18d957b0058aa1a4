/**
 * The compiled schema: modules, identities, resolved types and the schema node tree that
 * `compile.ts` builds and `validate.ts`, `tree.ts` and `typegen.ts` read.
 */
import type { FeatureExpr } from './features.ts';
import type { Stmt } from './parse.ts';

export interface Identity {
  name: string;
  module: YangModule;
  bases: Identity[];
}

export interface YangModule {
  name: string;
  prefix: string;
  namespace: string;
  revision?: string;
  file: string;
  stmt: Stmt;
  /** Submodules' statements, read with the module. */
  submodules: Stmt[];
  identities: Map<string, Identity>;
  features: Map<string, Stmt>;
  /** Top-level data nodes, then rpcs and notifications, in document order; augments from other modules appended where they land. */
  nodes: SchemaNode[];
}

export type BuiltinType =
  | 'binary' | 'bits' | 'boolean' | 'decimal64' | 'empty' | 'enumeration' | 'identityref'
  | 'instance-identifier' | 'int8' | 'int16' | 'int32' | 'int64' | 'leafref' | 'string'
  | 'uint8' | 'uint16' | 'uint32' | 'uint64' | 'union';

/** A type with its typedef chain folded in: every restriction on the way applies. */
export interface TypeSpec {
  /** As written at the leaf (`oc-inet:domain-name`, `string`). */
  name: string;
  base: BuiltinType;
  /** Each inner list is one `range`/`length` statement: a value must be in every one. */
  ranges: [number, number][][];
  lengths: [number, number][][];
  patterns: { regex: RegExp; source: string; invert: boolean }[];
  enums?: string[];
  bits?: string[];
  identityBases?: Identity[];
  union?: TypeSpec[];
  leafrefPath?: string;
  fractionDigits?: number;
}

export type NodeKind =
  | 'container' | 'list' | 'leaf' | 'leaf-list' | 'choice' | 'case' | 'anydata' | 'anyxml'
  | 'rpc' | 'action' | 'input' | 'output' | 'notification';

export interface SchemaNode {
  kind: NodeKind;
  name: string;
  /** The module whose namespace the node is in. */
  module: YangModule;
  /** The defining statement: its file and line name the model code. */
  stmt: Stmt;
  parent?: SchemaNode;
  children: SchemaNode[];
  /** undefined inside rpcs, actions and notifications. */
  config?: boolean;
  status: 'current' | 'deprecated' | 'obsolete';
  /** The if-feature arguments as pyang prints them: the node's own, then those of the uses that put it here, then refine's. */
  ifFeatures: string[];
  /** Every if-feature that applies to this node itself (its own, its uses', its augment's), resolved: see `nodeEnabled`. */
  conditions: FeatureExpr[];
  mandatory: boolean;
  presence: boolean;
  keys: string[];
  type?: TypeSpec;
  defaults: string[];
  must: string[];
  when: string[];
  minElements?: number;
  maxElements?: number;
  orderedByUser: boolean;
  /** The if-feature arguments of the augment that added this node, printed after its own. */
  augmentIfFeatures?: string[];
  /** A case the YANG did not write: a data node directly in a choice is a case of its own name. */
  implicit?: boolean;
}

/** The data node tree, read as XML sees it: choices and cases are transparent; actions and notifications are not data. */
export function dataChildren(node: { children: SchemaNode[] }): SchemaNode[] {
  const out: SchemaNode[] = [];
  for (const c of node.children) {
    if (c.kind === 'choice' || c.kind === 'case') out.push(...dataChildren(c));
    else if (c.kind !== 'action' && c.kind !== 'notification' && c.kind !== 'rpc') out.push(c);
  }
  return out;
}

/** Whether `id` is `base` or derived from it. */
export function derivesFrom(id: Identity, base: Identity, seen = new Set<Identity>()): boolean {
  if (id === base) return true;
  if (seen.has(id)) return false;
  seen.add(id);
  return id.bases.some((b) => derivesFrom(b, base, seen));
}
