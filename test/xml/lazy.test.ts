/**
 * The lazy tree (parseString: index, elements read when reached, untouched subtrees printed
 * from their source) against the tree built whole by the scanner (parseStringWhole), on the
 * recorded configs and messages in test/fixtures and on generated documents, canonical and
 * not: the same reads, the same edits, the same output (dumps, toXml, toJSON, the edit-config
 * bodies). And the index pass refuses exactly what the scanner refuses, with the same error.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { parseString, XmlParseError, type XmlNode } from '../../src/xml/index.ts';
import { parseStringWhole } from '../../src/xml/parser.ts';
import { changedConfig } from '../../src/xml/changes.ts';
import { buildEdits } from '../../src/service/edits.ts';
import { generateConfig } from '../../scripts/bench-tree.ts';
import { rng } from '../rng.ts';

const FIXTURES = join(import.meta.dirname, '..', 'fixtures');

/** Every XML document recorded in the fixtures (messages both ways, configs), each once. */
function recorded(): string[] {
  const docs = new Set<string>();
  const fromJsonl = (file: string): void => {
    for (const line of readFileSync(file, 'utf8').split('\n')) {
      if (line.trim() === '') continue;
      const rec = JSON.parse(line) as Record<string, unknown>;
      for (const v of Object.values(rec)) if (typeof v === 'string' && v.trimStart().startsWith('<')) docs.add(v);
    }
  };
  fromJsonl(join(FIXTURES, 'controller', 'exchanges.jsonl'));
  for (const f of readdirSync(join(FIXTURES, 'wire'))) if (f.endsWith('.jsonl')) fromJsonl(join(FIXTURES, 'wire', f));
  docs.add(readFileSync(join(import.meta.dirname, '..', 'devkit', 'fixtures', 'running.xml'), 'utf8'));
  for (const f of ['banner.xml', 'ssh-users.xml']) docs.add(readFileSync(join(import.meta.dirname, '..', 'modules', f), 'utf8'));
  return [...docs].filter((d) => {
    try {
      parseStringWhole(d);
      return true;
    } catch {
      return false;
    }
  });
}

