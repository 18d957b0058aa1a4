/**
 * Validation against yanglint (libyang, Debian's libyang2-tools): generates config
 * documents from a model set — valid ones, and from each valid one documents with exactly
 * one defect (a misspelled leaf, a value not of its type, a missing key or mandatory leaf,
 * a leafref to nothing, state in config, a node whose `when` is false, a `must` made
 * false, …) — runs each through `yanglint -t config -e` and through our validateDocument,
 * and prints the agreement and every difference. With --record, writes the documents and
 * yanglint's verdicts to test/fixtures/yang/differential.json.gz, which
 * test/yang/differential.test.ts replays without yanglint.
 *
 *   npx tsx scripts/yang-differential.ts [--seed 1] [--docs 60] [--record]
 */
import { spawnSync } from 'node:child_process';
import { gzipSync } from 'node:zlib';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { parseString, type XmlNode } from '../src/xml/index.ts';
import { internals, type Element } from '../src/xml/element.ts';
import { validateDocument } from '../src/yang/validate.ts';
import { indexYangFiles } from '../src/yang/compile.ts';
import { DataTree, DefaultNode, dataParent, identity } from '../src/yang/datatree.ts';
import { dataChildren, derivesFrom, type Identity, type SchemaNode, type TypeSpec } from '../src/yang/schema.ts';
import { evaluate, XPathError } from '../src/yang/xpath.ts';
import { DIFFERENTIAL_DIRS, DIFFERENTIAL_FIXTURE, DIFFERENTIAL_MODULES, DIFFERENTIAL_TOPS, differentialSchemas, type DifferentialCase } from '../test/yang/differential-cases.ts';
import { rng } from '../test/rng.ts';

const { values } = parseArgs({
  options: {
    seed: { type: 'string', default: '1' },
    docs: { type: 'string', default: '60' },
    record: { type: 'boolean', default: false },
  },
});

const rand = rng(Number(values.seed));
const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
// DataTree works on raw elements (src/xml/element.ts internals), not the proxies the tree API hands out.
const raw = internals.raw;

const schemas = differentialSchemas().requireWhole();
const identities: Identity[] = [...schemas.modules.values()].flatMap((m) => [...m.identities.values()]);

// Strings that fit OpenConfig's common patterns (addresses, prefixes, names, hex, dates).
const STRING_CANDIDATES = [
  'eth0', 'a1', '10.0.0.1', '10.0.0.0/24', '2001:db8::1', '2001:db8::/64', '00:11:22:33:44:55', 'example.com',
  '65000:100', '1.1.1.1:100', '0a:1b', '12', 'ab12', '2024-01-01T00:00:00Z', 'xe-0/0/0', '100:200', 'AB', '0x1f', '1',
];

function fits(t: TypeSpec, v: string): boolean {
  const len = [...v].length;
  if (!t.lengths.every((r) => r.some(([lo, hi]) => len >= lo && len <= hi))) return false;
  return t.patterns.every((p) => p.regex.test(v) !== p.invert);
}

/** A value of type `t` for leaf `n`, or undefined when none is found. */
function valueOf(t: TypeSpec, n: SchemaNode): { value: string; ns?: [string, string] } | undefined {
  switch (t.base) {
    case 'union':
      for (const m of t.union ?? []) {
        const v = valueOf(m, n);
        if (v) return v;
      }
      return undefined;
    case 'leafref':
      // Filled from the targets once the document is built (resolveLeafrefs).
      return { value: 'LEAFREF' };
    case 'int8': case 'int16': case 'int32': case 'int64': case 'uint8': case 'uint16': case 'uint32': case 'uint64': {
      const r = t.ranges.at(-1)?.[0];
      const lo = r ? Math.max(r[0], -1000) : t.base.startsWith('u') ? 0 : -100;
      const hi = r ? Math.min(r[1], lo + 1000) : lo + 1000;
      return { value: String(Math.floor(lo + rand() * (hi - lo + 1))) };
    }
    case 'decimal64': {
      const r = t.ranges.at(-1)?.[0];
      const lo = r ? Math.max(r[0], -100) : 0;
      return { value: (lo + 1).toFixed(Math.min(t.fractionDigits ?? 1, 2)) };
    }
    case 'boolean':
      return { value: pick(['true', 'false']) };
    case 'empty':
      return { value: '' };
    case 'enumeration':
      return t.enums?.length ? { value: pick(t.enums) } : undefined;
    case 'bits':
      return t.bits?.length ? { value: pick(t.bits) } : undefined;
    case 'identityref': {
      const ok = identities.filter((id) => (t.identityBases ?? []).every((b) => derivesFrom(id, b) && id !== b));
      if (!ok.length) return undefined;
      const id = pick(ok);
      return { value: `${id.module.prefix}:${id.name}`, ns: [id.module.prefix, id.module.namespace] };
    }
    case 'string': {
      const ok = STRING_CANDIDATES.filter((c) => fits(t, c));
      if (ok.length) return { value: pick(ok) };
      const s = `v${Math.floor(rand() * 1000)}`;
      return fits(t, s) ? { value: s } : undefined;
    }
    default:
      return undefined;
  }
}

