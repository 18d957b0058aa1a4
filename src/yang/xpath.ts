/**
 * XPath 1.0 (as YANG's `when`, `must` and leafref `path` use it, RFC 7950 section 6.4):
 * the tokenizer and parser (`parseXPath`, an AST cached per text) and the evaluator over
 * any tree through an adapter (`XPathTree`), with XPath 1.0's core functions and YANG's
 * (current, deref, derived-from, derived-from-or-self, re-match, enum-value, bit-is-set).
 * What YANG's values mean (identities, enums, leafref targets) the adapter says; the
 * engine knows only nodes, names and strings. Written from the XPath 1.0 recommendation.
 */

export class XPathError extends Error {
  constructor(
    message: string,
    readonly expression: string,
  ) {
    super(`${message} in XPath ${JSON.stringify(expression)}`);
    this.name = 'XPathError';
  }
}

export type Axis =
  | 'child' | 'descendant' | 'descendant-or-self' | 'parent' | 'ancestor' | 'ancestor-or-self' | 'self'
  | 'following-sibling' | 'preceding-sibling' | 'following' | 'preceding' | 'attribute' | 'namespace';

export type NodeTest =
  | { kind: 'name'; prefix?: string; local: string }
  | { kind: 'any'; prefix?: string }
  | { kind: 'type'; type: 'node' | 'text' | 'comment' | 'processing-instruction' };

export interface Step {
  axis: Axis;
  test: NodeTest;
  predicates: Expr[];
}

export type Expr =
  | { op: 'num'; value: number }
  | { op: 'str'; value: string }
  | { op: 'var'; name: string }
  | { op: 'fn'; name: string; args: Expr[] }
  | { op: 'path'; absolute: boolean; steps: Step[]; filter?: Expr; filterPredicates?: Expr[] }
  | { op: 'neg'; arg: Expr }
  | { op: 'or' | 'and' | '=' | '!=' | '<' | '<=' | '>' | '>=' | '+' | '-' | '*' | 'div' | 'mod' | '|'; left: Expr; right: Expr };

// ---- tokenizer ---------------------------------------------------------------------------

type Token = { t: 'num'; v: number } | { t: 'str'; v: string } | { t: 'name'; v: string } | { t: 'op'; v: string } | { t: 'var'; v: string };

const AXES = new Set<string>([
  'child', 'descendant', 'descendant-or-self', 'parent', 'ancestor', 'ancestor-or-self', 'self',
  'following-sibling', 'preceding-sibling', 'following', 'preceding', 'attribute', 'namespace',
]);
const NODE_TYPES = new Set(['node', 'text', 'comment', 'processing-instruction']);
const NAME_START = /[A-Za-z_\u00C0-\uFFFF]/;
const NAME_CHAR = /[A-Za-z0-9_.\-\u00B7\u00C0-\uFFFF]/;

