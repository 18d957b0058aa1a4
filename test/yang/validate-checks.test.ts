/**
 * Each check of validate.ts and constraints.ts on a model written for it: the bad case is
 * reported (with its path) and the good case next to it is not, so removing a check or
 * turning it around fails here. Trees are parsed as the datastore, then changed as a module
 * would change them: only what the change made or reached is judged.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseString, type XmlNode } from '../../src/xml/index.ts';
import { SchemaSet, validate, type ValidateOptions } from '../../src/yang/validate.ts';
import { featureExpr } from '../../src/yang/constraints.ts';

const VT = 'urn:t:vt';
const MODEL = `module vt {
  yang-version 1.1; namespace "${VT}"; prefix vt;
  feature fa; feature fb;
  identity base-id; identity kid { base base-id; } identity other;
  typedef pct { type uint8 { range "0..100"; } }
  grouping g { leaf gleaf { type string; } }
  container top {
    leaf num { type int8 { range "-10..10"; } }
    leaf dec { type decimal64 { fraction-digits 2; range "0..5"; } }
    leaf str { type string { length "2..4"; pattern '[a-z]+'; } }
    leaf nox { type string { pattern 'x.*' { modifier invert-match; } } }
    leaf flag { type boolean; }
    leaf marker { type empty; }
    leaf color { type enumeration { enum red; enum blue; } }
    leaf perms { type bits { bit read; bit write; } }
    leaf kind { type identityref { base base-id; } }
    leaf u { type union { type int8; type enumeration { enum auto; } } }
    leaf pc { type pct; }
    leaf big { type uint64; }
    leaf state-leaf { config false; type string; }
    leaf feat { if-feature fa; type string; }
    leaf nofeat { if-feature "not fa"; type string; }
    leaf both { if-feature "fa and fb"; type string; }
    anydata blob;
    list item {
      key id; unique "port"; max-elements 3;
      leaf id { type string; }
      leaf port { type uint16; }
      leaf ref { type leafref { path "../../item/id"; } }
      leaf weakref { type leafref { path "../../item/id"; require-instance false; } }
      leaf numref { type leafref { path "../../num"; } }
      leaf mode { type string; }
      leaf trunk { when "../mode = 'trunk'"; type string; }
      leaf idref { when "derived-from-or-self(../../kind, 'vt:base-id')"; type string; }
      container limits { must "max >= min" { error-message "max below min"; } leaf min { type uint8; } leaf max { type uint8; } }
    }
    leaf-list tags { type string; }
    choice pick { case c1 { when "flag = 'true'"; leaf c1leaf { type string; } } case c2 { leaf c2leaf { type string; } } }
  }
  container holder {
    presence "p";
    leaf must-have { type string; mandatory true; }
    container np { leaf deep { type string; mandatory true; } }
    container pres { presence "x"; leaf inner { type string; mandatory true; } }
    choice how { mandatory true; case a { leaf a1 { type string; } leaf a2 { type string; mandatory true; } } case b { leaf b1 { type string; } } }
    leaf guarded { when "../a1"; mandatory true; type string; }
    list entries { key k; min-elements 1; leaf k { type string; } }
    container agg { uses g { when "../a1 = 'x'"; } }
    leaf-list few { type string; max-elements 2; }
  }
  augment "/vt:top" { when "vt:flag = 'true'"; leaf augleaf { type string; } }
}`;

const dir = mkdtempSync(join(tmpdir(), 'vt-'));
writeFileSync(join(dir, 'vt.yang'), MODEL);
const ALL_ON = SchemaSet.fromDirs([dir]);
const ONLY_FA = SchemaSet.fromDirs([dir], { features: { vt: ['fa'] } });
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));

// A holder that fits: the check under test is the only thing wrong.
const HOLDER = `<must-have>m</must-have><np><deep>d</deep></np><a1>x</a1><a2>y</a2><guarded>g</guarded><entries><k>1</k></entries>`;

/** The datastore `existing` (top-level XML in VT), changed by `edit`: the issues' `path: message`. */
function check(existing: string, edit: (root: XmlNode) => void, opts: ValidateOptions & { set?: SchemaSet } = {}): string[] {
  const root = parseString(existing.replace(/<(top|holder)(\/?)>/g, `<$1 xmlns="${VT}"$2>`));
  edit(root);
  return validate(root, opts.set ?? ALL_ON, opts).issues.map((i) => `${i.path}: ${i.message}`);
}

