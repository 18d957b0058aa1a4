/**
 * Fuzzes what reads the controller's bytes: the framing decoders, the XML parser, and the
 * service server against a hostile fake controller (garbage, truncations, wrong
 * message-ids, stalls, hang-ups, replies bent in time or number). Each target runs for
 * the seconds given, from a seed; the properties checked are in test/fuzz/oracles.ts.
 * Prints per target the cases run, the failures and the slowest case; with --save, a
 * failing case goes to test/fixtures/fuzz/ (the first 3 of each kind of failure), where
 * `npm test` replays it (test/fuzz/corpus.test.ts).
 *
 *   npx tsx scripts/fuzz.ts [--seconds 60] [--seed 1] [--target framing,xml,hostile] [--save]
 */
import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { encodeFrame } from '../src/netconf/index.ts';
import {
  checkFraming,
  checkXml,
  runHostile,
  type FramingCase,
  type FuzzCase,
  type HostileAction,
  type HostileCase,
  type HostileOp,
  type HostileStep,
  type XmlCase,
} from '../test/fuzz/oracles.ts';
import { rng } from '../test/rng.ts';

const CORPUS = fileURLToPath(new URL('../test/fixtures/fuzz/', import.meta.url));
/** An XML case this slow (per 100 KB of input) counts as a failure: parse time should be linear. */
const SLOW_XML_MS = 1_000;
const SAVE_PER_KIND = 3;

type Rng = () => number;
const int = (r: Rng, n: number): number => Math.floor(r() * n);
const pick = <T>(r: Rng, list: readonly T[]): T => list[int(r, list.length)] as T;

// ---------------------------------------------------------------- framing

const TEXT_PIECES = ['<rpc-reply>', '</rpc-reply>', '<ok/>', 'värde', '名前', '🦊', ']]>', ']]>]]', '\n#', '\n##\n', '#12\n', 'x', ' ', '\n', '<data a="1">', '</data>'];

function message(r: Rng): string {
  let s = '';
  const n = 1 + int(r, 12);
  for (let i = 0; i < n; i++) s += r() < 0.1 ? 'p'.repeat(int(r, 5000)) : pick(r, TEXT_PIECES);
  return s;
}

function chunked(r: Rng, xml: string): Buffer {
  const body = Buffer.from(xml, 'utf8');
  if (r() < 0.4) return encodeFrame(xml, 'chunked');
  const max = pick(r, [1, 2, 3, 7, 100, 5000]);
  const parts: Buffer[] = [];
  for (let i = 0; i < body.length; ) {
    const n = Math.min(body.length - i, 1 + int(r, max));
    parts.push(Buffer.from(`\n#${n}\n`), body.subarray(i, i + n));
    i += n;
  }
  parts.push(Buffer.from('\n##\n'));
  return Buffer.concat(parts);
}

const JUNK = Buffer.from('\n\n##0123456789]]>x é');

function mutate(r: Rng, b: Buffer): Buffer {
  const at = int(r, b.length + 1);
  switch (int(r, 7)) {
    case 0: {
      const c = Buffer.from(b);
      if (c.length > 0) c[Math.min(at, c.length - 1)] = int(r, 256);
      return c;
    }
    case 1:
      return Buffer.concat([b.subarray(0, at), Buffer.from(Array.from({ length: 1 + int(r, 6) }, () => pick(r, [...JUNK]))), b.subarray(at)]);
    case 2:
      return Buffer.concat([b.subarray(0, at), b.subarray(Math.min(b.length, at + 1 + int(r, 20)))]);
    case 3:
      return b.subarray(0, at);
    case 4:
      return Buffer.concat([b.subarray(0, at), b.subarray(at, at + int(r, 50)), b.subarray(at)]);
    case 5:
      return Buffer.concat([b.subarray(0, at), Buffer.from(`\n#${pick(r, ['4294967295', '4294967296', '300000000', '99999999999', '0', '1'])}\n`), b.subarray(at)]);
    default:
      return Buffer.concat([b, Buffer.from(pick(r, ['junk', '\n#', '\n##', ']]>]', ' \n']))]);
  }
}

function genFraming(r: Rng): FramingCase {
  const mode = r() < 0.75 ? 'chunked' : 'eom';
  const messages = Array.from({ length: 1 + int(r, 4) }, () => message(r)).map((m) => (mode === 'eom' ? m.replaceAll(']]>]]>', ']]>') : m)).filter((m) => m !== '');
  let stream: Buffer = Buffer.concat(messages.map((m) => (mode === 'chunked' ? chunked(r, m) : Buffer.from(`${m}]]>]]>${r() < 0.3 ? '\n' : ''}`))));
  if (r() < 0.7) for (let k = 1 + int(r, 3); k > 0; k--) stream = mutate(r, stream);
  const cuts: number[] = [];
  for (let at = 0; at < stream.length; ) {
    at += 1 + int(r, pick(r, [2, 8, 64, 4096, 70000]));
    if (at < stream.length) cuts.push(at);
  }
  const c: FramingCase = { kind: 'framing', mode, stream: stream.toString('base64'), cuts };
  if (r() < 0.3) c.maxMessageBytes = 1 + int(r, 300);
  return c;
}