function tokenize(src: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  // XPath 1.0 3.7: `*` and an NCName are operators unless they start the expression or follow @ :: ( [ , or an operator.
  const operatorContext = (): boolean => {
    const p = out.at(-1);
    if (!p) return false;
    if (p.t === 'op') return p.v === ')' || p.v === ']' || p.v === '.' || p.v === '..' || p.v === '*n';
    return true;
  };
  while (i < src.length) {
    const c = src[i]!;
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    if (c === '"' || c === "'") {
      const end = src.indexOf(c, i + 1);
      if (end < 0) throw new XPathError('unterminated string', src);
      out.push({ t: 'str', v: src.slice(i + 1, end) });
      i = end + 1;
      continue;
    }
    if (/[0-9]/.test(c) || (c === '.' && /[0-9]/.test(src[i + 1] ?? ''))) {
      const m = /^[0-9]*(?:\.[0-9]*)?/.exec(src.slice(i))!;
      out.push({ t: 'num', v: Number(m[0]) });
      i += m[0].length;
      continue;
    }
    const two = src.slice(i, i + 2);
    if (['//', '::', '..', '!=', '<=', '>='].includes(two)) {
      out.push({ t: 'op', v: two });
      i += 2;
      continue;
    }
    if (c === '*') {
      // A multiply, or a name test (kept apart as '*n' so the parser needs no lookbehind).
      out.push({ t: 'op', v: operatorContext() ? '*' : '*n' });
      i++;
      continue;
    }
    if ('/()[]@,|+-=<>.'.includes(c)) {
      out.push({ t: 'op', v: c });
      i++;
      continue;
    }
    if (c === '$') {
      const m = /^\$([A-Za-z_][\w.\-]*(?::[A-Za-z_][\w.\-]*)?)/.exec(src.slice(i));
      if (!m) throw new XPathError('bad variable reference', src);
      out.push({ t: 'var', v: m[1]! });
      i += m[0].length;
      continue;
    }
    if (NAME_START.test(c)) {
      let j = i + 1;
      while (j < src.length && NAME_CHAR.test(src[j]!)) j++;
      let name = src.slice(i, j);
      if (operatorContext() && ['and', 'or', 'mod', 'div'].includes(name)) {
        out.push({ t: 'op', v: name });
        i = j;
        continue;
      }
      // QName (pfx:local) or pfx:* — but not the axis separator `::`.
      if (src[j] === ':' && src[j + 1] !== ':') {
        if (src[j + 1] === '*') {
          out.push({ t: 'name', v: `${name}:*` });
          i = j + 2;
          continue;
        }
        let k = j + 1;
        if (NAME_START.test(src[k] ?? '')) {
          while (k < src.length && NAME_CHAR.test(src[k]!)) k++;
          name = src.slice(i, k);
          j = k;
        }
      }
      out.push({ t: 'name', v: name });
      i = j;
      continue;
    }
    throw new XPathError(`unexpected character ${JSON.stringify(c)}`, src);
  }
  return out;
}

// ---- parser ----------------------------------------------------------------------------

const cache = new Map<string, Expr>();

/** The expression's syntax tree; the same text parses once. Throws XPathError. */
export function parseXPath(src: string): Expr {
  let e = cache.get(src);
  if (!e) {
    e = new Parser(src).parse();
    cache.set(src, e);
  }
  return e;
}

class Parser {
  private readonly toks: Token[];
  private i = 0;

  constructor(private readonly src: string) {
    this.toks = tokenize(src);
  }

  parse(): Expr {
    const e = this.or();
    if (this.i < this.toks.length) this.fail(`unexpected ${this.show(this.toks[this.i])}`);
    return e;
  }

  private fail(msg: string): never {
    throw new XPathError(msg, this.src);
  }

  private show(t: Token | undefined): string {
    return t ? JSON.stringify(t.v) : 'end';
  }

  private peekOp(...ops: string[]): string | undefined {
    const t = this.toks[this.i];
    return t?.t === 'op' && ops.includes(t.v) ? t.v : undefined;
  }

  private expectOp(op: string): void {
    if (!this.peekOp(op)) this.fail(`expected ${op}, found ${this.show(this.toks[this.i])}`);
    this.i++;
  }

  private binary(next: () => Expr, ops: string[]): Expr {
    let left = next();
    for (let op = this.peekOp(...ops); op; op = this.peekOp(...ops)) {
      this.i++;
      left = { op: op as 'or', left, right: next() };
    }
    return left;
  }

  private or = (): Expr => this.binary(this.and, ['or']);
  private and = (): Expr => this.binary(this.equality, ['and']);
  private equality = (): Expr => this.binary(this.relational, ['=', '!=']);
  private relational = (): Expr => this.binary(this.additive, ['<', '<=', '>', '>=']);
  private additive = (): Expr => this.binary(this.multiplicative, ['+', '-']);
  private multiplicative = (): Expr => this.binary(this.unary, ['*', 'div', 'mod']);

  private unary = (): Expr => {
    if (this.peekOp('-')) {
      this.i++;
      return { op: 'neg', arg: this.unary() };
    }
    return this.binary(this.pathExpr, ['|']);
  };