/** A new <top> holding one leaf `name` with `value`. */
const leaf = (name: string, value: string) => (root: XmlNode): void => void root.create('top', { attributes: { xmlns: VT } }).create(name, { data: value });

function bad(issues: string[], re: RegExp): void {
  assert.equal(issues.length, 1, issues.join('\n'));
  assert.match(issues[0]!, re);
}

test('names: unknown element, wrong namespace, unknown namespace said, state data, leaf with children', () => {
  bad(check('', (r) => void r.create('nothing', { attributes: { xmlns: VT } })), /^\/nothing: unknown element nothing in namespace urn:t:vt/);
  bad(check('', (r) => void r.create('top', { attributes: { xmlns: 'urn:t:elsewhere' } })), /^\/top: wrong namespace urn:t:elsewhere for top/);
  const root = parseString('');
  root.create('box', { attributes: { xmlns: 'urn:t:nomodel' } });
  const report = validate(root, ALL_ON);
  assert.deepEqual([report.issues, report.unchecked], [[], ['urn:t:nomodel']]);
  // A change below an element the datastore had, of a namespace without a model, is unjudged too.
  const below = parseString('<box xmlns="urn:t:nomodel"><size>1</size></box>');
  below.box!.size!.setData('2');
  assert.deepEqual(validate(below, ALL_ON).unchecked, ['urn:t:nomodel']);
  bad(check('<top/>', (r) => void r.top!.create('nme', { data: '1' })), /^\/top\/nme: unknown element nme: top has num, dec/);
  bad(check('<top/>', (r) => void r.top!.create('num', { data: '1', attributes: { xmlns: 'urn:t:other' } })), /^\/top\/num: wrong namespace urn:t:other for num: expected urn:t:vt/);
  bad(check('', leaf('state-leaf', 'x')), /^\/top\/state-leaf: leaf state-leaf is state data \(config false\)/);
  bad(check('', (r) => void r.create('top', { attributes: { xmlns: VT } }).create('num').create('x')), /^\/top\/num: leaf num has child elements/);
  assert.deepEqual(check('', (r) => void r.create('top', { attributes: { xmlns: VT } }).create('blob').create('anything', { data: 'x' })), []);
});

test('if-feature: off with the set\'s features, all on when none are known (so "not fa" is off)', () => {
  assert.deepEqual(check('', leaf('feat', 'x'), { set: ONLY_FA }), []);
  // The compiler may drop a node that is off (then it is unknown): either way it is refused.
  bad(check('', leaf('feat', 'x'), { set: SchemaSet.fromDirs([dir], { features: { vt: [] } }) }), /unknown element feat|leaf feat is not supported: its if-feature fa is false/);
  bad(check('', leaf('nofeat', 'x')), /unknown element nofeat|leaf nofeat is not supported: its if-feature not fa is false \(all features on\)/);
  bad(check('', leaf('both', 'x'), { set: ONLY_FA }), /unknown element both|if-feature fa and fb is false/);
  assert.deepEqual(check('', leaf('both', 'x')), []);
  // and binds tighter than or; not tighter than and.
  const on = (f: string): boolean => f === 'a';
  assert.equal(featureExpr('a and b', on), false);
  assert.equal(featureExpr('a or b', on), true);
  assert.equal(featureExpr('b and a or a', on), true);
  assert.equal(featureExpr('b and (a or a)', on), false);
  assert.equal(featureExpr('not b and a', on), true);
  assert.equal(featureExpr('not (a and a)', on), false);
});

test('values: each type, a good value and a bad one', () => {
  const cases: [string, string, string, RegExp][] = [
    ['num', '5', 'x5', /is not an integer/],
    ['num', '-10', '11', /outside the range -10\.\.10/],
    ['num', '0', '200', /out of the int8 range/],
    ['big', '18446744073709551615', '18446744073709551616', /out of the uint64 range/],
    ['pc', '100', '101', /outside the range 0\.\.100 of pct/],
    ['dec', '4.25', '4.255', /more than 2 fraction digits/],
    ['dec', '5', '5.01', /outside the range 0\.\.5/],
    ['dec', '1.5', 'one', /is not a decimal64/],
    ['str', 'abcd', 'abcde', /has length 5, outside 2\.\.4/],
    ['str', 'ab', 'a1', /does not match the pattern \[a-z\]\+/],
    ['nox', 'yes', 'xyes', /does not match the pattern x\.\*/],
    ['flag', 'false', 'yes', /is not a boolean/],
    ['marker', '', 'x', /given for an empty leaf/],
    ['color', 'blue', 'green', /is not one of enumeration: red, blue/],
    ['perms', 'read write', 'read exec', /has bits not in bits: read, write/],
    ['u', 'auto', 'manual', /fits no member of union union/],
    ['u', '-3', '300', /fits no member/],
  ];
  for (const [name, good, wrong, re] of cases) {
    assert.deepEqual(check('', leaf(name, good)), [], `${name} = ${good}`);
    bad(check('', leaf(name, wrong)), re);
  }
});

