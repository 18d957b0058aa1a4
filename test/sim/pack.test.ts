/**
 * Packed subtrees (SNode.pack: children kept as their XML, parsed one level when reached)
 * and the simulator's datastores holding device configs packed: the same XML, nodes,
 * edits and replies as fully parsed trees. The reference is the simulator's loading
 * without packing (parse, canonical, sortEntries) and applyEdit on that tree.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { applyEdit, canonical, sortEntries, treesEqual } from '../../src/sim/edit.ts';
import { Schema } from '../../src/sim/datamodel.ts';
import { SNode, parseXml } from '../../src/sim/tree.ts';
import { filterTree } from '../../src/sim/xpath.ts';
import { rng } from '../rng.ts';
import { BASE, CTRL, rig, rpc } from './helpers.ts';

const EX = 'urn:example:clixon';
const NC = `xmlns:nc="${BASE}"`;

/** Random XML: nested elements, empty ones, escaped text, attribute values holding `>`, `/` and escapes. */
function randomXml(r: () => number, depth: number): string {
  const pick = (n: number): number => Math.floor(r() * n);
  const names = ['a', 'b', 'list', 'x-y', 'n.1', 'leaf_2'];
  const texts = ['plain', 'a &amp; b', '&lt;tag&gt; "q" \'s\'', 'ünïcödé ✓', ' spaced ', '1 &gt; 0', '&#38;&#x3c;'];
  let x = '';
  for (let i = 1 + pick(5); i > 0; i--) {
    const name = names[pick(names.length)]!;
    const attrs = r() < 0.3 ? ` xmlns="urn:x:${pick(3)}/a>b"` : r() < 0.1 ? ' k="v&quot;&lt;/&gt;"' : '';
    const kind = depth > 0 ? pick(4) : pick(2);
    if (kind === 0) x += `<${name}${attrs}/>`;
    else if (kind === 1) x += `<${name}${attrs}>${texts[pick(texts.length)]}</${name}>`;
    else x += `<${name}${attrs}>${randomXml(r, depth - 1)}</${name}>`;
  }
  return x;
}

/** Names, attributes, text, children and parent links, all the way down (reading unpacks). */
function assertSameTree(got: SNode, want: SNode, where: string): void {
  assert.equal(got.name, want.name, where);
  assert.deepEqual([...got.attrs], [...want.attrs], `${where}: attributes of ${want.name}`);
  assert.equal(got.text, want.text, `${where}: text of ${want.name}`);
  assert.equal(got.children.length, want.children.length, `${where}: children of ${want.name}`);
  got.children.forEach((c, i) => {
    assert.equal(c.parent, got, `${where}: parent of ${c.name}`);
    assertSameTree(c, want.children[i]!, where);
  });
}

test('a packed element reads back as the element it was: XML, names, attributes, text, parents (seeded)', () => {
  for (let seed = 1; seed <= 200; seed++) {
    const xml = `<top xmlns="urn:t">${randomXml(rng(seed), 3)}</top>`;
    const packed = parseXml(xml).children[0]!;
    const want = parseXml(xml).children[0]!;
    SNode.pack(packed);
    assert.ok(SNode.isPacked(packed), `seed ${seed}`);
    assert.equal(packed.toXml(), want.toXml(), `seed ${seed}`);
    assertSameTree(packed, want, `seed ${seed}`);
  }
});

test('a change below a packed element shows in its XML and its ancestors; a copy is not changed', () => {
  const xml = `<top><a><b><c>1</c><d>2</d></b><e>3</e></a><f>4</f></top>`;
  const doc = parseXml(`<r>${xml}</r>`);
  const top = doc.children[0]!.children[0]!;
  doc.toXml();
  SNode.pack(top);
  const copy = top.clone();
  top.child('a')!.child('b')!.child('c')!.text = 'changed';
  assert.equal(doc.toXml(), '<r><top><a><b><c>changed</c><d>2</d></b><e>3</e></a><f>4</f></top></r>');
  assert.equal(copy.toXml(), xml);
  copy.child('f')!.text = '5';
  assert.equal(copy.toXml(), '<top><a><b><c>1</c><d>2</d></b><e>3</e></a><f>5</f></top>');
  assert.equal(doc.toXml(), '<r><top><a><b><c>changed</c><d>2</d></b><e>3</e></a><f>4</f></top></r>');
});