  private pathExpr = (): Expr => {
    const t = this.toks[this.i];
    const startsFilter =
      t !== undefined &&
      (t.t === 'num' || t.t === 'str' || t.t === 'var' || (t.t === 'op' && t.v === '(') ||
        (t.t === 'name' && this.toks[this.i + 1]?.t === 'op' && this.toks[this.i + 1]!.v === '(' && !NODE_TYPES.has(t.v)));
    if (!startsFilter) return this.locationPath();
    const filter = this.primary();
    const filterPredicates = this.predicates();
    if (!this.peekOp('/', '//')) return filterPredicates.length ? { op: 'path', absolute: false, steps: [], filter, filterPredicates } : filter;
    const steps = this.relativeSteps();
    return { op: 'path', absolute: false, steps, filter, filterPredicates };
  };

  private primary(): Expr {
    const t = this.toks[this.i++]!;
    if (t.t === 'num') return { op: 'num', value: t.v };
    if (t.t === 'str') return { op: 'str', value: t.v };
    if (t.t === 'var') return { op: 'var', name: t.v };
    if (t.t === 'op' && t.v === '(') {
      const e = this.or();
      this.expectOp(')');
      return e;
    }
    if (t.t === 'name') {
      this.expectOp('(');
      const args: Expr[] = [];
      if (!this.peekOp(')')) {
        args.push(this.or());
        while (this.peekOp(',')) {
          this.i++;
          args.push(this.or());
        }
      }
      this.expectOp(')');
      return { op: 'fn', name: t.v, args };
    }
    return this.fail(`unexpected ${this.show(t)}`);
  }

  private predicates(): Expr[] {
    const out: Expr[] = [];
    while (this.peekOp('[')) {
      this.i++;
      out.push(this.or());
      this.expectOp(']');
    }
    return out;
  }

  private locationPath(): Expr {
    if (this.peekOp('/')) {
      this.i++;
      // `/` alone is the root; a step may follow.
      return { op: 'path', absolute: true, steps: this.startsStep() ? this.steps() : [] };
    }
    if (this.peekOp('//')) {
      this.i++;
      return { op: 'path', absolute: true, steps: [DESCENDANT_OR_SELF, ...this.steps()] };
    }
    return { op: 'path', absolute: false, steps: this.steps() };
  }

  /** More steps after a filter expression: `/step` or `//step`, repeated. */
  private relativeSteps(): Step[] {
    const out: Step[] = [];
    for (let sep = this.peekOp('/', '//'); sep; sep = this.peekOp('/', '//')) {
      this.i++;
      if (sep === '//') out.push(DESCENDANT_OR_SELF);
      out.push(this.step());
    }
    return out;
  }

  private startsStep(): boolean {
    const t = this.toks[this.i];
    return t !== undefined && (t.t === 'name' || (t.t === 'op' && ['*n', '@', '.', '..'].includes(t.v)));
  }

  private steps(): Step[] {
    const out = [this.step()];
    out.push(...this.relativeSteps());
    return out;
  }

  private step(): Step {
    if (this.peekOp('.')) {
      this.i++;
      return { axis: 'self', test: { kind: 'type', type: 'node' }, predicates: [] };
    }
    if (this.peekOp('..')) {
      this.i++;
      return { axis: 'parent', test: { kind: 'type', type: 'node' }, predicates: [] };
    }
    let axis: Axis = 'child';
    if (this.peekOp('@')) {
      this.i++;
      axis = 'attribute';
    } else {
      const t = this.toks[this.i];
      if (t?.t === 'name' && this.toks[this.i + 1]?.t === 'op' && this.toks[this.i + 1]!.v === '::') {
        if (!AXES.has(t.v)) this.fail(`unknown axis ${t.v}`);
        axis = t.v as Axis;
        this.i += 2;
      }
    }
    const t = this.toks[this.i++];
    let test: NodeTest;
    if (t?.t === 'op' && t.v === '*n') test = { kind: 'any' };
    else if (t?.t === 'name' && NODE_TYPES.has(t.v) && this.peekOp('(')) {
      this.i++;
      if (this.toks[this.i]?.t === 'str') this.i++;
      this.expectOp(')');
      test = { kind: 'type', type: t.v as 'node' };
    } else if (t?.t === 'name') {
      const c = t.v.indexOf(':');
      if (t.v.endsWith(':*')) test = { kind: 'any', prefix: t.v.slice(0, -2) };
      else test = c < 0 ? { kind: 'name', local: t.v } : { kind: 'name', prefix: t.v.slice(0, c), local: t.v.slice(c + 1) };
    } else return this.fail(`expected a step, found ${this.show(t)}`);
    return { axis, test, predicates: this.predicates() };
  }
}

