/**
 * The order of siblings in the simulator's datastores, as clixon keeps it (ordered-by
 * system lists and leaf-lists sorted by key, ordered-by user ones in arrival order, other
 * nodes last), now placed in bulk: compared with the one-by-one insertion it replaced
 * (insertOrdered per node, the reference) on seeded random trees and edits, and edit
 * semantics (merge/replace/create/delete/remove) on lists long enough for bulk placement.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { applyEdit, insertOrdered, sortEntries } from '../../src/sim/edit.ts';
import { Schema } from '../../src/sim/datamodel.ts';
import { parseXml, type SNode } from '../../src/sim/tree.ts';
import { rng } from '../rng.ts';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { rig, rpc } from './helpers.ts';

const CTRL = 'http://clicon.org/controller';
const EX = 'urn:example:clixon';
const NC = 'xmlns:nc="urn:ietf:params:xml:ns:netconf:base:1.0"';

/** The lists, leaf-list and container these tests use, read from YANG as the simulator reads its models. */
const TEST_YANG = `module order-test {
  yang-version 1.1;
  namespace "urn:example:order-test";
  prefix ot;
  container top {
    list vlan { key id; leaf id { type uint16; } }
    list rule { key name; ordered-by user; leaf name { type string; } }
    leaf-list tag { type string; }
    container box { leaf x { type string; } }
  }
}
`;