test('treesEqual on packed subtrees: equal XML is equal, different content is not, packed against parsed', () => {
  const s = new Schema();
  const one = (v: string): SNode => parseXml(`<config><t xmlns="${EX}"><parameter><name>p</name><value>${v}</value></parameter></t></config>`).children[0]!;
  const a = one('1');
  const b = one('1');
  const c = one('2');
  for (const n of [a, b, c]) SNode.pack(n);
  assert.equal(treesEqual(a, b, s), true);
  assert.equal(treesEqual(a, c, s), false);
  assert.equal(treesEqual(a, one('1'), s), true);
  assert.equal(treesEqual(one('2'), a, s), false);
});

/** Device configs to load: the fixtures', and seeded lists out of clixon's order, prefixed names, escapes. */
function configs(): string[] {
  const out = ['test/devkit/fixtures/running.xml', 'test/modules/banner.xml', 'test/modules/ssh-users.xml'].map((f) =>
    readFileSync(join(import.meta.dirname, '../..', f), 'utf8'),
  );
  const r = rng(7);
  let x = `<config><devices xmlns="${CTRL}">`;
  for (let d = 0; d < 12; d++) {
    x += `<device><name>dev${d}</name><enabled>true</enabled><config><x:table xmlns:x="${EX}">`;
    for (let i = 0; i < 30; i++) x += `<x:parameter><x:name>p${Math.floor(r() * 100)}</x:name><x:value>v &amp; ${i}</x:value></x:parameter>`;
    x += `</x:table><sys xmlns="urn:example:sys"><contact>noc@example.com</contact><empty/></sys></config></device>`;
  }
  out.push(x + '</devices></config>');
  return out;
}

/** The datastore as the simulator built it before packing: parsed whole, made canonical, sorted. */
function reference(text: string, s: Schema): SNode {
  const doc = new SNode('');
  let top = parseXml(text).children;
  if (top.length === 1 && (top[0]!.localName === 'config' || top[0]!.localName === 'data') && top[0]!.ns !== CTRL) top = top[0]!.children;
  for (const c of top) doc.append(canonical(c, ''));
  return sortEntries(doc, s);
}

const firstParam = (doc: SNode, device: string): string | undefined =>
  doc.child('devices')!.childrenNamed('device').find((d) => d.childText('name') === device)!.child('config')!.child('table')!.children[0]!.childText('name');

const data = (doc: SNode): string => {
  const inner = doc.toXml();
  return `<rpc-reply xmlns="${BASE}">${inner === '' ? '<data/>' : `<data>${inner}</data>`}</rpc-reply>`;
};

test('get-config of packed device configs is the fully parsed datastore, before and after edits and a commit', async () => {
  const s = new Schema();
  for (const [i, text] of configs().entries()) {
    const r = await rig({ config: text, yangDirs: [] });
    try {
      const c = await r.connect();
      const want = reference(text, s);
      const get = (db: string): Promise<string> => c.rpc(rpc(`<get-config><source><${db}/></source></get-config>`));
      assert.equal(await get('running'), data(want), `config ${i}: running`);
      if (i < 3) continue;
      const edits = [
        // a new entry, a changed leaf, an entry deleted, a whole table removed, a config replaced
        `<device><name>dev0</name><config><table xmlns="${EX}"><parameter><name>new</name><value>n</value></parameter></table></config></device>` +
          `<device><name>dev1</name><config><sys xmlns="urn:example:sys"><contact>other@example.com</contact></sys></config></device>`,
        `<device><name>dev2</name><config><table xmlns="${EX}"><parameter nc:operation="remove"><name>p${40}</name></parameter>` +
          `<parameter nc:operation="delete"><name>${firstParam(want, 'dev2')}</name></parameter></table></config></device>`,
        `<device><name>dev3</name><config><table xmlns="${EX}" nc:operation="remove"/></config></device>` +
          `<device><name>dev4</name><config nc:operation="replace"><sys xmlns="urn:example:sys"><contact>x@y</contact></sys></config></device>`,
      ];
      for (const e of edits) {
        const body = `<devices xmlns="${CTRL}" ${NC}>${e}</devices>`;
        assert.match(await c.rpc(rpc(`<edit-config><target><candidate/></target><config>${body}</config></edit-config>`)), /<ok\/>/);
        applyEdit(want, parseXml(`<config>${body}</config>`).children[0]!, 'merge', s);
      }
      assert.equal(await get('candidate'), data(want), `config ${i}: candidate after the edits`);
      const xpath = `/ctrl:devices/ctrl:device[ctrl:name='dev2']/ctrl:config`;
      const filtered = await c.rpc(rpc(`<get-config><source><candidate/></source><filter type="xpath" select="${xpath}" xmlns:ctrl="${CTRL}"/></get-config>`));
      assert.equal(filtered, data(filterTree(want, xpath, { ctrl: CTRL }, s)), `config ${i}: filtered`);
      assert.match(await c.rpc(rpc('<commit/>')), /<ok\/>/);
      assert.equal(await get('running'), data(want), `config ${i}: running after the commit`);
    } finally {
      await r.close();
    }
  }
});