const DESCENDANT_OR_SELF: Step = { axis: 'descendant-or-self', test: { kind: 'type', type: 'node' }, predicates: [] };

// ---- evaluation ------------------------------------------------------------------------

export type XValue<N> = number | string | boolean | N[];

/** What the evaluator needs of a tree: element nodes only (YANG data has no mixed content). */
export interface XPathTree<N> {
  /** The root an absolute path starts from, as seen from `n` (a device's config for its nodes). */
  rootOf(n: N): N;
  children(n: N): readonly N[];
  /**
   * The children of one name: the real ones, or when there are none the ones the schema
   * gives by default (a leaf's default, a non-presence container), as YANG's accessible tree has them.
   */
  childrenNamed(n: N, ns: string | undefined, local: string): readonly N[];
  parent(n: N): N | undefined;
  localName(n: N): string;
  namespace(n: N): string;
  /** The string-value: a leaf's text. */
  text(n: N): string;
  /** Whether `a` comes before `b` in document order (for unions). */
  before(a: N, b: N): boolean;
}

/** YANG's meaning of values, for the functions and comparisons that need it. */
export interface YangSemantics<N> {
  /** `value` (a literal written in the expression) equals the node's value as its type reads it; undefined: compare as strings. */
  equalsLiteral?(n: N, value: string): boolean | undefined;
  /** deref(): the nodes a leafref or instance-identifier node points at. */
  deref?(n: N): N[];
  /** derived-from(-or-self): whether the identityref node's value derives from the identity named `qname` (prefix of the expression's module). */
  derivedFrom?(n: N, qname: string, orSelf: boolean): boolean;
  enumValue?(n: N): number;
  bitIsSet?(n: N, bit: string): boolean;
  reMatch?(value: string, pattern: string): boolean;
}

export interface EvalContext<N> {
  tree: XPathTree<N>;
  /** The node the YANG statement is about: current() and the initial context node. */
  current: N;
  /** A prefix as written in the expression's module, as a namespace; undefined when unknown (XPathError). */
  namespaceOf(prefix: string): string | undefined;
  /** The namespace of unprefixed names (RFC 7950 6.4.1: that of the current node). */
  defaultNamespace: string | undefined;
  yang?: YangSemantics<N>;
  /** Called when the evaluation reads the children of a node (the caller tracks what was seen). */
  onChildren?(n: N): void;
}

interface Focus<N> {
  node: N;
  position: number;
  size: number;
}

/** Evaluates `expr` (text or parsed) with `ctx.current` as the context node. */
export function evaluate<N>(expr: string | Expr, ctx: EvalContext<N>): XValue<N> {
  const src = typeof expr === 'string' ? expr : '';
  const ast = typeof expr === 'string' ? parseXPath(expr) : expr;
  return new Evaluator(ctx, src).eval(ast, { node: ctx.current, position: 1, size: 1 });
}

/** The expression's boolean value (a `must` or `when` holds). */
export function evaluateBoolean<N>(expr: string | Expr, ctx: EvalContext<N>): boolean {
  return toBoolean(evaluate(expr, ctx));
}

function isNodeSet<N>(v: XValue<N>): v is N[] {
  return Array.isArray(v);
}