function schema(): Schema {
  const dir = mkdtempSync(join(tmpdir(), 'order-yang-'));
  try {
    writeFileSync(join(dir, 'order-test.yang'), TEST_YANG);
    const s = Schema.fromDirs([dir]);
    assert.deepEqual(s.problems, []);
    return s;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The reference: each child inserted one by one, as sortEntries did before bulk placement. */
function sortOneByOne(n: SNode, s: Schema): SNode {
  const kids = n.children;
  n.children = [];
  for (const k of kids) {
    k.parent = null;
    insertOrdered(n, sortOneByOne(k, s), s);
  }
  return n;
}

/** Random siblings: lists with alpha (x10 before x9) or numeric keys, duplicates, a user-ordered list, a leaf-list, containers, leaves. */
function siblings(r: () => number, count: number, depth: number): string {
  const pick = (n: number): number => Math.floor(r() * n);
  let x = '';
  for (let i = 0; i < count; i++) {
    const v = `<value>${i}</value>`;
    switch (pick(depth > 0 ? 8 : 7)) {
      case 0: x += `<parameter><name>x${pick(count * 2)}</name>${v}</parameter>`; break;
      case 1: x += `<vlan><id>${pick(count * 3)}</id>${v}</vlan>`; break;
      case 2: x += `<rule><name>r${pick(count)}</name>${v}</rule>`; break;
      case 3: x += `<tag>t${pick(count * 2)}</tag>`; break;
      case 4: x += `<mtu>${1000 + pick(600)}</mtu>`; break;
      case 5: x += `<parameter><name>x${pick(3)}</name>${v}</parameter><parameter><name>x${pick(3)}</name>${v}</parameter>`; break;
      case 6: x += r() < 0.5 ? `<item>${v}</item>` : `<item><name>i${pick(count)}</name>${v}</item>`; break; // keyed by name when it has one
      default: x += `<box>${siblings(r, 2 + pick(count), depth - 1)}</box>`;
    }
  }
  return x;
}

test('sortEntries places siblings as one-by-one insertion does (seeded random trees)', () => {
  const s = schema();
  for (let seed = 1; seed <= 300; seed++) {
    const r = rng(seed);
    const xml = `<table xmlns="${EX}">${siblings(r, 1 + Math.floor(r() * 60), 2)}</table>`;
    const want = sortOneByOne(parseXml(xml).children[0]!, s).toXml();
    const got = sortEntries(parseXml(xml).children[0]!, s);
    assert.equal(got.toXml(), want, `seed ${seed}`);
    const walk = (n: SNode): void => {
      for (const c of n.children) {
        assert.equal(c.parent, n, `seed ${seed}: parent link of ${c.name}`);
        walk(c);
      }
    };
    walk(got);
  }
});

test('sortEntries: system order by key (numbers as numbers), equal keys in arrival order, user order kept', () => {
  const s = schema();
  let xml = `<table xmlns="${EX}">`;
  for (let i = 20; i >= 1; i--) xml += `<vlan><id>${i}</id></vlan><rule><name>r${i}</name></rule>`;
  xml += '<parameter><name>b</name><value>1</value></parameter><parameter><name>a</name></parameter><parameter><name>b</name><value>2</value></parameter></table>';
  const t = sortEntries(parseXml(xml).children[0]!, s);
  const ids = t.childrenNamed('vlan').map((v) => v.childText('id'));
  assert.deepEqual(ids, Array.from({ length: 20 }, (_, i) => String(i + 1)));
  assert.deepEqual(t.childrenNamed('rule').map((v) => v.childText('name')), Array.from({ length: 20 }, (_, i) => `r${20 - i}`));
  assert.deepEqual(t.childrenNamed('parameter').map((p) => `${p.childText('name')}${p.childText('value') ?? ''}`), ['a', 'b1', 'b2']);
  // The runs stay where their first entry came: vlan, rule, parameter.
  assert.deepEqual([...new Set(t.children.map((c) => c.localName))], ['vlan', 'rule', 'parameter']);
});

/** A datastore holding `config` in a table; `sorted` false: as given, runs split or out of order as they come. */
function store(config: string, s: Schema, sorted = true): SNode {
  const doc = parseXml(`<devices xmlns="${CTRL}"><device><name>d</name><config><table xmlns="${EX}"><keep/>${config}</table></config></device></devices>`);
  return sorted ? sortEntries(doc, s) : doc;
}
function edit(entries: string): SNode {
  return parseXml(`<config><devices xmlns="${CTRL}" ${NC}><device><name>d</name><config><table xmlns="${EX}">${entries}</table></config></device></devices></config>`).children[0]!;
}
const op = (o: string): string => (o ? ` nc:operation="${o}"` : '');

test('applyEdit with many entries in one edit gives what the same entries edited one at a time give (seeded)', () => {
  const s = schema();
  for (let seed = 1; seed <= 300; seed++) {
    const r = rng(seed);
    const pick = (n: number): number => Math.floor(r() * n);
    // A datastore of unique parameters and vlans, and an edit of 10-70 entries over them.
    // The datastore is in clixon's order (layout 0), or as given, which bulk placement must
    // leave to one-by-one insertion: the parameters' run unsorted (1), or sorted but split
    // by vlans (2); the items' run sorted but holding an item without a key (3).
    const layout = seed % 4;
    // Half the seeds of each layout without removals, before which additions may be placed (long runs of additions).
    const removals = Math.floor(seed / 4) % 2 === 0;
    const params = new Set<number>();
    const vlans = new Set<number>();
    for (let i = pick(40); i > 0; i--) {
      params.add(pick(100));
      vlans.add(pick(100));
    }
    const p = [...params].map((k) => `<parameter><name>x${k}</name><value>old</value></parameter>`);
    const v = [...vlans].map((k) => `<vlan><id>${k}</id></vlan>`);
    let base = p.join('') + v.join('');
    if (layout === 2) {
      p.sort();
      base = p.map((x, i) => x + (v[i] ?? '')).join('') + v.slice(p.length).join('');
    }
    if (layout === 3) base += '<item><name>i10</name></item><item><value>no key</value></item><item><name>i5</name></item>';
    const entries: string[] = [];
    for (let i = 10 + pick(60); i > 0; i--) {
      const k = pick(100);
      const v = pick(100);
      const kind = pick(10);
      switch (!removals && (kind === 1 || kind === 2) ? 8 : kind) {
        case 0: // create a new one (an existing one would fail the whole edit)
          if (!params.has(k)) entries.push(`<parameter${op('create')}><name>x${k}</name><value>new</value></parameter>`);
          params.add(k);
          break;
        case 1: // delete an existing one
          if (params.has(k)) entries.push(`<parameter${op('delete')}><name>x${k}</name></parameter>`);
          params.delete(k);
          break;
        case 2:
          entries.push(`<parameter${op('remove')}><name>x${k}</name></parameter>`);
          params.delete(k);
          break;
        case 3:
          entries.push(`<parameter${op('replace')}><name>x${k}</name><value>replaced</value></parameter>`);
          params.add(k);
          break;
        case 4:
          entries.push(`<vlan><id>${v}</id><value>merged</value></vlan>`);
          vlans.add(v);
          break;
        case 5:
          entries.push(`<rule><name>r${pick(20)}</name></rule>`);
          break;
        case 6:
          entries.push(`<tag>t${pick(30)}</tag>`);
          break;
        case 7: // the same key in another namespace: another entry, sorted beside it
          entries.push(`<parameter xmlns="urn:example:other"><name>x${k}</name><value>other</value></parameter>`);
          break;
        case 9: // an item without a key goes last, and a keyed one after it goes beside it
          entries.push(r() < 0.3 ? `<item><value>anonymous ${k}</value></item>` : `<item><name>i${pick(20)}</name></item>`);
          break;
        default:
          entries.push(`<parameter><name>x${k}</name><value>merged${i}</value></parameter>`);
          params.add(k);
      }
    }
    const batch = applyEdit(store(base, s, layout === 0), edit(entries.join('')), 'merge', s);
    let single = store(base, s, layout === 0);
    for (const e of entries) single = applyEdit(single, edit(e), 'merge', s);
    assert.equal(batch.toXml(), single.toXml(), `seed ${seed}`);
  }
});

test('applyEdit: entries added to a list whose old entries the same edit then deletes stay where the list was', () => {
  const s = schema();
  const base = '<parameter><name>x1</name></parameter><parameter><name>x2</name></parameter><vlan><id>1</id></vlan>';
  const e = `<parameter${op('create')}><name>x5</name></parameter><parameter${op('delete')}><name>x1</name></parameter><parameter${op('delete')}><name>x2</name></parameter>`;
  const doc = applyEdit(store(base, s), edit(e), 'merge', s);
  const table = doc.child('devices')!.child('device')!.child('config')!.child('table')!;
  assert.deepEqual(table.children.map((c) => c.localName), ['keep', 'parameter', 'vlan']);
});

test('applyEdit on a long list: merge, replace, create, delete and remove in one edit', () => {
  const s = schema();
  let base = '';
  for (let i = 1; i <= 200; i++) base += `<parameter><name>x${i}</name><value>${i}</value></parameter>`;
  const doc = store(base, s);
  let e = '';
  for (let i = 1; i <= 200; i += 4) e += `<parameter><name>x${i}</name><value>m${i}</value></parameter>`; // merge
  for (let i = 2; i <= 200; i += 4) e += `<parameter${op('replace')}><name>x${i}</name></parameter>`; // replace: value gone
  for (let i = 3; i <= 200; i += 4) e += `<parameter${op('delete')}><name>x${i}</name></parameter>`;
  for (let i = 4; i <= 200; i += 4) e += `<parameter${op('remove')}><name>x${i}</name></parameter>`;
  for (let i = 201; i <= 260; i++) e += `<parameter${op('create')}><name>x${i}</name><value>c${i}</value></parameter>`;
  e += `<parameter${op('create')}><name>y</name></parameter><parameter${op('delete')}><name>y</name></parameter>`; // created, then gone
  e += `<parameter${op('create')}><name>z</name><value>1</value></parameter><parameter${op('replace')}><name>z</name><value>2</value></parameter>`;
  applyEdit(doc, edit(e), 'merge', s);
  const table = doc.child('devices')!.child('device')!.child('config')!.child('table')!;
  const got = table.childrenNamed('parameter').map((p) => `${p.childText('name')}=${p.childText('value') ?? ''}`);
  const want: string[] = [];
  for (let i = 1; i <= 260; i++) {
    if (i <= 200 && i % 4 === 1) want.push(`x${i}=m${i}`);
    else if (i <= 200 && i % 4 === 2) want.push(`x${i}=`);
    else if (i > 200) want.push(`x${i}=c${i}`);
  }
  want.push('z=2');
  // clixon's order for string keys: x1, x10, x100, …
  want.sort((a, b) => (a.split('=')[0]! < b.split('=')[0]! ? -1 : 1));
  assert.deepEqual(got, want);
  assert.ok(table.children.every((c) => c.parent === table));
});

test('through the socket: ordered-by system lists and leaf-lists sorted by key, ordered-by user ones in arrival order, at load and over edits', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'sim-order-'));
  writeFileSync(
    join(dir, 'ord.yang'),
    `module ord {
  yang-version 1.1;
  namespace "urn:example:ord";
  prefix o;
  container lists {
    list sys {
      key id;
      leaf id { type uint32; }
      leaf v { type string; }
    }
    list usr {
      key name;
      ordered-by user;
      leaf name { type string; }
    }
    leaf-list tags { type string; }
    leaf-list utags {
      type string;
      ordered-by user;
    }
  }
}`,
  );
  const r = rng(11);
  const shuffled = (n: number, from: number): number[] => {
    const a = Array.from({ length: n }, (_, i) => from + i);
    for (let i = a.length - 1; i > 0; i--) {
      const k = Math.floor(r() * (i + 1));
      [a[i], a[k]] = [a[k]!, a[i]!];
    }
    return a;
  };
  const lists = (from: number): { xml: string; ids: number[]; users: string[]; tags: string[] } => {
    const ids = shuffled(40, from);
    const users = shuffled(40, from).map((i) => `u${i}`);
    const tags = shuffled(40, from).map((i) => `t${i}`);
    const xml =
      `<lists xmlns="urn:example:ord">${ids.map((i) => `<sys><id>${i}</id><v>${i}</v></sys>`).join('')}` +
      `${users.map((u) => `<usr><name>${u}</name></usr>`).join('')}${tags.map((t) => `<tags>${t}</tags>`).join('')}` +
      `${tags.map((t) => `<utags>${t}</utags>`).join('')}</lists>`;
    return { xml, ids, users, tags };
  };
  const first = lists(1);
  const second = lists(41);
  const device = (cfg: string): string => `<devices xmlns="${CTRL}"><device><name>d</name><config>${cfg}</config></device></devices>`;
  const sim = await rig({ config: device(first.xml), yangDirs: [dir] });
  try {
    const c = await sim.connect();
    const read = async (db: string): Promise<SNode> => {
      const reply = parseXml(await c.rpc(rpc(`<get-config><source><${db}/></source></get-config>`)));
      return reply.children[0]!.child('data')!.child('devices')!.child('device')!.child('config')!.child('lists')!;
    };
    const check = (l: SNode, ids: number[], users: string[], tags: string[], where: string): void => {
      assert.deepEqual(l.childrenNamed('sys').map((x) => Number(x.childText('id'))), [...ids].sort((a, b) => a - b), `${where}: sys by number`);
      assert.deepEqual(l.childrenNamed('usr').map((x) => x.childText('name')), users, `${where}: usr as they came`);
      assert.deepEqual(l.childrenNamed('tags').map((x) => x.text), [...tags].sort(), `${where}: tags by string`);
      assert.deepEqual(l.childrenNamed('utags').map((x) => x.text), tags, `${where}: utags as they came`);
    };
    check(await read('running'), first.ids, first.users, first.tags, 'loaded');
    const edit = `<edit-config><target><candidate/></target><config>${device(second.xml)}</config></edit-config>`;
    assert.match(await c.rpc(rpc(edit)), /<ok\/>/);
    check(
      await read('candidate'),
      [...first.ids, ...second.ids],
      [...first.users, ...second.users],
      [...first.tags, ...second.tags],
      'edited',
    );
  } finally {
    await sim.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