const MAX_NODES = 150;

/** The schema nodes on the way to the node a document is generated for (always included). */
let focus = new Set<SchemaNode>();

function focusOn(n: SchemaNode | undefined): void {
  focus = new Set();
  for (let p = n; p; p = p.parent) focus.add(p);
}

/** Fills `el` with children of schema `s`: mandatory ones and the focus always, others at random. */
function fill(el: XmlNode, s: SchemaNode, budget: { nodes: number }, depth: number): void {
  // A list entry's keys first, in the key statement's order (RFC 7950 7.8.5; libyang insists).
  const keys = s.kind === 'list' ? s.keys.map((k) => s.children.find((c) => c.name === k)!).filter(Boolean) : [];
  for (const c of [...keys, ...s.children.filter((c) => !keys.includes(c))]) addNode(el, c, budget, depth, s);
}

function addNode(el: XmlNode, c: SchemaNode, budget: { nodes: number }, depth: number, parent: SchemaNode | undefined): void {
  if (c.config === false || c.kind === 'action' || c.kind === 'notification') return;
  if (c.kind === 'choice') {
    const cases = c.children;
    if (cases.length && (c.mandatory || focus.has(c) || rand() < 0.5)) {
      const k = cases.find((x) => focus.has(x)) ?? pick(cases);
      for (const x of k.kind === 'case' ? k.children : [k]) addNode(el, x, budget, depth, parent);
    }
    return;
  }
  const key = parent?.kind === 'list' && parent.keys.includes(c.name);
  const wanted = key || c.mandatory || focus.has(c) || (budget.nodes < MAX_NODES && depth < 9 && rand() < (c.kind === 'leaf' ? 0.7 : depth < 5 ? 0.75 : 0.4));
  if (!wanted) return;
  const attrs = (n: SchemaNode): Record<string, string> => (dataParent(n)?.module.namespace === n.module.namespace ? {} : { xmlns: n.module.namespace });
  if (c.kind === 'leaf' || c.kind === 'leaf-list') {
    if (!c.type) return;
    const v = valueOf(c.type, c);
    if (!v) return;
    budget.nodes++;
    el.create(c.name, { data: v.value, attributes: { ...attrs(c), ...(v.ns ? { [`xmlns:${v.ns[0]}`]: v.ns[1] } : {}) } });
    return;
  }
  if (c.kind === 'container') {
    budget.nodes++;
    fill(el.create(c.name, { attributes: attrs(c) }), c, budget, depth + 1);
    return;
  }
  if (c.kind === 'list') {
    const count = Math.max(c.minElements ?? 0, 1 + Math.floor(rand() * 2));
    for (let i = 0; i < count && budget.nodes < MAX_NODES; i++) {
      budget.nodes++;
      fill(el.create(c.name, { attributes: attrs(c) }), c, budget, depth + 1);
    }
  }
}

/** A fresh view (its caches hold elements) to find schema nodes and evaluate paths while generating. */
function view(): DataTree {
  return new DataTree(schemas);
}

function* elements(el: XmlNode): Generator<XmlNode> {
  for (const c of el.getChildren()) {
    yield c;
    yield* elements(c);
  }
}