function toBoolean<N>(v: XValue<N>): boolean {
  if (isNodeSet(v)) return v.length > 0;
  if (typeof v === 'number') return v !== 0 && !Number.isNaN(v);
  if (typeof v === 'string') return v.length > 0;
  return v;
}

function stringToNumber(s: string): number {
  const t = s.trim();
  return /^-?(?:\d+(?:\.\d*)?|\.\d+)$/.test(t) ? Number(t) : NaN;
}

function numberToString(n: number): string {
  if (Number.isNaN(n)) return 'NaN';
  if (n === Infinity) return 'Infinity';
  if (n === -Infinity) return '-Infinity';
  if (Object.is(n, -0)) return '0';
  if (Number.isInteger(n)) return String(n);
  // XPath prints no exponent.
  return n.toFixed(20).replace(/0+$/, '').replace(/\.$/, '');
}

class Evaluator<N> {
  constructor(
    private readonly ctx: EvalContext<N>,
    private readonly src: string,
  ) {}

  private fail(msg: string): never {
    throw new XPathError(msg, this.src);
  }

  private str(v: XValue<N>): string {
    if (isNodeSet(v)) return v.length ? this.ctx.tree.text(v[0]!) : '';
    if (typeof v === 'number') return numberToString(v);
    if (typeof v === 'boolean') return v ? 'true' : 'false';
    return v;
  }

  private num(v: XValue<N>): number {
    if (typeof v === 'number') return v;
    if (typeof v === 'boolean') return v ? 1 : 0;
    return stringToNumber(this.str(v));
  }

  eval(e: Expr, f: Focus<N>): XValue<N> {
    switch (e.op) {
      case 'num':
        return e.value;
      case 'str':
        return e.value;
      case 'var':
        return this.fail(`variable $${e.name} is not defined`);
      case 'neg':
        return -this.num(this.eval(e.arg, f));
      case 'or':
        return toBoolean(this.eval(e.left, f)) || toBoolean(this.eval(e.right, f));
      case 'and':
        return toBoolean(this.eval(e.left, f)) && toBoolean(this.eval(e.right, f));
      case '=': case '!=': case '<': case '<=': case '>': case '>=':
        return this.compare(e.op, this.eval(e.left, f), this.eval(e.right, f), e.left, e.right);
      case '+':
        return this.num(this.eval(e.left, f)) + this.num(this.eval(e.right, f));
      case '-':
        return this.num(this.eval(e.left, f)) - this.num(this.eval(e.right, f));
      case '*':
        return this.num(this.eval(e.left, f)) * this.num(this.eval(e.right, f));
      case 'div':
        return this.num(this.eval(e.left, f)) / this.num(this.eval(e.right, f));
      case 'mod': {
        const a = this.num(this.eval(e.left, f));
        const b = this.num(this.eval(e.right, f));
        return a % b;
      }
      case '|': {
        const a = this.eval(e.left, f);
        const b = this.eval(e.right, f);
        if (!isNodeSet(a) || !isNodeSet(b)) return this.fail('| joins node-sets only');
        return this.union(a, b);
      }
      case 'fn':
        return this.call(e.name, e.args, f);
      case 'path':
        return this.path(e, f);
    }
  }

  private union(a: N[], b: N[]): N[] {
    const seen = new Set(a);
    const out = [...a];
    for (const n of b) if (!seen.has(n)) out.push(n);
    const tree = this.ctx.tree;
    return out.sort((x, y) => (x === y ? 0 : tree.before(x, y) ? -1 : 1));
  }