/** A document in forms dumps() does not write: layout, comments, CDATA, references, quotes, mixed text. */
function generated(seed: number): string {
  const r = rng(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
  const names = ['a', 'b', 'name', 'config', 'cl:x', 'ssh-users', 'n.1'];
  const texts = ['x', ' y ', 'a &amp; b', '&lt;c&gt;', '&#65;&#x42;', '&quot;q&apos;', '1 > 0', '', ' ', '\n  ', 'caf\u00e9 \u{1F600}'];
  const gap = (): string => pick(['', '', '', ' ', '\n  ', '<!-- c -->', '<?pi x?>', 'mixed', '<![CDATA[ <d>& ]]>']);
  const attrs = (): string => {
    let s = '';
    const n = Math.floor(r() * 3);
    for (let i = 0; i < n; i++) {
      const v = pick(['v', 'a&amp;b', "it's", '&quot;x&quot;', '1>0', '&#33;', '']);
      s += pick([' ', '  ', '\n']) + `k${i}` + pick(['=', ' = ']) + (v.includes("'") || r() < 0.7 ? `"${v}"` : `'${v}'`);
    }
    return s;
  };
  const el = (depth: number): string => {
    const name = pick(names);
    const open = `<${name}${attrs()}${pick(['', '', ' '])}`;
    if (r() < 0.2) return `${open}/>`;
    let body = '';
    if (depth > 0 && r() < 0.7) {
      const n = 1 + Math.floor(r() * 4);
      for (let i = 0; i < n; i++) body += gap() + el(depth - 1);
      body += gap();
    } else body = pick(texts);
    return `${open}>${body}</${name}${pick(['', '', '', ' '])}>`;
  };
  return pick(['', '<?xml version="1.0"?>', '\n']) + el(4) + pick(['', '\n', '<!-- end -->']) + (r() < 0.3 ? el(2) : '');
}

/** Everything a module can read of a tree, walked in the same order on both. */
function reads(node: XmlNode): unknown {
  return {
    name: node.getName(),
    attrs: node.getAttributes(),
    data: node.getData(),
    modified: [node.isModified(), node.hasModifiedDescendant(), node.getDeletedChildren().map((d) => d.dumps())],
    children: node.getChildren().map(reads),
  };
}

function outputs(root: XmlNode): unknown {
  // the edits first: they read no more of the tree than the changes reach; dumps then reads it all
  const changes = changedConfig(root);
  const edits = buildEdits(root, { batchSize: 2 });
  return {
    changes,
    edits,
    tops: root.getChildren().map((c) => c.dumps()),
    dumps: root.dumps(),
    pretty: root.toXml({ pretty: true, indent: 3 }),
    json: root.toJSON(),
  };
}

/**
 * A node reached by descending at random (the same choices on both trees): the lazy one
 * stays mostly unread, and the node reached may not be read itself.
 */
function descend(root: XmlNode, r: () => number): XmlNode {
  let at = root;
  for (;;) {
    if (at !== root && r() < 0.3) return at;
    const kids = at.getChildren();
    if (kids.length === 0) return at;
    at = kids[Math.floor(r() * kids.length)]!;
  }
}

/** One seeded edit of the kinds a module makes; returns a label for the failure message. */
function edit(root: XmlNode, r: () => number): string {
  const node = descend(root, r);
  const kind = Math.floor(r() * 9);
  const parent = node.getParent();
  switch (kind) {
    case 0:
      node.setData(`v${Math.floor(r() * 100)}`);
      return 'setData';
    case 1:
      node.create('new', { attributes: { 'cl:creator': "svc[name='s']" }, data: 'n' });
      if (r() < 0.5) node.create('name', { data: 'second' }).create('deep');
      return 'create';
    case 2:
      if (parent && !parent.isDocument()) node.delete();
      return 'delete';
    case 3:
      node.updateAttributes({ k9: 'u&"' });
      return 'updateAttributes';
    case 4:
      if (!node.isDocument()) node.rename('renamed');
      return 'rename';
    case 5: {
      const other = descend(root, r);
      if (!other.isDocument() && !node.getParents().some((p) => p === other) && other !== node) node.add(other.copy());
      return 'add copy';
    }
    case 6:
      node.clearModified();
      return 'clearModified';
    case 7: {
      const first = node.getChildren()[0];
      if (first) first.replace(first.copy());
      return 'replace by copy';
    }
    default:
      if (!node.isDocument()) node.deleteAttribute('k0');
      return 'deleteAttribute';
  }
}

function compare(xml: string, seed: number): void {
  // output first, nothing read yet: untouched subtrees come from the source
  assert.deepEqual(outputs(parseString(xml)), outputs(parseStringWhole(xml)), `outputs of ${xml.slice(0, 200)}`);
  const lazy = parseString(xml);
  const whole = parseStringWhole(xml);
  const r1 = rng(seed);
  const r2 = rng(seed);
  const done: string[] = [];
  for (let i = 0; i < 6; i++) {
    done.push(edit(lazy, r1));
    edit(whole, r2);
    // a subtree left untouched is printed as it was read
    const a = descend(lazy, rng(seed + i));
    const b = descend(whole, rng(seed + i));
    assert.equal(a.dumps(), b.dumps(), `after ${done.join(', ')} in ${xml.slice(0, 200)}`);
  }
  assert.deepEqual(outputs(lazy), outputs(whole), `after ${done.join(', ')} in ${xml.slice(0, 200)}`);
  assert.deepEqual(reads(lazy), reads(whole), `reads after ${done.join(', ')}`);
  assert.deepEqual(reads(parseString(xml)), reads(parseStringWhole(xml)));
}

test('recorded documents: the lazy tree reads, edits and prints as the whole one', () => {
  const docs = recorded();
  assert.ok(docs.length > 50, `only ${docs.length} recorded documents`);
  docs.forEach((xml, i) => compare(xml, i + 1));
});

test('generated documents in every form the scanner accepts', () => {
  for (let seed = 1; seed <= 400; seed++) compare(generated(seed), seed);
  const config = generateConfig(30, 12);
  for (let seed = 1; seed <= 20; seed++) compare(config, seed);
});

test('an untouched compact subtree is printed as its source; a laid-out one as dumps writes it', () => {
  const xml = '<a><b x="1"><c>t &amp; u</c></b>\n  <d y = "2" ><e>1</e></d ></a>';
  const root = parseString(xml);
  root.a!.create('f');
  assert.equal(root.dumps(), '<a><b x="1"><c>t &amp; u</c></b><d y="2"><e>1</e></d><f/></a>');
  assert.equal(root.a!.b!.dumps(), '<b x="1"><c>t &amp; u</c></b>');
});

/** The index pass against the scanner: the same error (message, line, column) or the same tree. */
function sameVerdict(xml: string): void {
  let whole: XmlNode | XmlParseError;
  let lazy: XmlNode | XmlParseError;
  try {
    whole = parseStringWhole(xml);
  } catch (err) {
    assert.ok(err instanceof XmlParseError, String(err));
    whole = err;
  }
  try {
    lazy = parseString(xml);
  } catch (err) {
    assert.ok(err instanceof XmlParseError, String(err));
    lazy = err;
  }
  if (whole instanceof XmlParseError || lazy instanceof XmlParseError) {
    assert.ok(whole instanceof XmlParseError && lazy instanceof XmlParseError, `one refused, one accepted: ${JSON.stringify(xml)}`);
    assert.deepEqual([lazy.message, lazy.line, lazy.column], [whole.message, whole.line, whole.column], JSON.stringify(xml));
  } else {
    assert.equal(lazy.dumps(), whole.dumps(), JSON.stringify(xml));
    assert.deepEqual(reads(lazy), reads(whole), JSON.stringify(xml));
  }
}

test('malformed input: every one-character deletion, insertion and truncation gets the scanner\'s verdict', () => {
  const seeds = [
    '<?xml version="1.0"?><a x="1" y=\'2\'><b>t &amp; &#65;</b><!-- c --><c/><![CDATA[x]]></a>',
    '<r xmlns="urn:x" xmlns:p="urn:p"><p:e a="&quot;v&quot;">&lt;x&gt;</p:e><f></f >\n</r>',
    '<a><b><c>1</c></b><?pi d?></a><z/>',
  ];
  const inserts = ['<', '>', '&', '"', "'", '/', '=', ' ', '!', '?', ';', '#', 'x', ']', '-', '\0', '1'];
  let cases = 0;
  for (const xml of seeds) {
    for (let i = 0; i <= xml.length; i++) {
      sameVerdict(xml.slice(0, i));
      sameVerdict(xml.slice(0, i) + xml.slice(i + 1));
      for (const ch of inserts) sameVerdict(xml.slice(0, i) + ch + xml.slice(i));
      cases += 2 + inserts.length;
    }
  }
  const r = rng(7);
  for (let seed = 1; seed <= 150; seed++) {
    const xml = generated(seed);
    for (let k = 0; k < 20; k++) {
      const i = Math.floor(r() * (xml.length + 1));
      sameVerdict(xml.slice(0, i) + inserts[Math.floor(r() * inserts.length)] + xml.slice(i + 1));
      cases++;
    }
  }
  assert.ok(cases > 5000, `${cases} cases`);
});

test('a malformed reference deep in a subtree no module reads is refused at the parse', () => {
  const xml = generateConfig(5, 3).replace('<name>eth2</name>', '<name>eth2 &bogus;</name>');
  assert.throws(() => parseString(xml), (err: unknown) => err instanceof XmlParseError && /unknown entity &bogus;/.test(err.message));
});