// ---------------------------------------------------------------- xml

const SEEDS = [
  '<rpc-reply xmlns="urn:ietf:params:xml:ns:netconf:base:1.0" message-id="42"><data><devices xmlns="http://clicon.org/controller"><device><name>dev1</name><config><table xmlns="urn:example:clixon"><parameter><name>a&amp;b</name><value>&lt;x&gt;</value></parameter></table></config></device></devices></data></rpc-reply>',
  '<notification xmlns="urn:ietf:params:xml:ns:netconf:notification:1.0"><eventTime>2026-11-28T08:15:27Z</eventTime><services-commit xmlns="http://clicon.org/controller"><tid>7</tid><service>testsvc[name=\'s1\']</service></services-commit></notification>',
  '<?xml version="1.0" encoding="UTF-8"?><!-- c --><a xmlns:p="urn:p" p:q="1" r=\'2\'><p:b>t<![CDATA[<raw> & ]]>u</p:b><?pi data?><c/>&#x41;&#66;&quot;&apos;</a>',
  '<rpc-reply xmlns="urn:ietf:params:xml:ns:netconf:base:1.0"><rpc-error><error-type>application</error-type><error-tag>operation-failed</error-tag><error-severity>error</error-severity><error-message xml:lang="en">No such transaction</error-message></rpc-error></rpc-reply>',
];

const TOKENS = ['<', '>', '&', ';', '"', "'", '&#x', '&#', '&amp;', '&lt;', '&#x10FFFF;', '&#0;', '<!--', '-->', '<![CDATA[', ']]>', '<?', '?>', '</', '/>', '=', ' ', '\r\n', '\r', '\t', '\u0000', '\uffff', '\ud800', 'é', '𝄞', ':', ' xmlns:a="x"', ' a:b="c"', '<!DOCTYPE a>', 'xmlns=""'];

const NAMES = ['a', 'b', 'p:c', 'data', 'name', 'x-y.z', 'é', 'config', 'toJSON', 'constructor', '__proto__'];

function tree(r: Rng, depth: number): string {
  const name = pick(r, NAMES);
  const ns = name.includes(':') ? ` xmlns:${name.split(':')[0]}="urn:x"` : '';
  const attrs = Array.from({ length: int(r, 3) }, (_, i) => ` at${i}="${pick(r, ['1', '&lt;', '&quot;', 'a b', '&#9;'])}"`).join('');
  if (depth <= 0 || r() < 0.3) return r() < 0.5 ? `<${name}${ns}${attrs}/>` : `<${name}${ns}${attrs}>${pick(r, ['t', '&amp;x', '<![CDATA[c]]>', ' ', '&#x1F98A;'])}</${name}>`;
  const kids = Array.from({ length: 1 + int(r, 4) }, () => tree(r, depth - 1)).join(r() < 0.2 ? ' text ' : '');
  return `<${name}${ns}${attrs}>${kids}</${name}>`;
}

function burst(r: Rng): string {
  switch (int(r, 3)) {
    case 0: {
      const n = int(r, 3000);
      return '<d>'.repeat(n) + '</d>'.repeat(n);
    }
    case 1:
      return `<w ${Array.from({ length: int(r, 3000) }, (_, i) => `a${i}="${i}"`).join(' ')}/>`;
    default:
      return `<e>${'&amp;&#x41;'.repeat(int(r, 5000))}</e>`;
  }
}

function genXml(r: Rng): XmlCase {
  let text = r() < 0.4 ? pick(r, SEEDS) : r() < 0.9 ? tree(r, 1 + int(r, 8)) : burst(r);
  if (r() < 0.7) {
    for (let k = 1 + int(r, 4); k > 0; k--) {
      const at = int(r, text.length + 1);
      switch (int(r, 4)) {
        case 0:
          text = text.slice(0, at) + pick(r, TOKENS) + text.slice(at + int(r, 3));
          break;
        case 1:
          text = text.slice(0, at) + text.slice(at + 1 + int(r, 10));
          break;
        case 2:
          text = text.slice(0, at) + text.slice(at, at + int(r, 40)) + text.slice(at);
          break;
        default:
          text = text.slice(0, at);
      }
    }
  }
  return { kind: 'xml', text };
}

// ---------------------------------------------------------------- hostile