/** Sets each leafref to a value its path finds; removes it (its entry, for a key) when none is there. */
function resolveLeafrefs(doc: XmlNode): void {
  for (let round = 0; round < 3; round++) {
    const tree = view();
    for (const el of [...elements(doc)]) {
      if (!el.getParent()) continue;
      const s = tree.schemaOf(raw(el));
      const path = s?.type?.base === 'leafref' ? s.type.leafrefPath : undefined;
      if (!s || path === undefined) continue;
      let found: XmlNode[] = [];
      try {
        const r = evaluate(path, tree.context(raw(el), s.stmt.file));
        found = Array.isArray(r) ? r.filter((n): n is Element => !(n instanceof DefaultNode) && tree.text(n) !== 'LEAFREF').map((n) => internals.proxy(n)) : [];
      } catch (err) {
        if (!(err instanceof XPathError)) throw err;
      }
      if (found.length) {
        const target = pick(found);
        el.setData(target.getData());
        // An identity's prefix is declared where the value is written: carry the declaration along.
        for (const [k, v] of Object.entries(target.getAttributes())) if (k.startsWith('xmlns:')) el.updateAttributes({ [k]: v });
      }
      else if (dataParent(s)?.kind === 'list' && dataParent(s)!.keys.includes(s.name)) el.getParent()?.delete();
      else el.delete();
    }
  }
}

/** Removes nodes whose when or must is false (by our reading; yanglint judges the result). */
function pruneConditions(doc: XmlNode): void {
  for (let round = 0; round < 4; round++) {
    let removed = false;
    const tree = view();
    for (const el of [...elements(doc)]) {
      if (!el.getParent()) continue;
      const s = tree.schemaOf(raw(el));
      if (!s) continue;
      const own = new Set(s.stmt.subs.filter((x) => x.keyword === 'when').map((x) => x.arg));
      // A when from a uses or augment is evaluated on the parent; a node's own, and a must, on the node.
      const checks = [...s.when.map((e) => ({ e, on: own.has(e) ? el : el.getParent()! })), ...s.must.map((e) => ({ e, on: el }))];
      for (const { e, on } of checks) {
        let holds = true;
        try {
          const r = evaluate(e, tree.context(raw(on), s.stmt.file));
          holds = Array.isArray(r) ? r.length > 0 : Boolean(r);
        } catch (err) {
          if (!(err instanceof XPathError)) throw err;
        }
        if (!holds && !refill(el, s, e)) {
          el.delete();
          removed = true;
          break;
        }
      }
    }
    if (!removed) return;
  }
}

/** Drops list entries whose keys an earlier sibling has (a merge, not what a valid base should hold). */
function dedupe(doc: XmlNode): void {
  const tree = view();
  for (const el of [...elements(doc)]) {
    const s = el.getParent() ? tree.schemaOf(raw(el)) : undefined;
    if (s?.kind !== 'list' && s?.kind !== 'leaf-list') continue;
    const id = identity(raw(el), s);
    const earlier = el.getParent()!.getChildren().slice(0, el.getParent()!.getChildren().indexOf(el));
    if (earlier.some((o) => o.getName() === el.getName() && identity(raw(o), s) === id)) el.delete();
  }
}

/** Fills a node with a false `must` afresh, a few times, until the must holds (by our reading). */
function refill(el: XmlNode, s: SchemaNode, must: string): boolean {
  if (!s.must.includes(must) || s.kind !== 'container') return false;
  for (let i = 0; i < 6; i++) {
    for (const c of el.getChildren()) c.delete();
    fill(el, s, { nodes: 0 }, 0);
    const r = evaluate(must, view().context(raw(el), s.stmt.file));
    if (Array.isArray(r) ? r.length > 0 : Boolean(r)) return true;
  }
  return false;
}

function generate(top: SchemaNode, target?: SchemaNode): XmlNode {
  focusOn(target);
  const doc = parseString('');
  const el = doc.create(top.name, { attributes: { xmlns: top.module.namespace } });
  fill(el, top, { nodes: 0 }, 0);
  resolveLeafrefs(doc);
  pruneConditions(doc);
  resolveLeafrefs(doc);
  dedupe(doc);
  return doc;
}