test('identityref: a derived identity fits, the base itself and an unrelated one do not; the prefix is read from the XML', () => {
  const id = (value: string, attrs: Record<string, string> = { 'xmlns:v': VT }) => (r: XmlNode): void => void r.create('top', { attributes: { xmlns: VT } }).create('kind', { data: value, attributes: attrs });
  assert.deepEqual(check('', id('v:kid')), []);
  assert.deepEqual(check('', id('vt:kid', {})), [], 'the module prefix');
  assert.deepEqual(check('', id('kid', {})), [], 'no prefix: the default namespace');
  bad(check('', id('v:base-id')), /value "v:base-id" is not an identity derived from vt:base-id/);
  bad(check('', id('v:other')), /is not an identity derived/);
  bad(check('', id('v:kid', { 'xmlns:v': 'urn:t:elsewhere' })), /is not an identity derived/);
});

test('list entries: a missing key; an entry given twice with different values, new and under an existing list; a leaf twice', () => {
  bad(check('<top/>', (r) => void r.top!.create('item').create('port', { data: '1' })), /^\/top\/item\[id=''\]: list entry without its key id/);
  const twice = (ports: string[]) => (r: XmlNode): void => {
    for (const p of ports) r.top!.create('item').create('id', { data: 'a' }).getParent()!.create('port', { data: p });
  };
  assert.deepEqual(check('<top/>', twice(['1', '1'])), [], 'twice alike is a merge');
  bad(check('<top/>', twice(['1', '2'])), /^\/top\/item: entry id='a' given twice with different values: port: '1' and '2'/);
  // Under an existing entry: the new one clashes with what the datastore has.
  bad(check('<top><item><id>a</id><port>1</port></item></top>', twice(['2'])), /entry id='a' given twice with different values: port: '1' and '2'/);
  assert.deepEqual(check('<top><item><id>a</id><port>1</port></item></top>', twice(['1'])), []);
  // Two entries the datastore had, unchanged: not the modules' doing.
  assert.deepEqual(check('<top><item><id>a</id><port>1</port></item><item><id>a</id><port>2</port></item><num>1</num></top>', (r) => void r.top!.num!.setData('2')), []);
  bad(check('<top><num>1</num></top>', (r) => void r.top!.create('num', { data: '2' })), /^\/top\/num: leaf num given twice with different values: '1' and '2'/);
  assert.deepEqual(check('<top/>', (r) => void ['x', 'x'].forEach((t) => r.top!.create('tags', { data: t }))), []);
});

test('only what changed is judged: a bad value the datastore had passes, a changed one does not', () => {
  assert.deepEqual(check('<top><num>99</num><str>ok</str></top>', (r) => void r.top!.str!.setData('no')), []);
  bad(check('<top><num>99</num><str>ok</str></top>', (r) => void r.top!.num!.setData('98')), /^\/top\/num: value "98"/);
});

test('mandatory: leaves, through an absent non-presence container, a mandatory choice, the active case, min-elements; not in an absent presence container, nor under a when', () => {
  assert.equal(check('', (r) => void r.create('holder', { attributes: { xmlns: VT } })).length, 4, 'an empty holder misses must-have, np/deep, the choice how, entries');
  const holder = (inner: string) => (r: XmlNode): void => {
    const h = parseString(`<holder xmlns="${VT}">${inner}</holder>`).holder!.copy();
    r.add(h);
  };
  assert.deepEqual(check('', holder(HOLDER)), []);
  bad(check('', holder(HOLDER.replace('<must-have>m</must-have>', ''))), /^\/holder\/must-have: missing mandatory leaf must-have/);
  bad(check('', holder(HOLDER.replace('<np><deep>d</deep></np>', ''))), /^\/holder\/np\/deep: missing mandatory leaf deep/);
  bad(check('', holder(HOLDER.replace('<np><deep>d</deep></np>', '<np/>'))), /^\/holder\/np\/deep: missing mandatory leaf deep/);
  bad(check('', holder(HOLDER.replace('<a2>y</a2>', ''))), /^\/holder\/a2: missing mandatory leaf a2/);
  bad(check('', holder(HOLDER.replace('<a1>x</a1><a2>y</a2>', '').replace('<guarded>g</guarded>', ''))), /^\/holder\/how: missing mandatory choice how/);
  assert.deepEqual(check('', holder(HOLDER.replace('<a1>x</a1><a2>y</a2>', '<b1>z</b1>').replace('<guarded>g</guarded>', ''))), [], 'case b has no mandatory leaf; a2 is not required');
  bad(check('', holder(HOLDER.replace('<entries><k>1</k></entries>', ''))), /^\/holder\/entries: list entries needs at least 1 entries, has 0/);
  bad(check('', holder(`${HOLDER}<pres/>`)), /^\/holder\/pres\/inner: missing mandatory leaf inner/);
  // A mandatory leaf removed from an existing holder.
  bad(check(`<holder>${HOLDER}</holder>`, (r) => void r.holder!.child('must-have')!.delete()), /^\/holder\/must-have: missing mandatory leaf must-have/);
  assert.deepEqual(check(`<holder>${HOLDER}</holder>`, (r) => void r.holder!.child('guarded')!.delete()), [], 'guarded has a when: not required without judging it');
});

