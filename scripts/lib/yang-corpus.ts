/**
 * The public YANG corpus the tree tests compare with pyang: per source (OpenConfig, SR Linux,
 * IETF) one gzipped JSON file in test/fixtures/yang/public/ holding the models' files (prose
 * stripped) and the trees `pyang -f tree` printed for each module, some with features given.
 *
 * Why an archive and not a folder of files: the three sources are ~780 YANG files and ~720
 * trees, 8 MB of text that compresses to 0.9 MB; a folder would add 1500 files of generated
 * output that nobody reads in a diff, and 8 MB to every checkout. `zcat <set>.json.gz | jq`
 * shows one; scripts/record-yang-trees.ts writes them.
 */
import { mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';

export const CORPUS_DIR = new URL('../../test/fixtures/yang/public/', import.meta.url).pathname;
export const CORPUS_SETS = ['openconfig', 'srlinux', 'ietf'] as const;
export type CorpusSet = (typeof CORPUS_SETS)[number];

export interface RecordedTree {
  module: string;
  /** The `-F` given to pyang, per module; absent: none given (every feature on). */
  features?: Record<string, string[]>;
  /** What pyang printed; '' for a module without data nodes, rpcs, notifications or augments. */
  tree: string;
}

export interface Corpus {
  recordedWith: string;
  /** Where the models came from: repository, revision, folders. */
  source: string;
  /** File name → YANG text without prose; every module's import/include closure. */
  yang: Record<string, string>;
  trees: RecordedTree[];
}

export function corpusFile(set: CorpusSet): string {
  return join(CORPUS_DIR, `${set}.json.gz`);
}

export function readCorpus(set: CorpusSet): Corpus {
  return JSON.parse(gunzipSync(readFileSync(corpusFile(set))).toString('utf8')) as Corpus;
}

export function writeCorpus(set: CorpusSet, corpus: Corpus): void {
  mkdirSync(CORPUS_DIR, { recursive: true });
  writeFileSync(corpusFile(set), gzipSync(JSON.stringify(corpus), { level: 9 }));
}

/** The corpus's YANG files written to a fresh folder (the reader reads files); remove it with `rmSync`. */
export function extractCorpus(corpus: Corpus): string {
  const dir = mkdtempSync(join(tmpdir(), 'yang-corpus-'));
  for (const [name, text] of Object.entries(corpus.yang)) writeFileSync(join(dir, name), text);
  return dir;
}

export function removeCorpus(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}