/** Every config node below `tops` with a when or must, or a leafref: documents are generated to reach them. */
function targets(tops: readonly SchemaNode[]): [SchemaNode, SchemaNode][] {
  const out: [SchemaNode, SchemaNode][] = [];
  const walk = (top: SchemaNode, n: SchemaNode, depth: number): void => {
    if (n.config === false || depth > 12) return;
    if (n.when.length || n.must.length || n.type?.base === 'leafref') out.push([top, n]);
    for (const c of n.children) walk(top, c, depth + 1);
  };
  for (const t of tops) walk(t, t, 0);
  return out;
}

// ---- defects: each returns the changed copy, or undefined when the document has no place for it ----

type Defect = (doc: XmlNode) => XmlNode | undefined;

function withSchema(doc: XmlNode, keep: (s: SchemaNode, el: XmlNode) => boolean): [XmlNode, XmlNode, SchemaNode] | undefined {
  const copy = doc.copy();
  const tree = view();
  const found = [...elements(copy)].filter((el) => {
    const s = tree.schemaOf(raw(el));
    return s !== undefined && keep(s, el);
  });
  if (!found.length) return undefined;
  const el = pick(found);
  return [copy, el, tree.schemaOf(raw(el))!];
}

/** Where a config child that `wanted` accepts could be added (its parent is there, it is not), in random order. */
function missingChildren(doc: XmlNode, wanted: (c: SchemaNode) => boolean): [XmlNode, SchemaNode][] {
  const tree = view();
  const spots: [XmlNode, SchemaNode][] = [];
  for (const el of elements(doc)) {
    const s = tree.schemaOf(raw(el));
    if (!s || s.kind === 'leaf' || s.kind === 'leaf-list') continue;
    for (const c of dataChildren(s)) if (c.config !== false && wanted(c) && !el.getChildren().some((k) => k.getName() === c.name)) spots.push([el, c]);
  }
  return spots.sort(() => rand() - 0.5);
}

const isKey = (s: SchemaNode): boolean => dataParent(s)?.kind === 'list' && dataParent(s)!.keys.includes(s.name);