  /** XPath 1.0 3.4; a literal compared with a node goes through the node's type (an identity's prefix, a number's form), as libyang does. */
  private compare(op: '=' | '!=' | '<' | '<=' | '>' | '>=', a: XValue<N>, b: XValue<N>, ae: Expr, be: Expr): boolean {
    const rel = (x: number, y: number): boolean => (op === '<' ? x < y : op === '<=' ? x <= y : op === '>' ? x > y : op === '>=' ? x >= y : op === '=' ? x === y : x !== y);
    const eqStr = (x: string, y: string): boolean => (op === '=' ? x === y : x !== y);
    const tree = this.ctx.tree;
    if (isNodeSet(a) && isNodeSet(b)) {
      if (op === '=' || op === '!=') {
        const right = new Set(b.map((n) => tree.text(n)));
        return a.some((n) => (op === '=' ? right.has(tree.text(n)) : b.some((m) => tree.text(m) !== tree.text(n))));
      }
      return a.some((n) => b.some((m) => rel(stringToNumber(tree.text(n)), stringToNumber(tree.text(m)))));
    }
    if (isNodeSet(a) || isNodeSet(b)) {
      const nodes = (isNodeSet(a) ? a : b) as N[];
      const other = (isNodeSet(a) ? b : a) as string | number | boolean;
      const literal = (isNodeSet(a) ? be : ae).op === 'str';
      const flip = !isNodeSet(a);
      if (typeof other === 'boolean') {
        const nb = toBoolean(nodes);
        if (op === '=' || op === '!=') return (op === '=') === (nb === other);
        return flip ? rel(Number(other), Number(nb)) : rel(Number(nb), Number(other));
      }
      if (typeof other === 'number') return nodes.some((n) => (flip ? rel(other, stringToNumber(tree.text(n))) : rel(stringToNumber(tree.text(n)), other)));
      if (op === '=' || op === '!=') {
        return nodes.some((n) => {
          const typed = literal ? this.ctx.yang?.equalsLiteral?.(n, other) : undefined;
          if (typed !== undefined) return op === '=' ? typed : !typed;
          return eqStr(tree.text(n), other);
        });
      }
      return nodes.some((n) => (flip ? rel(stringToNumber(other), stringToNumber(tree.text(n))) : rel(stringToNumber(tree.text(n)), stringToNumber(other))));
    }
    if (op === '=' || op === '!=') {
      if (typeof a === 'boolean' || typeof b === 'boolean') return (op === '=') === (toBoolean(a) === toBoolean(b));
      if (typeof a === 'number' || typeof b === 'number') return rel(this.num(a), this.num(b));
      return eqStr(this.str(a), this.str(b));
    }
    return rel(this.num(a), this.num(b));
  }

  private path(e: Extract<Expr, { op: 'path' }>, f: Focus<N>): N[] {
    let nodes: N[];
    if (e.filter) {
      const v = this.eval(e.filter, f);
      if (!isNodeSet(v)) return this.fail('a path step or predicate after a value that is not a node-set');
      nodes = this.filter(v, e.filterPredicates ?? []);
    } else nodes = [e.absolute ? this.ctx.tree.rootOf(f.node) : f.node];
    for (const s of e.steps) {
      const next: N[] = [];
      const seen = new Set<N>();
      for (const n of nodes) {
        for (const m of this.filter(this.axis(s, n), s.predicates)) {
          if (!seen.has(m)) {
            seen.add(m);
            next.push(m);
          }
        }
      }
      nodes = next;
    }
    return nodes;
  }

  private filter(nodes: N[], predicates: readonly Expr[]): N[] {
    let out = nodes;
    for (const p of predicates) {
      const size = out.length;
      out = out.filter((node, i) => {
        const v = this.eval(p, { node, position: i + 1, size });
        return typeof v === 'number' ? v === i + 1 : toBoolean(v);
      });
    }
    return out;
  }

  private matches(n: N, test: NodeTest): boolean {
    if (test.kind === 'type') return test.type === 'node';
    const tree = this.ctx.tree;
    if (test.kind === 'any') return test.prefix === undefined || tree.namespace(n) === this.ns(test.prefix);
    if (tree.localName(n) !== test.local) return false;
    const ns = test.prefix === undefined ? this.ctx.defaultNamespace : this.ns(test.prefix);
    return ns === undefined || tree.namespace(n) === ns;
  }

  private ns(prefix: string): string {
    return this.ctx.namespaceOf(prefix) ?? this.fail(`unknown prefix ${prefix}`);
  }

