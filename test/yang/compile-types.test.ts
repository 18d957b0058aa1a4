/**
 * Types as the compiler folds them: typedef chains keep every restriction on the way,
 * ranges with min/max and several parts, lengths, XSD patterns as anchored RegExps,
 * enums, bits, identityref bases, leafref paths, decimal64 digits, unions.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { TypeSpec } from '../../src/yang/index.ts';
import { loadYang, nodeAt } from './yang-folder.ts';

const TYPES = `module ty { yang-version 1.1; namespace "urn:t:ty"; prefix ty;
  identity base-id;
  typedef small { type int8 { range "0..50"; } }
  typedef smaller { type small { range "10..20 | 30"; } }
  typedef word { type string { length "1..8"; pattern "[a-z]+"; } }
  typedef short-word { type word { length "min..4"; } }
  container c {
    leaf chain { type smaller; }
    leaf edges { type uint8 { range "min..10 | 200..max"; } }
    leaf neg { type int16 { range "-5..-1"; } }
    leaf w { type short-word { pattern "ab.*" { modifier invert-match; } } }
    leaf anchored { type string { pattern "^a$"; } }
    leaf names { type string { pattern "\\\\i\\\\c*"; } }
    leaf blocks { type string { pattern "\\\\p{IsBasicLatin}+"; } }
    leaf bad { type string { pattern "(unclosed"; } }
    leaf e { type enumeration { enum one; enum two; } }
    leaf b { type bits { bit x; bit y; } }
    leaf id { type identityref { base base-id; } }
    leaf ref { type leafref { path "../e"; } }
    leaf dec { type decimal64 { fraction-digits 3; range "0.5..1.5"; } }
    leaf u { type union { type smaller; type enumeration { enum none; } } }
    leaf plain { type string; }
  }
}`;

const typeOf = (t: Parameters<typeof loadYang>[0], leaf: string): TypeSpec => {
  const ctx = loadYang(t, { 'ty.yang': TYPES }, ['ty']);
  return nodeAt(ctx, 'ty', `c/${leaf}`)!.type!;
};

test('a typedef chain keeps the restriction of every step, each range a list of its parts', (t) => {
  const s = typeOf(t, 'chain');
  assert.deepEqual([s.name, s.base], ['smaller', 'int8']);
  assert.deepEqual(s.ranges, [[[0, 50]], [[10, 20], [30, 30]]]);
  const w = typeOf(t, 'w');
  assert.deepEqual([w.name, w.base], ['short-word', 'string']);
  assert.deepEqual(w.lengths, [[[1, 8]], [[0, 4]]]);
  assert.deepEqual(w.patterns.map((p) => [p.source, p.invert]), [['[a-z]+', false], ['ab.*', true]]);
  assert.deepEqual(typeOf(t, 'plain'), { name: 'string', base: 'string', ranges: [], lengths: [], patterns: [] });
});

test('min and max are the bounds of the base type; negative ranges read', (t) => {
  assert.deepEqual(typeOf(t, 'edges').ranges, [[[0, 10], [200, 255]]]);
  assert.deepEqual(typeOf(t, 'neg').ranges, [[[-5, -1]]]);
});

test('patterns are XSD: anchored whole, ^ and $ are plain characters, \\i \\c and \\p{Is…} understood; one not understood is a warning', (t) => {
  const [word] = typeOf(t, 'w').patterns;
  assert.ok(word!.regex.test('abc'));
  assert.ok(!word!.regex.test('abc1'), 'anchored at the end');
  assert.ok(!word!.regex.test('1abc'), 'anchored at the start');
  const anchored = typeOf(t, 'anchored').patterns[0]!.regex;
  assert.ok(anchored.test('^a$'));
  assert.ok(!anchored.test('a'));
  const names = typeOf(t, 'names').patterns[0]!.regex;
  assert.ok(names.test('_a.b-c:d'));
  assert.ok(!names.test('1a'));
  assert.ok(typeOf(t, 'blocks').patterns[0]!.regex.test('any'));
  const ctx = loadYang(t, { 'ty.yang': TYPES }, ['ty']);
  assert.deepEqual(nodeAt(ctx, 'ty', 'c/bad')!.type!.patterns, []);
  assert.equal(ctx.warnings.length, 1, ctx.warnings.join('\n'));
  assert.match(ctx.warnings[0]!, /ty\.yang:15:\d+: pattern not understood, not checked: \(unclosed/);
});

test('enums, bits, identityref bases, leafref path, fraction digits, union members', (t) => {
  assert.deepEqual(typeOf(t, 'e').enums, ['one', 'two']);
  assert.deepEqual(typeOf(t, 'b').bits, ['x', 'y']);
  assert.deepEqual(typeOf(t, 'id').identityBases!.map((i) => i.name), ['base-id']);
  assert.equal(typeOf(t, 'ref').leafrefPath, '../e');
  const dec = typeOf(t, 'dec');
  assert.deepEqual([dec.fractionDigits, dec.ranges], [3, [[[0.5, 1.5]]]]);
  const u = typeOf(t, 'u');
  assert.equal(u.base, 'union');
  assert.deepEqual(u.union!.map((m) => [m.name, m.base]), [['smaller', 'int8'], ['enumeration', 'enumeration']]);
  assert.deepEqual(u.union![0]!.ranges, [[[0, 50]], [[10, 20], [30, 30]]]);
});

test('a typedef without a type is an error naming it', (t) => {
  assert.throws(
    () => loadYang(t, { 'x.yang': 'module x { namespace "urn:t:x"; prefix x;\n typedef t { units s; }\n leaf l { type t; } }' }, ['x']),
    /x\.yang:2:\d+: typedef t has no type/,
  );
});