const DEFECTS: Record<string, Defect> = {
  'misspelled leaf': (doc) => {
    const f = withSchema(doc, (s) => s.kind === 'leaf' && !isKey(s));
    if (!f) return undefined;
    f[1].rename(`${f[1].getName()}x`);
    return f[0];
  },
  'not an integer': (doc) => {
    const f = withSchema(doc, (s) => /int/.test(s.type?.base ?? '') && !isKey(s));
    if (!f) return undefined;
    f[1].setData('abc');
    return f[0];
  },
  'out of range': (doc) => {
    const f = withSchema(doc, (s) => /^u?int(8|16|32)$/.test(s.type?.base ?? '') && !isKey(s));
    if (!f) return undefined;
    const t = f[2].type!;
    const hi = Math.min(...(t.ranges.at(-1) ?? [[0, { uint8: 255, uint16: 65535, uint32: 4294967295, int8: 127, int16: 32767, int32: 2147483647 }[t.base as 'uint8']]]).map(([, h]) => h));
    f[1].setData(String(hi + 1));
    return f[0];
  },
  'not an enum': (doc) => {
    const f = withSchema(doc, (s) => s.type?.base === 'enumeration');
    if (!f) return undefined;
    f[1].setData('NOT_AN_ENUM');
    return f[0];
  },
  'unknown identity': (doc) => {
    const f = withSchema(doc, (s) => s.type?.base === 'identityref');
    if (!f) return undefined;
    const v = f[1].getData();
    f[1].setData(`${v.includes(':') ? v.slice(0, v.indexOf(':') + 1) : ''}NOT_AN_IDENTITY`);
    return f[0];
  },
  'pattern mismatch': (doc) => {
    const f = withSchema(doc, (s) => s.type?.base === 'string' && s.type.patterns.length > 0 && !isKey(s));
    if (!f) return undefined;
    f[1].setData('not valid!');
    return f[0];
  },
  'missing key': (doc) => {
    const f = withSchema(doc, (s) => isKey(s));
    if (!f) return undefined;
    f[1].delete();
    return f[0];
  },
  'missing mandatory leaf': (doc) => {
    const f = withSchema(doc, (s) => s.kind === 'leaf' && s.mandatory && !isKey(s) && s.when.length === 0);
    if (!f) return undefined;
    f[1].delete();
    return f[0];
  },
  'leafref to nothing': (doc) => {
    const f = withSchema(doc, (s) => s.type?.base === 'leafref' && !isKey(s));
    if (!f) return undefined;
    f[1].setData('zz-missing');
    return f[0];
  },
  'state in config': (doc) => {
    const f = withSchema(doc, (s) => s.kind === 'container' && dataChildren(s).some((c) => c.config === false && c.kind === 'container'));
    if (!f) return undefined;
    const st = dataChildren(f[2]).find((c) => c.config === false && c.kind === 'container')!;
    f[1].create(st.name, { attributes: st.module.namespace === f[2].module.namespace ? {} : { xmlns: st.module.namespace } });
    return f[0];
  },
  'when false': (doc) => {
    // A child with a `when` added where the condition is false (by our reading).
    const copy = doc.copy();
    const tree = view();
    for (const [el, c] of missingChildren(copy, (c) => c.when.length > 0 && (c.kind === 'container' || c.kind === 'leaf'))) {
      const added = c.kind === 'leaf' && c.type ? valueOf(c.type, c) : { value: '' };
      if (!added || added.value === 'LEAFREF') continue;
      const node = el.create(c.name, { data: c.kind === 'leaf' ? added.value : undefined, attributes: { ...(c.module.namespace === tree.schemaOf(raw(el))!.module.namespace ? {} : { xmlns: c.module.namespace }), ...(added.ns ? { [`xmlns:${added.ns[0]}`]: added.ns[1] } : {}) } });
      const report = validateDocument(copy, schemas);
      if (report.issues.length === 1 && /^when /.test(report.issues[0]!.message)) return copy;
      node.delete();
    }
    return undefined;
  },
  'must false': (doc) => withMust(doc, false),
  'must holds': (doc) => withMust(doc, true),
  'two values for one leaf': (doc) => {
    const f = withSchema(doc, (s) => s.kind === 'leaf' && !isKey(s) && (s.type?.base === 'string' || /int/.test(s.type?.base ?? '')) && s.type?.patterns.length === 0);
    if (!f) return undefined;
    const twin = f[1].copy();
    twin.setData(`${f[1].getData()}1`);
    f[1].getParent()!.add(twin);
    return f[0];
  },
};

/**
 * A node with a `must` that is in the document, filled afresh until the must is false with
 * nothing else wrong (by our reading: yanglint judges); or, with `holds`, added where it is
 * not yet and filled until the document is valid.
 */
function withMust(doc: XmlNode, holds: boolean): XmlNode | undefined {
  const copy = doc.copy();
  const tree = view();
  if (holds) {
    for (const [el, c] of missingChildren(copy, (c) => c.must.length > 0 && c.kind === 'container')) {
      for (let i = 0; i < 8; i++) {
        const node = el.create(c.name, { attributes: c.module.namespace === tree.schemaOf(raw(el))!.module.namespace ? {} : { xmlns: c.module.namespace } });
        fill(node, c, { nodes: 0 }, 0);
        if (validateDocument(copy, schemas).issues.length === 0) return copy;
        node.delete();
      }
    }
    return undefined;
  }
  const holders = [...elements(copy)].filter((el) => (tree.schemaOf(raw(el))?.must.length ?? 0) > 0 && tree.schemaOf(raw(el))!.kind === 'container');
  for (const el of holders.sort(() => rand() - 0.5)) {
    const s = tree.schemaOf(raw(el))!;
    const was = el.getChildren().map((c) => c.copy());
    for (let i = 0; i < 12; i++) {
      for (const c of el.getChildren()) c.delete();
      fill(el, s, { nodes: 0 }, 0);
      const issues = validateDocument(copy, schemas).issues;
      if (issues.length === 1 && /^must /.test(issues[0]!.message)) return copy;
    }
    for (const c of el.getChildren()) c.delete();
    for (const c of was) el.add(c);
  }
  return undefined;
}

// ---- the two judges ----

const index = indexYangFiles(DIFFERENTIAL_DIRS);
const MODULE_FILES = DIFFERENTIAL_MODULES.map((m) => index.get(m)?.[0] ?? m);

