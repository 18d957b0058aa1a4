/**
 * The YANG compiler on small models written for each of its rules: which file of a module
 * is read, imports and includes, groupings and uses (refine, augment, if-feature, when),
 * augments from other modules (into choices, onto nodes that other augments add),
 * deviations, identities, rpcs and actions, config inheritance, choice shorthand; and
 * loadAll leaving a broken file out with a warning. Each test fails when its rule is
 * removed or inverted in compile.ts.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { YangContext, YangError, dataChildren, derivesFrom } from '../../src/yang/index.ts';
import { childNames, loadYang, nodeAt, yangFolder } from './yang-folder.ts';

const mod = (name: string, body: string, prefix = name): string =>
  `module ${name} { yang-version 1.1; namespace "urn:t:${name}"; prefix ${prefix};\n${body}\n}\n`;

test('the newest revision of a module is read, wherever its file is; revision is the newest date written', (t) => {
  const ctx = loadYang(t, {
    'm@2020-01-01.yang': mod('m', 'revision 2020-01-01; leaf old { type string; }'),
    'deeper/m@2021-06-01.yang': mod('m', 'revision 2020-01-01; revision 2021-06-01; leaf new { type string; }'),
    'm@2019-12-31.yang': mod('m', 'revision 2019-12-31; leaf oldest { type string; }'),
  }, ['m']);
  assert.deepEqual(ctx.modules.get('m')!.nodes.map((n) => n.name), ['new']);
  assert.equal(ctx.modules.get('m')!.revision, '2021-06-01');
  assert.deepEqual(ctx.warnings, []);
});

test('a revision that is no date is reported with file:line and is not the revision', (t) => {
  const ctx = loadYang(t, {
    'm.yang': mod('m', 'revision 2021-02-30;\nrevision date-revision;\nrevision 2020-05-01;\nimport n { prefix n; revision-date 2020-13-01; }'),
    'n.yang': mod('n', ''),
  }, ['m']);
  assert.equal(ctx.modules.get('m')!.revision, '2020-05-01');
  assert.equal(ctx.warnings.length, 3, ctx.warnings.join('\n'));
  assert.match(ctx.warnings[0]!, /m\.yang:2:\d+: revision "2021-02-30" is not a date/);
  assert.match(ctx.warnings[1]!, /m\.yang:3:1: revision "date-revision" is not a date/);
  assert.match(ctx.warnings[2]!, /m\.yang:5:\d+: revision-date "2020-13-01" is not a date/);
});

test('imports and includes: submodules (nested) add their nodes and groupings, each file with its own prefixes', (t) => {
  const ctx = loadYang(t, {
    'a.yang': mod('a', `import b { prefix bb; } include a-sub;
      container top { uses bb:gb; uses from-sub; leaf t { type bb:tb; } }`),
    'a-sub.yang': `submodule a-sub { yang-version 1.1; belongs-to a { prefix as; } import b { prefix b2; } include a-sub2;
      grouping from-sub { leaf s { type b2:tb; } }
      container subtop { leaf u { type as:local; } } }`,
    'a-sub2.yang': `submodule a-sub2 { yang-version 1.1; belongs-to a { prefix a2; }
      typedef local { type int8; }
      container sub2top; }`,
    'b.yang': mod('b', 'typedef tb { type uint16; } grouping gb { leaf g { type tb; } }'),
  }, ['a']);
  assert.deepEqual([...ctx.modules.keys()].sort(), ['a', 'b']);
  assert.deepEqual(ctx.modules.get('a')!.submodules.map((s) => s.arg), ['a-sub', 'a-sub2']);
  assert.deepEqual(ctx.modules.get('a')!.nodes.map((n) => n.name), ['top', 'subtop', 'sub2top']);
  assert.deepEqual(childNames(nodeAt(ctx, 'a', 'top')), ['g', 's', 't']);
  assert.equal(nodeAt(ctx, 'a', 'top/g')!.module.name, 'a', 'a grouping used is in the using module');
  assert.equal(nodeAt(ctx, 'a', 'top/s')!.type?.base, 'uint16');
  assert.equal(nodeAt(ctx, 'a', 'subtop/u')!.type?.base, 'int8');
});

test('modules are ordered after what they import', (t) => {
  const ctx = loadYang(t, {
    'z.yang': mod('z', 'import y { prefix y; }'),
    'y.yang': mod('y', 'import x { prefix x; }'),
    'x.yang': mod('x', ''),
  }, ['z']);
  assert.deepEqual([...ctx.modules.keys()], ['x', 'y', 'z']);
});

test('what cannot be read is an error naming file:line', (t) => {
  const dir = yangFolder(t, {
    'a.yang': mod('a', 'include b;'),
    'b.yang': mod('b', ''),
    's.yang': 'submodule s { belongs-to a { prefix a; } }',
    'w.yang': mod('other', ''),
    'p.yang': mod('p', 'leaf x { type q:t; }'),
    'i.yang': mod('i', 'import nowhere { prefix n; }'),
    'g.yang': mod('g', 'container c { uses nothing; }'),
    'td.yang': mod('td', 'leaf x { type nothing; }'),
  });
  const load = (m: string): void => new YangContext([dir]).load([m]);
  assert.throws(() => load('a'), (e: unknown) => e instanceof YangError && /a\.yang:2:\d+: b is not a submodule/.test(e.message));
  assert.throws(() => load('s'), /s is a submodule, not a module/);
  assert.throws(() => load('w'), /file holds module other, expected w/);
  assert.throws(() => load('p'), /p\.yang:2:\d+: unknown prefix q in q:t/);
  assert.throws(() => load('i'), /i\.yang:2:\d+: module nowhere not found/);
  assert.throws(() => load('g'), /g\.yang:2:\d+: grouping nothing not found/);
  assert.throws(() => load('td'), /td\.yang:2:\d+: typedef nothing not found/);
});

test('groupings and typedefs are found in the nearest enclosing scope first', (t) => {
  const ctx = loadYang(t, {
    'm.yang': mod('m', `typedef t { type string; } grouping g { leaf outer { type t; } }
      container c { typedef t { type int32; } grouping g { leaf inner { type t; } } uses g; }
      container d { uses g; }`),
  }, ['m']);
  assert.deepEqual(childNames(nodeAt(ctx, 'm', 'c')), ['inner']);
  assert.equal(nodeAt(ctx, 'm', 'c/inner')!.type?.base, 'int32');
  assert.deepEqual(childNames(nodeAt(ctx, 'm', 'd')), ['outer']);
  assert.equal(nodeAt(ctx, 'm', 'd/outer')!.type?.base, 'string');
});

test('uses: if-feature and when go to the grouping\'s top nodes; refine changes what it names; augment adds', (t) => {
  const ctx = loadYang(t, {
    'm.yang': mod('m', `feature f1; feature f2;
      grouping g {
        container c { leaf x { type string; } list l { key k; leaf k { type string; } } }
        leaf z { type string; }
      }
      container top {
        uses g {
          if-feature f1;
          when "../on";
          refine c/x { mandatory true; default "d"; must "1 = 1"; config false; if-feature f2; }
          refine c { presence "p"; }
          refine c/l { min-elements 2; max-elements 5; }
          augment c { leaf added { type string; } }
        }
      }`),
  }, ['m']);
  const c = nodeAt(ctx, 'm', 'top/c')!;
  const x = nodeAt(ctx, 'm', 'top/c/x')!;
  assert.deepEqual(childNames(nodeAt(ctx, 'm', 'top')), ['c', 'z']);
  assert.deepEqual(c.ifFeatures, ['f1']);
  assert.deepEqual(nodeAt(ctx, 'm', 'top/z')!.ifFeatures, ['f1']);
  assert.deepEqual(c.when, ['../on']);
  assert.deepEqual(x.ifFeatures, ['f2'], 'refine adds to the node it names only');
  assert.deepEqual(x.when, []);
  assert.equal(x.mandatory, true);
  assert.deepEqual(x.defaults, ['d']);
  assert.deepEqual(x.must, ['1 = 1']);
  assert.equal(x.config, false);
  assert.equal(c.config, true);
  assert.equal(c.presence, true);
  assert.equal(nodeAt(ctx, 'm', 'top/c/l')!.minElements, 2);
  assert.equal(nodeAt(ctx, 'm', 'top/c/l')!.maxElements, 5);
  assert.deepEqual(childNames(c), ['x', 'l', 'added']);
  assert.throws(() => loadYang(t, { 'r.yang': mod('r', 'grouping g { leaf a { type string; } } container c { uses g { refine b { mandatory true; } } }') }, ['r']), /refine target b not found/);
  assert.throws(() => loadYang(t, { 'r.yang': mod('r', 'grouping g { leaf a { type string; } } container c { uses g { augment b { leaf n { type string; } } } }') }, ['r']), /augment target b not found/);
});

test('node statements: status, keys, defaults, limits, order, presence', (t) => {
  const ctx = loadYang(t, {
    'm.yang': mod('m', `container c {
      list l { key "a  b"; ordered-by user; min-elements 1; max-elements 3; status deprecated; leaf a { type string; } leaf b { type string; } }
      leaf-list ll { type string; default x; default y; max-elements unbounded; status obsolete; }
      container p { presence "on"; }
      container np;
      leaf plain { type string; }
    }`),
  }, ['m']);
  const l = nodeAt(ctx, 'm', 'c/l')!;
  assert.deepEqual(l.keys, ['a', 'b']);
  assert.equal(l.orderedByUser, true);
  assert.equal(l.minElements, 1);
  assert.equal(l.maxElements, 3);
  assert.equal(l.status, 'deprecated');
  const ll = nodeAt(ctx, 'm', 'c/ll')!;
  assert.deepEqual(ll.defaults, ['x', 'y']);
  assert.equal(ll.maxElements, undefined);
  assert.equal(ll.orderedByUser, false);
  assert.equal(ll.status, 'obsolete');
  assert.equal(nodeAt(ctx, 'm', 'c/p')!.presence, true);
  assert.equal(nodeAt(ctx, 'm', 'c/np')!.presence, false);
  const plain = nodeAt(ctx, 'm', 'c/plain')!;
  assert.equal(plain.status, 'current');
  assert.equal(plain.mandatory, false);
  assert.equal(plain.minElements, undefined);
});

test('choice: a data node directly in it is a case of its own name that carries only its status', (t) => {
  const ctx = loadYang(t, {
    'm.yang': mod('m', `feature f;
      container c { choice ch { mandatory true;
        leaf short { if-feature f; when "1"; must "2"; mandatory true; status deprecated; type empty; }
        case long { leaf l1 { type string; } }
      } }`),
  }, ['m']);
  const ch = nodeAt(ctx, 'm', 'c/ch')!;
  assert.equal(ch.mandatory, true);
  assert.deepEqual(ch.children.map((n) => `${n.kind}:${n.name}`), ['case:short', 'case:long']);
  const kase = ch.children[0]!;
  assert.equal(kase.implicit, true);
  assert.equal(ch.children[1]!.implicit, undefined);
  assert.equal(kase.status, 'deprecated');
  assert.deepEqual([kase.ifFeatures, kase.when, kase.must, kase.mandatory], [[], [], [], false]);
  assert.deepEqual(kase.children.map((n) => [n.kind, n.ifFeatures, n.when, n.must, n.mandatory]), [['leaf', ['f'], ['1'], ['2'], true]]);
  assert.deepEqual(dataChildren(nodeAt(ctx, 'm', 'c')!).map((n) => n.name), ['short', 'l1']);
});

test('augment from another module: its namespace, its if-feature and when, into a choice as a case', (t) => {
  const ctx = loadYang(t, {
    'b.yang': mod('b', 'container top { choice ch { case one { leaf o { type string; } } } }'),
    'o.yang': mod('o', `import b { prefix b; } feature fx;
      augment "/b:top" { if-feature fx; when "b:ch"; leaf added { type string; } container box; }
      augment "/b:top/b:ch" { leaf bare { type string; } case full { leaf f { type string; } } }`),
  }, ['o']);
  const top = nodeAt(ctx, 'b', 'top')!;
  assert.deepEqual(childNames(top), ['ch', 'added', 'box']);
  const added = nodeAt(ctx, 'b', 'top/added')!;
  assert.equal(added.module.name, 'o');
  assert.deepEqual(added.augmentIfFeatures, ['fx']);
  assert.deepEqual(added.ifFeatures, []);
  assert.deepEqual(added.when, ['b:ch']);
  assert.equal(added.config, true);
  const ch = nodeAt(ctx, 'b', 'top/ch')!;
  assert.deepEqual(ch.children.map((n) => `${n.kind}:${n.name}`), ['case:one', 'case:bare', 'case:full']);
  const a = ctx.modules.get('o')!.stmt.subs.filter((s) => s.keyword === 'augment');
  assert.equal(ctx.augmentTarget(a[0]!), top);
  assert.deepEqual(ctx.augmentNodes(a[1]!)!.map((n) => `${n.kind}:${n.name}`), ['leaf:bare', 'case:full'], 'the augment holds the bare leaf, not its case');
});

test('an augment onto a node a later augment of the module adds: the node lands where it was first named (as pyang 2.7.1 orders them)', (t) => {
  const ctx = loadYang(t, {
    'b.yang': mod('b', 'container top { leaf own { type string; } }'),
    'o.yang': mod('o', `import b { prefix b; }
      augment "/b:top/o:box/o:inner" { leaf deepest { type string; } }
      augment "/b:top/o:box/o:never" { leaf lost { type string; } }
      augment "/b:top" { leaf first { type string; } }
      augment "/b:top" { container box { leaf own { type string; } } leaf last { type string; } }
      augment "/b:top/o:box" { leaf middle { type string; } }
      augment "/b:top/o:box" { container inner; leaf after { type string; } }`),
  }, ['o']);
  assert.deepEqual(childNames(nodeAt(ctx, 'b', 'top')), ['own', 'box', 'first', 'last']);
  // inner was named (by the first augment) before middle was added: it comes first.
  assert.deepEqual(childNames(nodeAt(ctx, 'b', 'top/box')), ['own', 'inner', 'middle', 'after']);
  assert.deepEqual(childNames(nodeAt(ctx, 'b', 'top/box/inner')), ['deepest']);
  assert.equal(nodeAt(ctx, 'b', 'top/box/inner')!.parent, nodeAt(ctx, 'b', 'top/box'));
  // pyang prints never (and reports it not found); a node nothing defines is left out here.
  assert.equal(ctx.warnings.length, 1, ctx.warnings.join('\n'));
  assert.match(ctx.warnings[0]!, /o\.yang:4:\d+: augment target \/b:top\/o:box\/o:never not found/);
});

test('an augment of another module into a node not there yet waits for it, without a placeholder', (t) => {
  const ctx = loadYang(t, {
    'b.yang': mod('b', 'container top;'),
    'p.yang': mod('p', 'import b { prefix b; } import q { prefix q; } augment "/b:top/q:box" { leaf from-p { type string; } }'),
    'q.yang': mod('q', 'import b { prefix b; } augment "/b:top" { leaf before { type string; } container box; }'),
  }, ['p']);
  assert.deepEqual(childNames(nodeAt(ctx, 'b', 'top')), ['before', 'box']);
  assert.deepEqual(childNames(nodeAt(ctx, 'b', 'top/box')), ['from-p']);
  assert.deepEqual(ctx.warnings, []);
});

test('deviations: not-supported removes, replace and add change type, config, mandatory, default', (t) => {
  const ctx = loadYang(t, {
    'b.yang': mod('b', `container top {
      leaf gone { type string; } leaf retyped { type string; } leaf cfg { type string; }
      leaf must-have { type string; } leaf defaulted { type string; } }`),
    'd.yang': mod('d', `import b { prefix b; }
      deviation "/b:top/b:gone" { deviate not-supported; }
      deviation "/b:top/b:retyped" { deviate replace { type uint8; } }
      deviation "/b:top/b:cfg" { deviate replace { config false; } }
      deviation "/b:top/b:must-have" { deviate add { mandatory true; } }
      deviation "/b:top/b:defaulted" { deviate add { default "7"; } }
      deviation "/b:top/b:missing" { deviate not-supported; }`),
  }, ['d']);
  assert.deepEqual(childNames(nodeAt(ctx, 'b', 'top')), ['retyped', 'cfg', 'must-have', 'defaulted']);
  assert.equal(nodeAt(ctx, 'b', 'top/retyped')!.type?.base, 'uint8');
  assert.equal(nodeAt(ctx, 'b', 'top/cfg')!.config, false);
  assert.equal(nodeAt(ctx, 'b', 'top/must-have')!.mandatory, true);
  assert.deepEqual(nodeAt(ctx, 'b', 'top/defaulted')!.defaults, ['7']);
  assert.equal(ctx.warnings.length, 1);
  assert.match(ctx.warnings[0]!, /d\.yang:8:\d+: deviation target \/b:top\/b:missing not found/);
});

test('identities: bases across modules, several bases, chains; an unknown one is an error', (t) => {
  const ctx = loadYang(t, {
    'b.yang': mod('b', 'identity animal; identity pet;'),
    'o.yang': mod('o', `import b { prefix b; }
      identity cat { base b:animal; base b:pet; }
      identity kitten { base cat; }
      leaf which { type identityref { base b:pet; } }`),
  }, ['o']);
  const b = ctx.modules.get('b')!.identities;
  const o = ctx.modules.get('o')!.identities;
  assert.deepEqual(o.get('cat')!.bases, [b.get('animal'), b.get('pet')]);
  assert.deepEqual(o.get('kitten')!.bases, [o.get('cat')]);
  assert.ok(derivesFrom(o.get('kitten')!, b.get('animal')!));
  assert.ok(!derivesFrom(b.get('animal')!, o.get('kitten')!));
  assert.deepEqual(nodeAt(ctx, 'o', 'which')!.type?.identityBases, [b.get('pet')]);
  assert.throws(() => loadYang(t, { 'x.yang': mod('x', 'identity a { base nothing; }') }, ['x']), /x\.yang:2:\d+: identity nothing not found/);
});

test('config: false is inherited, an explicit true below it stays; rpcs, actions and notifications have none', (t) => {
  const ctx = loadYang(t, {
    'm.yang': mod('m', `container c {
        container state { config false; leaf s { type string; } }
        leaf w { type string; }
        action act { input { leaf i { type string; } } }
      }
      rpc r { output { leaf o { type string; } } input { leaf i { type string; } } }
      rpc bare;
      notification n { leaf e { type string; } }`),
  }, ['m']);
  assert.equal(nodeAt(ctx, 'm', 'c')!.config, true);
  assert.equal(nodeAt(ctx, 'm', 'c/state')!.config, false);
  assert.equal(nodeAt(ctx, 'm', 'c/state/s')!.config, false);
  assert.equal(nodeAt(ctx, 'm', 'c/w')!.config, true);
  assert.equal(nodeAt(ctx, 'm', 'c/act')!.config, undefined);
  assert.equal(nodeAt(ctx, 'm', 'c/act/input/i')!.config, undefined);
  assert.equal(nodeAt(ctx, 'm', 'r/input/i')!.config, undefined);
  assert.equal(nodeAt(ctx, 'm', 'n/e')!.config, undefined);
  assert.deepEqual(childNames(nodeAt(ctx, 'm', 'r')), ['input', 'output'], 'input first, as written or not');
  assert.deepEqual(nodeAt(ctx, 'm', 'bare')!.children.map((n) => n.kind), ['input', 'output']);
  assert.deepEqual(ctx.modules.get('m')!.nodes.map((n) => n.kind), ['container', 'rpc', 'rpc', 'notification']);
});

test('loadAll leaves a broken or incomplete module out with a warning, keeps the rest', (t) => {
  const dir = yangFolder(t, {
    'base@2026-01-01.yang': mod('base', 'container top;', 'b'),
    'broken.yang': 'module broken {\n  leaf x { type string }\n}\n',
    'lonely.yang': 'module lonely { namespace "urn:t:l"; prefix l; import missing { prefix m; } leaf y { type m:t; } }',
    'late.yang': mod('late', 'leaf z { type nothing; }'),
    'half.yang': mod('half', 'include half-sub; container fine;'),
    'half-sub.yang': 'submodule half-sub { belongs-to half { prefix h; } leaf bad { type nothing; } }',
  });
  const ctx = new YangContext([dir]);
  ctx.loadAll();
  assert.deepEqual([...ctx.modules.keys()].sort(), ['base', 'half', 'late']);
  assert.deepEqual(ctx.modules.get('late')!.nodes, []);
  assert.deepEqual(ctx.modules.get('half')!.nodes, [], 'nothing of a module compiled in part');
  assert.equal(ctx.warnings.length, 4, ctx.warnings.join('\n'));
  assert.match(ctx.warnings.join('\n'), /broken left out: .*broken\.yang:2:\d+: expected ';' or '\{'/);
  assert.match(ctx.warnings.join('\n'), /lonely left out: .*module missing not found/);
  assert.match(ctx.warnings.join('\n'), /late left out: .*typedef nothing not found/);
  assert.match(ctx.warnings.join('\n'), /half left out: .*half-sub\.yang:1:\d+: typedef nothing not found/);
  // load() is strict.
  assert.throws(() => new YangContext([dir]).load(['lonely']), /module missing not found/);
});