test('min/max-elements: broken by the change is reported, broken before is not', () => {
  const few = (n: number): string => `<holder>${HOLDER}${Array.from({ length: n }, (_, i) => `<few>f${i}</few>`).join('')}</holder>`;
  assert.deepEqual(check(few(1), (r) => void r.holder!.create('few', { data: 'new' })), []);
  bad(check(few(2), (r) => void r.holder!.create('few', { data: 'new' })), /^\/holder\/few: leaf-list few needs at most 2 entries, has 3/);
  assert.deepEqual(check(few(3), (r) => void r.holder!.create('few', { data: 'new' })), [], 'over the maximum before the change');
  bad(check(`<holder>${HOLDER}</holder>`, (r) => void r.holder!.entries!.delete()), /^\/holder\/entries: list entries needs at least 1 entries, has 0/);
  const items = (n: number): string => `<top>${Array.from({ length: n }, (_, i) => `<item><id>i${i}</id></item>`).join('')}</top>`;
  bad(check(items(3), (r) => void r.top!.create('item').create('id', { data: 'i9' })), /item needs at most 3 entries, has 4/);
});

test('unique: a new entry with the same port as an existing one; entries without the leaf are not compared', () => {
  const add = (port?: string) => (r: XmlNode): void => {
    const e = r.top!.create('item');
    e.create('id', { data: 'b' });
    if (port !== undefined) e.create('port', { data: port });
  };
  bad(check('<top><item><id>a</id><port>7</port></item></top>', add('7')), /^\/top\/item\[id='b'\]: unique "port" broken: entries id='b' and id='a' have the same values '7'/);
  assert.deepEqual(check('<top><item><id>a</id><port>7</port></item></top>', add('8')), []);
  assert.deepEqual(check('<top><item><id>a</id></item></top>', add()), []);
  // Two entries that clashed before, and a change elsewhere in the list: not the change's doing.
  assert.deepEqual(check('<top><item><id>a</id><port>7</port></item><item><id>c</id><port>7</port></item></top>', add('8')), []);
});

test('leafref require-instance: a target that is there, one that is not, require-instance false, a target the change removed', () => {
  const ref = (leafName: string, value: string) => (r: XmlNode): void => void r.top!.item!.create(leafName, { data: value });
  assert.deepEqual(check('<top><item><id>a</id></item><item><id>b</id></item></top>', ref('ref', 'b')), []);
  bad(check('<top><item><id>a</id></item></top>', ref('ref', 'z')), /^\/top\/item\[id='a'\]\/ref: leafref: no \.\.\/\.\.\/item\/id with value "z" \(require-instance\)/);
  assert.deepEqual(check('<top><item><id>a</id></item></top>', ref('weakref', 'z')), []);
  bad(check('<top><num>3</num><item><id>a</id></item></top>', ref('numref', '4')), /numref: leafref: no \.\.\/\.\.\/num with value "4"/);
  // The value is of the target's type too: num is an int8.
  assert.match(check('<top><num>3</num><item><id>a</id></item></top>', ref('numref', 'x')).join('\n'), /numref: value "x" is not an integer/);
  // The change removes b, which a's ref points at.
  bad(check('<top><item><id>a</id><ref>b</ref></item><item><id>b</id></item></top>', (r) => void r.top!.find("item[id='b']")!.delete()), /^\/top\/item\[id='a'\]\/ref: leafref: no .* with value "b" \(require-instance\): the change removed it/);
  assert.deepEqual(check('<top><item><id>a</id><ref>a</ref></item><item><id>b</id></item></top>', (r) => void r.top!.find("item[id='b']")!.delete()), []);
  // A ref that pointed at nothing before is not the change's doing.
  assert.deepEqual(check('<top><item><id>a</id><ref>zz</ref></item><item><id>b</id></item></top>', (r) => void r.top!.find("item[id='b']")!.delete()), []);
});

