/**
 * The YANG compiler on small models written for the case: choice shorthand, typedef chains,
 * identities across modules, if-feature with features off, deviate not-supported, refine,
 * augment from another module; and loadAll leaving a broken file out with a warning.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { YangContext, dataChildren, type SchemaNode } from '../../src/yang/index.ts';

function folder(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'yang-'));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

const BASE = `module base {
  yang-version 1.1; namespace "urn:t:base"; prefix b;
  feature extra;
  identity animal;
  typedef small { type int8 { range "0..50"; } }
  typedef smaller { type small { range "10..20"; } }
  grouping g { leaf kept { type string; } leaf opt { type string; } }
  container top {
    choice pick { leaf short { type empty; } case long { leaf l1 { type string; } } }
    leaf size { type smaller; }
    leaf pet { type identityref { base animal; } }
    leaf extra { if-feature extra; type string; }
    leaf gone { type string; }
    uses g { refine opt { mandatory true; } }
    list item { key "id"; leaf id { type string; } leaf ref { type leafref { path "../id"; } } }
  }
}`;
const OTHER = `module other {
  yang-version 1.1; namespace "urn:t:other"; prefix o;
  import base { prefix b; }
  identity cat { base b:animal; }
  augment "/b:top" { leaf added { type string; } }
  deviation "/b:top/b:gone" { deviate not-supported; }
}`;

const child = (n: { children: SchemaNode[] }, name: string): SchemaNode | undefined => dataChildren(n).find((c) => c.name === name);

test('compile: shorthand, typedef chain, identities, features, deviation, refine, augment', (t) => {
  const dir = folder({ 'base@2026-01-01.yang': BASE, 'other@2026-01-01.yang': OTHER });
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const ctx = new YangContext([dir], { features: { base: [] } });
  ctx.load(['other']);
  const top = ctx.modules.get('base')!.nodes[0]!;
  const pick = top.children.find((c) => c.kind === 'choice')!;
  assert.deepEqual(pick.children.map((c) => `${c.kind}:${c.name}`), ['case:short', 'case:long']);
  assert.equal(child(top, 'short')?.kind, 'leaf');
  const size = child(top, 'size')!.type!;
  assert.equal(size.base, 'int8');
  assert.deepEqual(size.ranges, [[[0, 50]], [[10, 20]]]);
  const cat = ctx.modules.get('other')!.identities.get('cat')!;
  assert.equal(cat.bases[0]?.name, 'animal');
  assert.equal(child(top, 'extra'), undefined, 'feature extra is off');
  assert.equal(child(top, 'gone'), undefined, 'deviate not-supported');
  assert.equal(child(top, 'opt')?.mandatory, true);
  assert.equal(child(top, 'added')?.module.name, 'other');
  assert.equal(child(top, 'item')?.keys[0], 'id');
  assert.equal(child(child(top, 'item')!, 'id')?.config, true);
});

test('loadAll leaves a broken or incomplete module out with a warning, keeps the rest', (t) => {
  const dir = folder({
    'base@2026-01-01.yang': BASE,
    'broken.yang': 'module broken {\n  leaf x { type string }\n}\n',
    'lonely.yang': 'module lonely { namespace "urn:t:l"; prefix l; import missing { prefix m; } leaf y { type m:t; } }',
  });
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const ctx = new YangContext([dir]);
  ctx.loadAll();
  assert.deepEqual([...ctx.modules.keys()], ['base']);
  assert.equal(ctx.warnings.length, 2, ctx.warnings.join('\n'));
  assert.match(ctx.warnings.join('\n'), /broken left out: .*broken\.yang:2:\d+: expected ';' or '\{'/);
  assert.match(ctx.warnings.join('\n'), /lonely left out: .*module missing not found/);
  // load() is strict.
  assert.throws(() => new YangContext([dir]).load(['lonely']), /module missing not found/);
});