  private kids(n: N): readonly N[] {
    this.ctx.onChildren?.(n);
    return this.ctx.tree.children(n);
  }

  /** The nodes on `s`'s axis from `n` that pass its node test, in document order (reverse axes too: predicates count positions along the axis in XPath, rarely used in YANG). */
  private axis(s: Step, n: N): N[] {
    const tree = this.ctx.tree;
    const test = s.test;
    switch (s.axis) {
      case 'child':
        if (test.kind === 'name') {
          this.ctx.onChildren?.(n);
          const ns = test.prefix === undefined ? this.ctx.defaultNamespace : this.ns(test.prefix);
          return [...tree.childrenNamed(n, ns, test.local)];
        }
        return this.kids(n).filter((c) => this.matches(c, test));
      case 'self':
        return this.matches(n, test) ? [n] : [];
      case 'parent': {
        const p = tree.parent(n);
        return p !== undefined && this.matches(p, test) ? [p] : [];
      }
      case 'ancestor':
      case 'ancestor-or-self': {
        const out: N[] = [];
        for (let p = s.axis === 'ancestor' ? tree.parent(n) : n; p !== undefined; p = tree.parent(p)) if (this.matches(p, test)) out.push(p);
        return out.reverse();
      }
      case 'descendant':
      case 'descendant-or-self': {
        const out: N[] = [];
        if (s.axis === 'descendant-or-self' && this.matches(n, test)) out.push(n);
        const walk = (x: N): void => {
          for (const c of this.kids(x)) {
            if (this.matches(c, test)) out.push(c);
            walk(c);
          }
        };
        walk(n);
        return out;
      }
      case 'following-sibling':
      case 'preceding-sibling': {
        const p = tree.parent(n);
        if (p === undefined) return [];
        const sibs = this.kids(p);
        const i = sibs.indexOf(n);
        const part = s.axis === 'following-sibling' ? sibs.slice(i + 1) : sibs.slice(0, i);
        return part.filter((c) => this.matches(c, test));
      }
      case 'following':
      case 'preceding': {
        const all: N[] = [];
        const walk = (x: N): void => {
          for (const c of this.kids(x)) {
            all.push(c);
            walk(c);
          }
        };
        walk(tree.rootOf(n));
        const i = all.indexOf(n);
        const anc = new Set<N>();
        for (let p = tree.parent(n); p !== undefined; p = tree.parent(p)) anc.add(p);
        if (s.axis === 'preceding') return all.slice(0, i).filter((c) => !anc.has(c) && this.matches(c, test));
        let end = i + 1;
        // Skip n's own descendants.
        while (end < all.length && this.isAncestor(n, all[end]!)) end++;
        return all.slice(end).filter((c) => this.matches(c, test));
      }
      case 'attribute':
      case 'namespace':
        // YANG data has no attributes in the data model.
        return [];
    }
  }

  private isAncestor(a: N, b: N): boolean {
    for (let p = this.ctx.tree.parent(b); p !== undefined; p = this.ctx.tree.parent(p)) if (p === a) return true;
    return false;
  }

  private nodeArg(args: Expr[], i: number, f: Focus<N>, fn: string): N[] {
    const v = args[i] === undefined ? [f.node] : this.eval(args[i]!, f);
    if (!isNodeSet(v)) return this.fail(`${fn}() takes a node-set`);
    return v;
  }