function yanglint(xml: string, dir: string): { valid: boolean; message: string } {
  const file = join(dir, 'doc.xml');
  writeFileSync(file, xml);
  const r = spawnSync('yanglint', ['-i', '-i', '-t', 'config', '-e', ...DIFFERENTIAL_DIRS.flatMap((d) => ['-p', d]), ...MODULE_FILES, file], { encoding: 'utf8' });
  if (r.error) throw new Error(`yanglint did not run (apt-get install -y libyang2-tools): ${r.error.message}`);
  const message = (r.stderr + r.stdout).split('\n').filter((l) => l.startsWith('libyang err')).join('\n');
  return { valid: r.status === 0, message };
}

function ours(xml: string): { valid: boolean; message: string } {
  const report = validateDocument(parseString(xml), schemas);
  return { valid: report.issues.length === 0, message: report.issues.map((i) => `${i.path}: ${i.message}`).join('\n') };
}

const dir = mkdtempSync(join(tmpdir(), 'yang-diff-'));
const cases: DifferentialCase[] = [];
const tops = DIFFERENTIAL_TOPS.flatMap((m) => dataChildren({ children: schemas.modules.get(m)?.nodes ?? [] }).filter((n) => n.config !== false));
try {
  const aims = targets(tops);
  for (let i = 0; i < Number(values.docs); i++) {
    // Every other document aims at a node with a when, a must or a leafref (every fourth at a must: OpenConfig has few); the rest roam free.
    const musts = aims.filter(([, n]) => n.must.length > 0);
    const [top, aim] = i % 4 === 3 && musts.length ? pick(musts) : i % 2 === 1 && aims.length ? pick(aims) : [tops[(i / 2) % tops.length | 0]!, undefined];
    const doc = generate(top, aim);
    const xml = doc.dumps();
    const judged = yanglint(xml, dir);
    cases.push({ id: `${top.name}-${i}`, defect: 'none', doc: xml, yanglint: judged.valid, yanglintMessage: judged.message });
    if (!judged.valid) continue;
    for (const [name, defect] of Object.entries(DEFECTS)) {
      const bad = defect(doc);
      if (!bad) continue;
      const badXml = bad.dumps();
      const v = yanglint(badXml, dir);
      cases.push({ id: `${top.name}-${i}-${name.replace(/ /g, '-')}`, defect: name, doc: badXml, yanglint: v.valid, yanglintMessage: v.message });
    }
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}

let agree = 0;
const differences: string[] = [];
for (const c of cases) {
  const o = ours(c.doc);
  if (o.valid === c.yanglint) agree++;
  else differences.push(`${c.id} (${c.defect}): yanglint ${c.yanglint ? 'valid' : 'invalid'}${c.yanglintMessage ? ` [${c.yanglintMessage}]` : ''}, ours ${o.valid ? 'valid' : 'invalid'}${o.message ? ` [${o.message}]` : ''}\n  ${c.doc}`);
}
const valid = cases.filter((c) => c.defect === 'none' && c.yanglint).length;
console.log(`${cases.length} documents (${valid} valid bases, ${cases.filter((c) => c.defect !== 'none').length} with one defect): agreement ${agree}/${cases.length} = ${((100 * agree) / cases.length).toFixed(2)}%`);
const byDefect = new Map<string, number>();
for (const c of cases) byDefect.set(c.defect, (byDefect.get(c.defect) ?? 0) + 1);
console.log([...byDefect].map(([d, n]) => `${d}: ${n}`).join(', '));
for (const d of differences) console.log(`DIFFERENT ${d}`);
if (values.record) {
  writeFileSync(DIFFERENTIAL_FIXTURE, gzipSync(JSON.stringify({ models: ['test/fixtures/yang/differential', 'test/fixtures/yang/openconfig'], modules: DIFFERENTIAL_MODULES, tops: DIFFERENTIAL_TOPS, yanglint: spawnSync('yanglint', ['-v'], { encoding: 'utf8' }).stdout.trim(), seed: Number(values.seed), cases }, null, 1) + '\n'));
  console.log(`recorded ${cases.length} cases in ${DIFFERENTIAL_FIXTURE}`);
}
