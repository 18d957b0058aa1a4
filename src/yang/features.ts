/**
 * if-feature: the expression parsed (RFC 7950 7.20.2: `not` binds tighter than `and`, `and`
 * tighter than `or`, parentheses group), its features resolved to their modules where the
 * statement was written, and evaluated against a set of enabled features. Which conditions
 * hold a node is recorded by `compile.ts`; validation asks `nodeEnabled` with a device's features.
 */
import type { SchemaNode } from './schema.ts';

/** An if-feature expression with every feature name resolved to the module that defines it. */
export type FeatureExpr =
  | { op: 'feature'; module: string; name: string }
  | { op: 'not'; arg: FeatureExpr }
  | { op: 'and' | 'or'; args: [FeatureExpr, FeatureExpr] };

/**
 * Enabled features per module name. A module not named has every feature on, and so has
 * every module when no set is given: as pyang does without `-F`, and as a device whose
 * features are not known.
 */
export type FeatureSet = Readonly<Record<string, readonly string[]>>;

/** An if-feature argument that is not an expression (`a and`, `(a`, `a b`). */
export class FeatureSyntaxError extends Error {
  constructor(readonly expr: string, detail: string) {
    super(`if-feature "${expr}": ${detail}`);
    this.name = 'FeatureSyntaxError';
  }
}

/**
 * Parses an if-feature argument; `resolve` turns each `prefix:name` or `name` into its
 * module and name (throwing when the prefix or feature is unknown).
 */
export function parseFeatureExpr(expr: string, resolve: (ref: string) => { module: string; name: string }): FeatureExpr {
  const toks = expr.match(/[()]|[^\s()]+/g) ?? [];
  let i = 0;
  const fail = (detail: string): never => {
    throw new FeatureSyntaxError(expr, detail);
  };
  const factor = (): FeatureExpr => {
    const t = toks[i++];
    if (t === undefined) return fail('ends where a feature was expected');
    if (t === 'not') return { op: 'not', arg: factor() };
    if (t === '(') {
      const inner = orExpr();
      if (toks[i++] !== ')') fail("missing ')'");
      return inner;
    }
    if (t === ')' || t === 'and' || t === 'or') return fail(`'${t}' where a feature was expected`);
    return { op: 'feature', ...resolve(t) };
  };
  // `a and b and c` groups to the left; or-operands are and-expressions (and binds tighter).
  const chain = (op: 'and' | 'or', operand: () => FeatureExpr) => (): FeatureExpr => {
    let left = operand();
    while (toks[i] === op) {
      i++;
      left = { op, args: [left, operand()] };
    }
    return left;
  };
  const andExpr = chain('and', factor);
  const orExpr = chain('or', andExpr);
  const e = orExpr();
  if (i < toks.length) fail(`unexpected '${toks[i]}'`);
  return e;
}

/** Whether the expression holds when `features` are the enabled ones. */
export function featureExprHolds(e: FeatureExpr, features?: FeatureSet): boolean {
  switch (e.op) {
    case 'feature': {
      const on = features?.[e.module];
      return on === undefined || on.includes(e.name);
    }
    case 'not':
      return !featureExprHolds(e.arg, features);
    case 'and':
      return featureExprHolds(e.args[0], features) && featureExprHolds(e.args[1], features);
    case 'or':
      return featureExprHolds(e.args[0], features) || featureExprHolds(e.args[1], features);
  }
}

/** Whether every if-feature on the node itself (its own, its uses' and its augment's) holds. */
export function ownConditionsHold(node: SchemaNode, features?: FeatureSet): boolean {
  return node.conditions.every((c) => featureExprHolds(c, features));
}

/** Whether the node and every node above it are enabled with `features`. */
export function nodeEnabled(node: SchemaNode, features?: FeatureSet): boolean {
  for (let n: SchemaNode | undefined = node; n; n = n.parent) if (!ownConditionsHold(n, features)) return false;
  return true;
}
