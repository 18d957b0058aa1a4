/**
 * if-feature: expressions evaluated exactly (RFC 7950 precedence: not, and, or; parentheses),
 * every feature on when none are given (as pyang), features named per module, resolved with
 * the prefixes of the file the if-feature is written in; nodeEnabled for validation.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { featureExprHolds, nodeEnabled, parseFeatureExpr, type FeatureSet } from '../../src/yang/index.ts';
import { childNames, loadYang, nodeAt } from './yang-folder.ts';

const resolve = (ref: string): { module: string; name: string } => {
  const i = ref.indexOf(':');
  return i < 0 ? { module: 'm', name: ref } : { module: ref.slice(0, i), name: ref.slice(i + 1) };
};
const holds = (expr: string, on: string[]): boolean => featureExprHolds(parseFeatureExpr(expr, resolve), { m: on });

test('if-feature expressions: not binds tighter than and, and tighter than or', () => {
  const cases: [string, string[], boolean][] = [
    ['a', ['a'], true],
    ['a', [], false],
    ['not a', ['a'], false],
    ['not a', [], true],
    ['a and b', ['a'], false],
    ['a and b', ['b'], false],
    ['a and b', ['a', 'b'], true],
    ['a or b', ['a'], true],
    ['a or b', ['b'], true],
    ['a or b', [], false],
    // (a or b) and c would be false here
    ['a or b and c', ['a'], true],
    ['(a or b) and c', ['a'], false],
    ['(a or b) and c', ['b', 'c'], true],
    // not (a and b) would be true here
    ['not a and b', ['a', 'b'], false],
    ['not a and b', ['b'], true],
    ['not (a and b)', ['a'], true],
    ['not not a', ['a'], true],
    ['a and b or c and d', ['c', 'd'], true],
    ['a and (b or c) and d', ['a', 'c', 'd'], true],
    ['a and (b or c) and d', ['a', 'd'], false],
  ];
  for (const [expr, on, want] of cases) assert.equal(holds(expr, on), want, `${expr} with ${on.join(',') || 'none'} on`);
});

test('if-feature expressions that are not expressions are refused', () => {
  for (const bad of ['', 'a and', '(a or b', 'a b', 'and a', 'a or )', 'not']) {
    assert.throws(() => parseFeatureExpr(bad, resolve), /if-feature ".*":/, bad);
  }
});

test('a feature set names modules: a module not named has every feature on, and so has every module without a set', () => {
  const e = parseFeatureExpr('x:a and not y:b', resolve);
  assert.equal(featureExprHolds(e), false, 'all on: y:b is on');
  assert.equal(featureExprHolds(e, { y: [] }), true);
  assert.equal(featureExprHolds(e, { x: [], y: [] }), false);
  assert.equal(featureExprHolds(e, { x: ['a'], y: ['b'] }), false);
});

const MODS = {
  'f.yang': `module f { yang-version 1.1; namespace "urn:t:f"; prefix f;
    feature a; feature b; feature c;
    grouping g { leaf from-g { if-feature "f:c"; type string; } }
    container top {
      leaf both { if-feature "a and b"; type string; }
      leaf either { if-feature "a or b"; type string; }
      leaf not-a { if-feature "not a"; type string; }
      leaf twice { if-feature a; if-feature b; type string; }
      container deep { if-feature a; leaf inner { type string; } }
      uses g { if-feature b; }
    }
  }`,
  'o.yang': `module o { yang-version 1.1; namespace "urn:t:o"; prefix o;
    import f { prefix ff; }
    feature own;
    augment "/ff:top" { if-feature "ff:b and own"; leaf aug { type string; } }
    container local { uses ff:g; }
  }`,
};

test('without features every if-feature is taken as on: "not a" drops its node, the rest stay', (t) => {
  const ctx = loadYang(t, MODS, ['o']);
  assert.deepEqual(childNames(nodeAt(ctx, 'f', 'top')), ['both', 'either', 'twice', 'deep', 'from-g', 'aug']);
  assert.deepEqual(ctx.warnings, []);
});

test('with features given: each expression evaluated, a uses\' and an augment\'s with the prefixes of their own file', (t) => {
  const only = (features: FeatureSet): string[] => childNames(nodeAt(loadYang(t, MODS, ['o'], { features }), 'f', 'top'));
  assert.deepEqual(only({ f: ['a'] }), ['either', 'deep']);
  assert.deepEqual(only({ f: ['b'] }), ['either', 'not-a', 'aug'], 'o not named: its feature own on');
  assert.deepEqual(only({ f: ['a', 'b'] }), ['both', 'either', 'twice', 'deep', 'aug']);
  assert.deepEqual(only({ f: ['b', 'c'], o: [] }), ['either', 'not-a', 'from-g']);
  assert.deepEqual(only({ f: [] }), ['not-a']);
  // o's own features: the augment needs o:own as well as f:b.
  assert.deepEqual(only({ f: ['b'], o: [] }), ['either', 'not-a']);
  // The grouping's if-feature names f's feature by f's prefix, also where o uses it.
  const ctx = loadYang(t, MODS, ['o'], { features: { f: [] } });
  assert.deepEqual(childNames(nodeAt(ctx, 'o', 'local')), []);
});

test('an augmented node keeps its config flag when the features prune around it, also when its target goes', (t) => {
  const ctx = loadYang(t, MODS, ['o'], { features: { f: ['b'], o: ['own'] } });
  assert.equal(nodeAt(ctx, 'f', 'top/aug')!.config, true);
  const into = loadYang(t, {
    ...MODS,
    'p.yang': `module p { yang-version 1.1; namespace "urn:t:p"; prefix p; import f { prefix f; }
      augment "/f:top/f:deep" { leaf kept { type string; } leaf dropped { if-feature f:c; type string; } } }`,
  }, ['p'], { features: { f: [] } });
  assert.equal(nodeAt(into, 'f', 'top/deep'), undefined);
  const a = into.modules.get('p')!.stmt.subs.find((s) => s.keyword === 'augment')!;
  assert.deepEqual(into.augmentNodes(a)!.map((n) => [n.name, n.config]), [['kept', true]], 'as pyang prints the augment: its nodes pruned, with their flags');
});

test('nodeEnabled: a node and every node above it, with a device\'s features', (t) => {
  const ctx = loadYang(t, MODS, ['o']);
  const inner = nodeAt(ctx, 'f', 'top/deep/inner')!;
  const fromG = nodeAt(ctx, 'f', 'top/from-g')!;
  const aug = nodeAt(ctx, 'f', 'top/aug')!;
  assert.equal(nodeEnabled(inner), true);
  assert.equal(nodeEnabled(inner, { f: ['a'] }), true);
  assert.equal(nodeEnabled(inner, { f: ['b'] }), false, 'its parent deep needs a');
  assert.equal(nodeEnabled(fromG, { f: ['c'] }), false, 'the uses needs b');
  assert.equal(nodeEnabled(fromG, { f: ['b', 'c'] }), true);
  assert.equal(nodeEnabled(aug, { f: ['b'], o: [] }), false);
  assert.equal(nodeEnabled(aug, { f: ['b'] }), true, 'o not named: its features on');
});

test('if-feature printed lists: own, then the uses\', repeats kept; the augment\'s after, without repeats', (t) => {
  const ctx = loadYang(t, {
    'r.yang': `module r { yang-version 1.1; namespace "urn:t:r"; prefix r; feature a; feature b;
      grouping g { leaf x { if-feature a; type string; } }
      container c { uses g { if-feature a; if-feature b; } }
      augment "/r:c" { if-feature a; if-feature b; leaf y { if-feature a; type string; } }
    }`,
  }, ['r']);
  assert.deepEqual(nodeAt(ctx, 'r', 'c/x')!.ifFeatures, ['a', 'a', 'b']);
  const y = nodeAt(ctx, 'r', 'c/y')!;
  assert.deepEqual([y.ifFeatures, y.augmentIfFeatures], [['a'], ['a', 'b']]);
});

test('an unknown feature is a warning with file:line; a malformed expression an error with file:line', (t) => {
  const ctx = loadYang(t, {
    'u.yang': 'module u { yang-version 1.1; namespace "urn:t:u"; prefix u;\n leaf x { if-feature nothing; type string; }\n}',
  }, ['u']);
  assert.equal(ctx.warnings.length, 1);
  assert.match(ctx.warnings[0]!, /u\.yang:2:\d+: feature nothing not found in module u/);
  assert.throws(
    () => loadYang(t, { 's.yang': 'module s { yang-version 1.1; namespace "urn:t:s"; prefix s; feature a;\n leaf x { if-feature "a and"; type string; }\n}' }, ['s']),
    /s\.yang:2:\d+: if-feature "a and": ends where a feature was expected/,
  );
  assert.throws(
    () => loadYang(t, { 'p.yang': 'module p { yang-version 1.1; namespace "urn:t:p"; prefix p;\n leaf x { if-feature "q:a"; type string; }\n}' }, ['p']),
    /p\.yang:2:\d+: unknown prefix q in q:a/,
  );
});
