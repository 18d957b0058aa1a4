/**
 * The XPath 1.0 evaluator on a small tree of plain objects: the grammar (precedence, `*`
 * and `div` as operators or names, abbreviations), axes, predicates and positions, the
 * comparison rules between node-sets, strings, numbers and booleans, the core functions,
 * and YANG's current() and the hooks for its typed values.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { evaluate, parseXPath, XPathError, type EvalContext, type XPathTree } from '../../src/yang/xpath.ts';

interface N {
  name: string;
  ns: string;
  text: string;
  kids: N[];
  parent?: N;
}

/** `<a><b>1</b></a>`-like: [name, text or children]. */
function node(name: string, content: string | N[], ns = 'urn:x'): N {
  const n: N = { name, ns, text: typeof content === 'string' ? content : '', kids: typeof content === 'string' ? [] : content };
  for (const k of n.kids) k.parent = n;
  return n;
}

const doc = node('', [
  node('top', [
    node('item', [node('id', 'a'), node('n', '3'), node('mode', 'trunk')]),
    node('item', [node('id', 'b'), node('n', '10'), node('mode', 'access')]),
    node('item', [node('id', 'c'), node('n', '7')]),
    node('limit', '5'),
    node('other', 'x', 'urn:y'),
  ]),
]);
const top = doc.kids[0]!;
const items = top.kids.filter((k) => k.name === 'item');

const tree: XPathTree<N> = {
  rootOf: () => doc,
  children: (n) => n.kids,
  childrenNamed: (n, ns, local) => n.kids.filter((k) => k.name === local && (ns === undefined || k.ns === ns)),
  parent: (n) => n.parent,
  localName: (n) => n.name,
  namespace: (n) => n.ns,
  text: (n) => (n.kids.length ? n.kids.map((k) => tree.text(k)).join('') : n.text),
  before: (a, b) => {
    const order: N[] = [];
    const walk = (n: N): void => {
      order.push(n);
      n.kids.forEach(walk);
    };
    walk(doc);
    return order.indexOf(a) < order.indexOf(b);
  },
};

function ctx(current: N, extra: Partial<EvalContext<N>> = {}): EvalContext<N> {
  return { tree, current, namespaceOf: (p) => ({ x: 'urn:x', y: 'urn:y' })[p], defaultNamespace: 'urn:x', ...extra };
}

const ev = (expr: string, at: N = top, extra: Partial<EvalContext<N>> = {}): unknown => evaluate(expr, ctx(at, extra));
const ids = (v: unknown): string[] => (v as N[]).map((n) => n.kids.find((k) => k.name === 'id')?.text ?? n.name);

test('arithmetic and logic: precedence, unary minus, div/mod, and/or', () => {
  assert.equal(ev('1 + 2 * 3'), 7);
  assert.equal(ev('(1 + 2) * 3'), 9);
  assert.equal(ev('7 mod 3'), 1);
  assert.equal(ev('7 div 2'), 3.5);
  assert.equal(ev('- 2 + 5'), 3);
  assert.equal(ev('1 = 1 or 1 = 2 and 1 = 3'), true);
  assert.equal(ev('(1 = 1 or 1 = 2) and 1 = 3'), false);
  assert.equal(ev('3 > 2 > 1'), false, '(3 > 2) is true = 1, 1 > 1 is false');
  // `div` and `*` as names where an operand is expected.
  assert.deepEqual(ids(ev('item[n * 2 > 10]')), ['b', 'c']);
});

test('paths: child, //, .., ., *, prefixes, the default namespace, predicates and positions', () => {
  assert.deepEqual(ids(ev('item')), ['a', 'b', 'c']);
  assert.deepEqual(ids(ev('/top/item[2]')), ['b']);
  assert.deepEqual(ids(ev('item[last()]')), ['c']);
  assert.deepEqual(ids(ev('item[position() < 3]')), ['a', 'b']);
  assert.deepEqual(ids(ev("item[id = 'b']/../item[id != 'b']")), ['a', 'c']);
  assert.deepEqual(ids(ev('//mode/..')), ['a', 'b']);
  assert.deepEqual(ids(ev('item[mode]')), ['a', 'b']);
  assert.deepEqual(ids(ev('item[not(mode)]')), ['c']);
  assert.equal((ev('*') as N[]).length, 5);
  assert.equal((ev('x:*') as N[]).length, 4);
  assert.deepEqual(ids(ev('y:other')), ['other']);
  assert.deepEqual(ids(ev('other')), [], 'unprefixed names are in the default namespace');
  assert.deepEqual(ids(ev('.', items[1])), ['b']);
  assert.deepEqual(ids(ev('self::item', items[1])), ['b']);
  assert.deepEqual(ids(ev('following-sibling::item', items[0])), ['b', 'c']);
  assert.deepEqual(ids(ev('preceding-sibling::item', items[2])), ['a', 'b']);
  assert.deepEqual(ids(ev('ancestor::top', items[0]!.kids[0])), ['top']);
  assert.deepEqual(ids(ev('(item | item[1] | limit)[1]')), ['a']);
  assert.deepEqual(ids(ev('item[id="a"] | item[id="c"]')), ['a', 'c']);
});