const OPS: HostileOp[] = ['get', 'get-config:running', 'get-config:actions', 'edit-config', 'transaction-actions-done', 'create-subscription'];
const ACTIONS: HostileAction[] = ['stall', 'close', 'data', 'wrong-id', 'bad-xml', 'rpc-error', 'oversize', 'duplicate', 'notification-first', 'dribble', 'slow'];

function hostileAction(r: Rng, op: HostileOp): HostileAction {
  if (op === 'create-subscription' && r() < 0.5) return 'commit-with-reply';
  if (r() < 0.15) return { garbage: Buffer.from(Array.from({ length: 1 + int(r, 40) }, () => int(r, 256))).toString('base64'), ...(r() < 0.5 ? { close: true } : {}) };
  if (r() < 0.15) return { truncate: 1 + int(r, 60), ...(r() < 0.5 ? { close: true } : {}) };
  return pick(r, ACTIONS);
}

function genHostile(r: Rng, steps: number): HostileCase {
  return {
    kind: 'hostile',
    steps: Array.from({ length: steps }, (): HostileStep => {
      const op = pick(r, OPS);
      return { op, action: hostileAction(r, op) };
    }),
  };
}

// ---------------------------------------------------------------- the run

interface Tally {
  cases: number;
  failures: number;
  slowestMs: number;
  kinds: Map<string, number>;
}

function kindOf(failure: string): string {
  return failure.split('\n')[0]!.replace(/\d+/g, 'N').replace(/"[^"]*"/g, '"…"').slice(0, 120);
}

function save(c: FuzzCase, failure: string, tally: Tally, doSave: boolean): void {
  const kind = kindOf(failure);
  const seen = tally.kinds.get(kind) ?? 0;
  tally.kinds.set(kind, seen + 1);
  tally.failures++;
  if (seen === 0) console.log(`  ${c.kind} failure: ${failure.split('\n').slice(0, 3).join(' | ').slice(0, 400)}`);
  if (!doSave || seen >= SAVE_PER_KIND) return;
  mkdirSync(CORPUS, { recursive: true });
  const body = JSON.stringify({ ...c, note: failure.split('\n')[0]!.slice(0, 300) }, null, 1);
  const name = `${c.kind}-${createHash('sha1').update(body).digest('hex').slice(0, 10)}.json`;
  writeFileSync(join(CORPUS, name), `${body}\n`);
  console.log(`  saved ${name}`);
}

function args(): { seconds: number; seed: number; targets: string[]; save: boolean } {
  const a = process.argv.slice(2);
  const value = (flag: string): string | undefined => {
    const i = a.indexOf(flag);
    return i >= 0 ? a[i + 1] : undefined;
  };
  const targets = (value('--target') ?? 'framing,xml,hostile').split(',');
  for (const t of targets) if (!['framing', 'xml', 'hostile'].includes(t)) throw new Error(`unknown target ${t} (framing, xml, hostile)`);
  return { seconds: Number(value('--seconds') ?? 60), seed: Number(value('--seed') ?? 1), targets, save: a.includes('--save') };
}

async function main(): Promise<void> {
  const { seconds, seed, targets, save: doSave } = args();
  console.log(`fuzz: ${targets.join(', ')}, ${seconds} s each, seed ${seed}`);
  for (const target of targets) {
    // Each target its own sequence, so that one target's run does not depend on another's.
    const r = rng(seed * 7919 + targets.indexOf(target));
    const tally: Tally = { cases: 0, failures: 0, slowestMs: 0, kinds: new Map() };
    const end = Date.now() + seconds * 1000;
    while (Date.now() < end) {
      if (target === 'hostile') {
        const c = genHostile(r, 10);
        const t = performance.now();
        const { failures, commits } = await runHostile(c, { deadlineMs: 30_000 });
        tally.slowestMs = Math.max(tally.slowestMs, performance.now() - t);
        tally.cases += commits;
        for (const f of failures) save(c, f, tally, doSave);
        continue;
      }
      const c = target === 'framing' ? genFraming(r) : genXml(r);
      const t = performance.now();
      let failure = c.kind === 'framing' ? checkFraming(c) : checkXml(c);
      const ms = performance.now() - t;
      tally.slowestMs = Math.max(tally.slowestMs, ms);
      if (c.kind === 'xml' && failure === undefined && ms > SLOW_XML_MS * Math.max(1, c.text.length / 100_000)) {
        failure = `slow: ${ms.toFixed(0)} ms for ${c.text.length} characters`;
      }
      tally.cases++;
      if (failure !== undefined) save(c, failure, tally, doSave);
    }
    const unit = target === 'hostile' ? 'commits' : 'inputs';
    console.log(`${target}: ${tally.cases} ${unit}, ${tally.failures} failures in ${tally.kinds.size} kinds, slowest ${target === 'hostile' ? 'case of 10 steps' : 'input'} ${tally.slowestMs.toFixed(0)} ms`);
  }
}

await main();