test('an edit reads only the packed subtrees it reaches: a sibling it does not name stays packed', () => {
  const s = new Schema();
  let ifs = '';
  for (let i = 0; i < 50; i++) ifs += `<interface><name>eth${i}</name><mtu>1500</mtu></interface>`;
  const doc = parseXml(`<devices xmlns="${CTRL}"><device><name>d</name><config><interfaces xmlns="urn:ietf:params:xml:ns:yang:ietf-interfaces">${ifs}</interfaces></config></device></devices>`);
  const config = doc.child('devices')!.child('device')!.child('config')!;
  SNode.pack(config);
  const before = doc.toXml();
  applyEdit(doc, parseXml(`<config><devices xmlns="${CTRL}"><device><name>d</name><config><system xmlns="urn:example:sys"><contact>a@b</contact></system></config></device></devices></config>`).children[0]!, 'merge', s);
  const interfaces = config.child('interfaces')!;
  assert.ok(SNode.isPacked(interfaces), 'interfaces not read');
  assert.equal(doc.toXml(), before.replace('</interfaces></config>', '</interfaces><system xmlns="urn:example:sys"><contact>a@b</contact></system></config>'));
});

/** A random device config body: lists keyed by name, containers, leaves, repeated leaves, down to `depth`. */
function randomConfig(r: () => number, depth: number): string {
  const pick = (n: number): number => Math.floor(r() * n);
  let x = '';
  for (let i = 1 + pick(6); i > 0; i--) {
    const k = pick(3);
    switch (depth > 0 ? pick(5) : pick(3)) {
      case 0: x += `<leaf${k}>v${pick(5)} &amp; &lt;${pick(3)}&gt;</leaf${k}>`; break;
      case 1: x += `<tag>t${pick(9)}</tag>`; break;
      case 2: x += `<e${k}/>`; break;
      case 3: x += `<item><name>n${pick(12)}</name>${randomConfig(r, depth - 1)}</item>`; break;
      default: x += `<box${k}${r() < 0.3 ? ` xmlns="urn:example:b${pick(2)}"` : ''}>${randomConfig(r, depth - 1)}</box${k}>`;
    }
  }
  return x;
}

/** Every element below `n`, in document order. */
function elements(n: SNode): SNode[] {
  const out: SNode[] = [];
  const walk = (x: SNode): void => {
    for (const c of x.children) {
      out.push(c);
      walk(c);
    }
  };
  walk(n);
  return out;
}