test('when: the node\'s own, an augment\'s (on the target), a uses\' (on the parent); derived-from', () => {
  const item = '<top><kind xmlns:v="urn:t:vt">v:kid</kind><item><id>a</id><mode>trunk</mode></item></top>';
  assert.deepEqual(check(item, (r) => void r.top!.item!.create('trunk', { data: 'x' })), []);
  bad(check(item.replace('trunk', 'access'), (r) => void r.top!.item!.create('trunk', { data: 'x' })), /^\/top\/item\[id='a'\]\/trunk: when "\.\.\/mode = 'trunk'" is false/);
  assert.deepEqual(check(item, (r) => void r.top!.item!.create('idref', { data: 'x' })), []);
  bad(check(item.replace('v:kid', 'v:other'), (r) => void r.top!.item!.create('idref', { data: 'x' })), /idref: when "derived-from-or-self/);
  assert.deepEqual(check('<top><flag>true</flag></top>', (r) => void r.top!.create('augleaf', { data: 'x' })), []);
  bad(check('<top><flag>false</flag></top>', (r) => void r.top!.create('augleaf', { data: 'x' })), /^\/top\/augleaf: when "vt:flag = 'true'" is false/);
  assert.deepEqual(check(`<holder>${HOLDER}<agg/></holder>`, (r) => void r.holder!.agg!.create('gleaf', { data: 'x' })), []);
  // A case's when, on the node's parent.
  assert.deepEqual(check('<top><flag>true</flag></top>', (r) => void r.top!.create('c1leaf', { data: 'x' })), []);
  bad(check('<top><flag>false</flag></top>', (r) => void r.top!.create('c1leaf', { data: 'x' })), /^\/top\/c1leaf: when "flag = 'true'" is false/);
  bad(check(`<holder>${HOLDER.replace('<a1>x</a1>', '<a1>q</a1>')}<agg/></holder>`, (r) => void r.holder!.agg!.create('gleaf', { data: 'x' })), /gleaf: when "\.\.\/a1 = 'x'" is false/);
});

test('must: false with its error-message; true passes; a change below an unchanged node with a must is judged', () => {
  const limits = (min: string, max: string) => (r: XmlNode): void => {
    const l = r.top!.item!.create('limits');
    l.create('min', { data: min });
    l.create('max', { data: max });
  };
  assert.deepEqual(check('<top><item><id>a</id></item></top>', limits('1', '2')), []);
  bad(check('<top><item><id>a</id></item></top>', limits('3', '2')), /^\/top\/item\[id='a'\]\/limits: must "max >= min" is false: max below min/);
  bad(check('<top><item><id>a</id><limits><min>1</min><max>5</max></limits></item></top>', (r) => void r.top!.item!.limits!.max!.setData('0')), /limits: must "max >= min" is false/);
});

test('a partial read (SERVICE_XPATH): a constraint that reaches what was not read is counted, not reported', () => {
  const root = parseString(`<top xmlns="${VT}"><item><id>a</id></item></top>`);
  root.top!.item!.create('ref', { data: 'b' });
  const whole = validate(root, ALL_ON);
  assert.equal(whole.issues.length, 1);
  const partial = validate(root, ALL_ON, { read: { xpath: '/vt:top/vt:item/vt:ref', namespaces: { vt: VT } } });
  assert.deepEqual([partial.issues, partial.notJudged], [[], 1]);
  const inside = validate(root, ALL_ON, { read: { xpath: '/vt:top', namespaces: { vt: VT } } });
  assert.equal(inside.issues.length, 1, 'read whole: judged');
  // A holder made where nothing was read may merge with one the datastore has: its mandatory leaves are not judged.
  const outside = parseString(`<top xmlns="${VT}"/>`);
  outside.create('holder', { attributes: { xmlns: VT } });
  const unread = validate(outside, ALL_ON, { read: { xpath: '/vt:top', namespaces: { vt: VT } } });
  assert.deepEqual([unread.issues, unread.notJudged], [[], 1]);
  assert.equal(validate(outside, ALL_ON).issues.length, 4);
});