test('comparisons: node-set with string, number, boolean and node-set (XPath 1.0 3.4)', () => {
  assert.equal(ev("item/id = 'b'"), true, 'some node equals');
  assert.equal(ev("item/id != 'a'"), true, 'some node differs');
  assert.equal(ev("item[1]/id != 'a'"), false);
  assert.equal(ev('item/n > 9'), true, 'numbers compare as numbers');
  assert.equal(ev('item/n > 10'), false);
  assert.equal(ev("item/n < '4'"), true);
  assert.equal(ev('limit = item/n'), false);
  assert.equal(ev('limit < item/n'), true, '5 < 7');
  assert.equal(ev('nothing = true()'), false);
  assert.equal(ev('item = true()'), true);
  assert.equal(ev("'10' = 10.0"), true);
  assert.equal(ev("'abc' = 'abc'"), true);
  assert.equal(ev('nothing != nothing'), false, 'empty sets: no pair at all');
});

test('functions: strings, numbers, counts, booleans', () => {
  assert.equal(ev('count(item)'), 3);
  assert.equal(ev('sum(item/n)'), 20);
  assert.equal(ev("concat('a', 'b', 1)"), 'ab1');
  assert.equal(ev("starts-with('trunk', 'tr')"), true);
  assert.equal(ev("contains('trunk', 'un')"), true);
  assert.equal(ev("substring-before('1.2.3', '.')"), '1');
  assert.equal(ev("substring-after('1.2.3', '.')"), '2.3');
  assert.equal(ev("substring('12345', 2, 3)"), '234');
  assert.equal(ev("substring('12345', 2)"), '2345');
  assert.equal(ev("string-length('abc')"), 3);
  assert.equal(ev("normalize-space('  a   b ')"), 'a b');
  assert.equal(ev("translate('abc', 'ab', 'B')"), 'Bc');
  assert.equal(ev('string(item[2]/n)'), '10');
  assert.equal(ev('number(limit) + 1'), 6);
  assert.ok(Number.isNaN(ev("number('x')") as number));
  assert.equal(ev('floor(2.7) + ceiling(2.1) + round(2.5)'), 8);
  assert.equal(ev('boolean(item)'), true);
  assert.equal(ev('not(nothing)'), true);
  assert.equal(ev('local-name(item[1])'), 'item');
  assert.equal(ev('namespace-uri(y:other)'), 'urn:y');
  assert.equal(ev('string(1 div 0)'), 'Infinity');
  assert.equal(ev('string(0.5)'), '0.5');
});

test('YANG: current(), and the typed hooks (a literal against a node, deref, derived-from, re-match)', () => {
  // From item b: the items whose n is less than current()'s.
  assert.deepEqual(ids(ev('../item[n < current()/n]', items[1])), ['a', 'c']);
  const yang = {
    equalsLiteral: (n: N, lit: string) => (n.name === 'mode' ? n.text.toUpperCase() === lit.toUpperCase() : undefined),
    deref: (n: N) => items.filter((i) => i.kids[0]!.text === n.text),
    derivedFrom: (n: N, id: string, orSelf: boolean) => (orSelf ? n.text === id : n.text.startsWith(id) && n.text !== id),
    reMatch: (v: string, p: string) => new RegExp(`^${p}$`).test(v),
  };
  assert.equal(ev("item/mode = 'TRUNK'", top, { yang }), true, 'the literal goes through the node type');
  assert.equal(ev("item/mode = 'TRUNK'"), false, 'without it, strings');
  assert.deepEqual(ids(ev('deref(limit)/n', top, { yang: { deref: () => [items[2]!] } })), ['n']);
  assert.equal(ev("derived-from(item/mode, 'tr')", top, { yang }), true);
  assert.equal(ev("derived-from(item/mode, 'trunk')", top, { yang }), false);
  assert.equal(ev("derived-from-or-self(item/mode, 'trunk')", top, { yang }), true);
  assert.equal(ev("re-match('ab12', '[a-z]+[0-9]+')", top, { yang }), true);
  assert.equal(ev("re-match('12ab', '[a-z]+[0-9]+')", top, { yang }), false);
});

test('errors: bad syntax, unknown functions and prefixes throw XPathError naming the expression', () => {
  for (const bad of ['item[', '1 +', 'foo()', 'z:item', "'open", 'item/@@']) {
    assert.throws(() => ev(bad), (e: unknown) => e instanceof XPathError && e.message.includes(JSON.stringify(bad)), bad);
  }
  assert.equal(parseXPath('a/b'), parseXPath('a/b'), 'parsed once');
});