  private call(name: string, args: Expr[], f: Focus<N>): XValue<N> {
    const arity = (min: number, max = min): void => {
      if (args.length < min || args.length > max) this.fail(`${name}() takes ${min === max ? min : `${min} to ${max}`} arguments, given ${args.length}`);
    };
    const s = (i: number): string => (args[i] === undefined ? this.str([f.node]) : this.str(this.eval(args[i]!, f)));
    const n = (i: number): number => this.num(this.eval(args[i]!, f));
    const tree = this.ctx.tree;
    const yang = this.ctx.yang;
    switch (name) {
      case 'last': arity(0); return f.size;
      case 'position': arity(0); return f.position;
      case 'count': arity(1); return this.nodeArg(args, 0, f, name).length;
      case 'local-name': case 'name': {
        arity(0, 1);
        const ns = this.nodeArg(args, 0, f, name);
        return ns.length ? tree.localName(ns[0]!) : '';
      }
      case 'namespace-uri': {
        arity(0, 1);
        const ns = this.nodeArg(args, 0, f, name);
        return ns.length ? tree.namespace(ns[0]!) : '';
      }
      case 'string': arity(0, 1); return s(0);
      case 'concat': if (args.length < 2) this.fail('concat() takes 2 or more arguments'); return args.map((_, i) => s(i)).join('');
      case 'starts-with': arity(2); return s(0).startsWith(s(1));
      case 'contains': arity(2); return s(0).includes(s(1));
      case 'substring-before': { arity(2); const a = s(0); const i = a.indexOf(s(1)); return i < 0 ? '' : a.slice(0, i); }
      case 'substring-after': { arity(2); const a = s(0); const b = s(1); const i = a.indexOf(b); return i < 0 ? '' : a.slice(i + b.length); }
      case 'substring': {
        arity(2, 3);
        const chars = [...s(0)];
        const start = Math.round(n(1));
        const end = args.length === 3 ? start + Math.round(n(2)) : Infinity;
        return chars.filter((_, i) => i + 1 >= start && i + 1 < end).join('');
      }
      case 'string-length': arity(0, 1); return [...s(0)].length;
      case 'normalize-space': arity(0, 1); return s(0).trim().replace(/\s+/g, ' ');
      case 'translate': {
        arity(3);
        const from = [...s(1)];
        const to = [...s(2)];
        return [...s(0)].map((c) => { const i = from.indexOf(c); return i < 0 ? c : (to[i] ?? ''); }).join('');
      }
      case 'boolean': arity(1); return toBoolean(this.eval(args[0]!, f));
      case 'not': arity(1); return !toBoolean(this.eval(args[0]!, f));
      case 'true': arity(0); return true;
      case 'false': arity(0); return false;
      case 'lang': arity(1); return false;
      case 'number': arity(0, 1); return args.length ? n(0) : this.num([f.node]);
      case 'sum': arity(1); return this.nodeArg(args, 0, f, name).reduce((a, x) => a + stringToNumber(tree.text(x)), 0);
      case 'floor': arity(1); return Math.floor(n(0));
      case 'ceiling': arity(1); return Math.ceil(n(0));
      case 'round': { arity(1); const x = n(0); return Number.isFinite(x) ? Math.floor(x + 0.5) : x; }
      // YANG 1.1 (RFC 7950 10)
      case 'current': arity(0); return [this.ctx.current];
      case 're-match': {
        arity(2);
        if (!yang?.reMatch) this.fail('re-match() is not available here');
        return yang.reMatch(s(0), s(1));
      }
      case 'deref': {
        arity(1);
        const ns = this.nodeArg(args, 0, f, name);
        if (!ns.length) return [];
        return yang?.deref ? yang.deref(ns[0]!) : [];
      }
      case 'derived-from': case 'derived-from-or-self': {
        arity(2);
        const ns = this.nodeArg(args, 0, f, name);
        const id = s(1);
        return ns.some((x) => yang?.derivedFrom?.(x, id, name === 'derived-from-or-self') ?? false);
      }
      case 'enum-value': {
        arity(1);
        const ns = this.nodeArg(args, 0, f, name);
        return ns.length && yang?.enumValue ? yang.enumValue(ns[0]!) : NaN;
      }
      case 'bit-is-set': {
        arity(2);
        const ns = this.nodeArg(args, 0, f, name);
        const bit = s(1);
        return ns.length > 0 && (yang?.bitIsSet?.(ns[0]!, bit) ?? false);
      }
      default:
        return this.fail(`unknown function ${name}()`);
    }
  }
}