test('edits on a datastore with packed subtrees give what they give on the fully parsed one (seeded differential)', () => {
  const s = new Schema();
  for (let seed = 1; seed <= 120; seed++) {
    const r = rng(seed);
    const pick = (n: number): number => Math.floor(r() * n);
    let text = `<devices xmlns="${CTRL}">`;
    for (let d = 0; d < 3; d++) text += `<device><name>dev${d}</name><config><top xmlns="${EX}">${randomConfig(r, 3)}</top></config></device>`;
    text += '</devices>';
    const want = reference(text, s);
    let packed = reference(text, s);
    // Pack some elements below the device configs (deepest first), then the configs themselves.
    const configsOf = (doc: SNode): SNode[] => doc.child('devices')!.childrenNamed('device').map((dev) => dev.child('config')!);
    for (const config of configsOf(packed)) {
      for (const n of elements(config).reverse()) if (r() < 0.3) SNode.pack(n);
      SNode.pack(config);
    }
    assert.equal(packed.toXml(), want.toXml(), `seed ${seed}: as loaded`);
    for (let step = 0; step < 8; step++) {
      const d = pick(3);
      const config = configsOf(want)[d]!;
      const all = elements(config);
      const target = all[pick(all.length)];
      const ops = ['merge', 'replace', 'create', 'delete', 'remove'];
      const op = ops[pick(ops.length)]!;
      const keyOf = (n: SNode): string => (n.child('name') && n.localName === 'item' ? `<name>${n.childText('name')}</name>` : '');
      const open = (n: SNode): string => `<${n.localName} xmlns="${n.ns}"`;
      // The operation on an existing node (or a new item under it, for create), its ancestors up to the config with their keys.
      let x: string;
      if (!target || op === 'create') {
        x = `<item xmlns="${EX}" nc:operation="${op}"><name>n${pick(14)}</name><leaf0>new ${step}</leaf0></item>`;
        if (target && !target.isLeaf) x = `${open(target)}>${keyOf(target)}${x}</${target.localName}>`;
      } else {
        const body = target.isLeaf ? (r() < 0.5 ? `changed ${step}` : '') : `${keyOf(target)}<leaf1>set ${step}</leaf1>`;
        x = `${open(target)} nc:operation="${op}">${body}</${target.localName}>`;
      }
      for (let a = target?.parent; a && a !== config; a = a.parent) x = `${open(a)}>${keyOf(a)}${x}</${a.localName}>`;
      const edit = `<config><devices xmlns="${CTRL}" ${NC}><device><name>dev${d}</name><config>${x}</config></device></devices></config>`;
      const outcome = (doc: SNode): string => {
        try {
          applyEdit(doc, parseXml(edit).children[0]!, 'merge', s);
          return 'ok';
        } catch (e) {
          return e instanceof Error ? e.message : String(e);
        }
      };
      // The packed side edits a copy, as the simulator's datastores do; the original must not change.
      const before = packed.toXml();
      const copy = packed.clone();
      assert.equal(outcome(copy), outcome(want), `seed ${seed} step ${step}: ${edit}`);
      assert.equal(copy.toXml(), want.toXml(), `seed ${seed} step ${step}: ${edit}`);
      assert.equal(packed.toXml(), before, `seed ${seed} step ${step}: the copied datastore changed`);
      assert.ok(treesEqual(copy, want, s), `seed ${seed} step ${step}: treesEqual`);
      packed = copy;
    }
  }
});

test('every change made straight on a packed element acts as on the element unpacked', () => {
  const xml = '<top xmlns="urn:t"><a>1</a><b><c>2</c></b><d/></top>';
  const changes: [string, (n: SNode) => void][] = [
    ['append', (n) => n.append(new SNode('e', {}, '3'))],
    ['insertAt', (n) => n.insertAt(1, new SNode('e', {}, '3'))],
    ['remove', (n) => n.remove(n.children[0]!)],
    ['text', (n) => (n.text = 'x')],
    ['name', (n) => (n.name = 'renamed')],
    ['attrs', (n) => (n.attrs = new Map([['xmlns', 'urn:u']]))],
    ['setAttr', (n) => n.setAttr('xmlns', 'urn:u')],
    [
      'children',
      (n) => {
        const c = new SNode('only');
        n.children = [c];
        c.parent = n;
      },
    ],
  ];
  for (const [what, change] of changes) {
    const plain = parseXml(xml).children[0]!;
    const packed = parseXml(xml).children[0]!;
    SNode.pack(packed);
    change(plain);
    // The packed one is changed without being read first.
    change(packed);
    assertSameTree(packed, plain, what);
    assert.equal(packed.toXml(), plain.toXml(), what);
  }
});
