/**
 * Records `pyang -f tree` of real models as test fixtures, with the YANG files each module
 * needs (its import/include closure, as our reader follows it), without their prose
 * (scripts/lib/yang-strip.ts). Tests then compare our printTree with pyang's output
 * without needing pyang or the model repositories.
 *
 * Two kinds of sets:
 * - folders (test/fixtures/yang/<set>/, trees in trees/, listed in trees.json): a few
 *   OpenConfig and Clixon modules, also read by the validation and type tests;
 * - the public corpus (test/fixtures/yang/public/<set>.json.gz, scripts/lib/yang-corpus.ts):
 *   every module of OpenConfig's release/models, of SR Linux's srl_nokia models and of the
 *   IETF RFC modules, each as pyang prints it alone, some also with features given.
 *
 *   PYANG='python3 /path/to/pyang/bin/pyang' npx tsx scripts/record-yang-trees.ts \
 *     --openconfig /tmp/oc --clixon /tmp/clixon --controller /tmp/controller \
 *     --srlinux /tmp/srl --yangmodels /tmp/ym [--jobs 2] [--only folders|public]
 *
 * /tmp/oc: `git -C <openconfig/public> archive HEAD release third_party | tar -x -C /tmp/oc`;
 * /tmp/clixon, /tmp/controller: `git archive HEAD yang` of clixon and clixon-controller;
 * /tmp/srl: `git -C <nokia/srlinux-yang-models> archive v25.3.1 | tar -x -C /tmp/srl`;
 * /tmp/ym: `git -C <YangModels/yang> archive HEAD standard/ietf/RFC standard/iana standard/ieee/published | tar -x -C /tmp/ym`
 * (the RFC modules import IANA and IEEE ones). `--<source>-rev` records the revision archived.
 * pyang 2.7.1 runs from its source: PYTHONPATH=<pyang> python3 <pyang>/bin/pyang.
 */
import { execFile, execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { basename, join, relative } from 'node:path';
import { parseArgs, promisify } from 'node:util';
import { YangContext, YangError, indexYangFiles, parseYangFile, type Stmt } from '../src/yang/index.ts';
import { CORPUS_SETS, corpusFile, writeCorpus, type CorpusSet, type RecordedTree } from './lib/yang-corpus.ts';
import { withoutProse, writeWithoutProse } from './lib/yang-strip.ts';

const { values } = parseArgs({
  options: {
    openconfig: { type: 'string' },
    'openconfig-rev': { type: 'string', default: 'HEAD' },
    clixon: { type: 'string' },
    controller: { type: 'string' },
    srlinux: { type: 'string' },
    'srlinux-rev': { type: 'string', default: 'v25.3.1' },
    yangmodels: { type: 'string' },
    'yangmodels-rev': { type: 'string', default: 'HEAD' },
    jobs: { type: 'string', default: '1' },
    only: { type: 'string' },
  },
});
const usage = 'usage: record-yang-trees.ts --openconfig <dir> --clixon <dir> --controller <dir> --srlinux <dir> --yangmodels <dir> [--jobs n] [--only folders|public]';
const doFolders = values.only !== 'public';
const doPublic = values.only !== 'folders';
if ((doFolders && (!values.openconfig || !values.clixon || !values.controller)) || (doPublic && (!values.openconfig || !values.srlinux || !values.yangmodels))) {
  console.error(usage);
  process.exit(2);
}

const pyang = (process.env.PYANG ?? 'pyang').split(' ');
const version = execFileSync(pyang[0]!, [...pyang.slice(1), '--version'], { encoding: 'utf8' }).trim();
const run = promisify(execFile);

/** pyang's tree of one module file, alone, with the search path and features given. */
async function pyangTree(file: string, paths: readonly string[], features?: Record<string, string[]>): Promise<string> {
  const args = [...pyang.slice(1), '-f', 'tree', '-p', paths.join(':')];
  for (const [m, fs] of Object.entries(features ?? {})) args.push('-F', `${m}:${fs.join(',')}`);
  try {
    return (await run(pyang[0]!, [...args, file], { encoding: 'utf8', maxBuffer: 256 << 20 })).stdout;
  } catch (err) {
    // pyang exits 1 on errors it still prints a tree for (the controller's augments into ietf-netconf).
    return (err as { stdout?: string }).stdout ?? '';
  }
}

/** Runs `fn` over `items`, `jobs` at a time, results in the items' order. */
async function pool<T, R>(items: readonly T[], jobs: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, jobs) }, worker));
  return out;
}

/** The files of the module and everything it imports or includes, as our reader loads them. */
function closure(paths: readonly string[], module: string, parsed: Map<string, Stmt>): string[] {
  const ctx = new YangContext(paths, { parsed });
  ctx.load([module]);
  return [...ctx.modules.values()].flatMap((m) => [m.file, ...m.submodules.map((s) => s.file)]);
}

const jobs = Number(values.jobs);
const FOLDERS = 'test/fixtures/yang';

/** Every second feature a module defines, in its order: a mix of on and off for every if-feature form. */
function everyOtherFeature(file: string): string[] {
  return parseYangFile(file).subs.filter((s) => s.keyword === 'feature').map((s) => s.arg ?? '').filter((_, i) => i % 2 === 0);
}

if (doFolders) {
  const oc = values.openconfig!;
  const sets: Record<string, { paths: string[]; modules: string[] }> = {
    openconfig: {
      paths: [join(oc, 'third_party/ietf'), join(oc, 'release/models')],
      modules: [
        'ietf-interfaces', 'openconfig-interfaces', 'openconfig-system', 'openconfig-if-ethernet',
        'openconfig-if-ip', 'openconfig-vlan', 'openconfig-lldp', 'openconfig-platform',
        'openconfig-acl', 'openconfig-telemetry', 'openconfig-routing-policy', 'openconfig-lacp',
        'openconfig-if-aggregate', 'openconfig-keychain', 'openconfig-platform-port',
      ],
    },
    clixon: {
      paths: [join(values.clixon!, 'yang/clixon'), join(values.clixon!, 'yang/mandatory'), join(values.controller!, 'yang'), 'modules'],
      modules: [
        'clixon-controller', 'clixon-controller-config', 'clixon-lib', 'clixon-config',
        'clixon-restconf', 'ietf-netconf-acm', 'ietf-yang-library', 'ietf-netconf-monitoring',
        'ietf-restconf-monitoring', 'ssh-users', 'banner',
      ],
    },
  };
  const manifest: { module: string; set: string }[] = [];
  for (const [set, { paths, modules }] of Object.entries(sets)) {
    const dir = join(FOLDERS, set);
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(join(dir, 'trees'), { recursive: true });
    const index = indexYangFiles(paths);
    const parsed = new Map<string, Stmt>();
    const trees = await pool(modules, jobs, async (module) => {
      const file = index.get(module)?.[0];
      if (!file) throw new Error(`${module} not found under ${paths.join(', ')}`);
      return pyangTree(file, paths);
    });
    for (const [i, module] of modules.entries()) {
      if (!trees[i]) {
        console.log(`${module}: pyang prints no tree (no data nodes, rpcs or augments), not recorded`);
        continue;
      }
      writeFileSync(join(dir, 'trees', `${module}.tree`), trees[i]!);
      for (const f of closure(paths, module, parsed)) writeWithoutProse(f, join(dir, basename(f)));
      manifest.push({ module, set });
    }
    let bytes = 0;
    for (const list of indexYangFiles([dir]).values()) for (const f of list) bytes += statSync(f).size;
    console.log(`${set}: ${modules.length} trees, ${(bytes / 1024).toFixed(0)} KiB of YANG`);
  }
  writeFileSync(join(FOLDERS, 'trees.json'), `${JSON.stringify({ recordedWith: version, trees: manifest }, null, 2)}\n`);
}

/** The module files under `dir` (recursively; a submodule is read through its module). */
function moduleFiles(dir: string): string[] {
  const out: string[] = [];
  for (const list of indexYangFiles([dir]).values()) {
    // Several revisions of one module: the newest, as the reader (and pyang) import it.
    const file = list[0]!;
    try {
      if (parseYangFile(file).keyword === 'module') out.push(file);
    } catch (err) {
      if (!(err instanceof YangError)) throw err;
      console.log(`${relative(dir, file)}: ${err.message}, not recorded`);
    }
  }
  return out.sort();
}

interface PublicSet {
  source: string;
  paths: string[];
  /** The modules whose trees are recorded. */
  under: string;
  /** Runs with features given, besides the one with none. */
  featureRuns: { modules: string[]; features: Record<string, string[]> }[];
}

if (doPublic) {
  const oc = values.openconfig!;
  const srl = join(values.srlinux!, 'srlinux-yang-models');
  const ym = values.yangmodels!;
  const rfc = join(ym, 'standard/ietf/RFC');
  const sets: Record<CorpusSet, PublicSet> = {
    openconfig: {
      source: `github.com/openconfig/public ${values['openconfig-rev']}: release/models, third_party/ietf`,
      paths: [join(oc, 'third_party/ietf'), join(oc, 'release/models')],
      under: join(oc, 'release/models'),
      featureRuns: [],
    },
    srlinux: {
      source: `github.com/nokia/srlinux-yang-models ${values['srlinux-rev']}: srlinux-yang-models (modules of srl_nokia/models)`,
      paths: [srl],
      under: join(srl, 'srl_nokia/models'),
      // The four modules whose augments' if-features name srl_nokia-features by another
      // prefix than the augmented module's, the two with repeated or "not" if-features, and
      // the big ones: with no SR Linux feature on, and with a few.
      featureRuns: [
        {
          modules: [
            'srl_nokia-mpls-route-tables', 'srl_nokia-tunnel-tables', 'srl_nokia-system-info', 'srl_nokia-ip-route-tables',
            'srl_nokia-isis', 'srl_nokia-system-protocols', 'srl_nokia-interfaces', 'srl_nokia-network-instance',
            'srl_nokia-bgp', 'srl_nokia-platform', 'srl_nokia-system', 'srl_nokia-qos', 'srl_nokia-acl',
          ],
          features: { 'srl_nokia-features': [] },
        },
        {
          modules: ['srl_nokia-interfaces', 'srl_nokia-network-instance', 'srl_nokia-isis', 'srl_nokia-system-protocols', 'srl_nokia-platform', 'srl_nokia-bgp'],
          features: { 'srl_nokia-features': everyOtherFeature(join(srl, 'srl_nokia/models/common/srl_nokia-features.yang')) },
        },
      ],
    },
    ietf: {
      source: `github.com/YangModels/yang ${values['yangmodels-rev']}: standard/ietf/RFC (modules, newest revision), standard/iana, standard/ieee/published`,
      paths: [rfc, join(ym, 'standard/iana'), join(ym, 'standard/ieee/published')],
      under: rfc,
      featureRuns: [
        {
          modules: ['ietf-dhcpv6-client', 'ietf-ip', 'ietf-interfaces', 'ietf-system', 'ietf-routing'],
          features: { 'ietf-dhcpv6-client': [], 'ietf-ip': [], 'ietf-interfaces': ['if-mib'], 'ietf-system': ['ntp', 'radius'] },
        },
      ],
    },
  };
  for (const set of CORPUS_SETS) {
    const { source, paths, under, featureRuns } = sets[set];
    const files = moduleFiles(under);
    const byName = new Map(files.map((f) => [parseYangFile(f).arg ?? '', f]));
    const runs: { module: string; file: string; features?: Record<string, string[]> }[] = [...byName].map(([module, file]) => ({ module, file }));
    for (const fr of featureRuns) {
      for (const module of fr.modules) {
        const file = byName.get(module);
        if (!file) throw new Error(`${set}: ${module} is not among the recorded modules`);
        runs.push({ module, file, features: fr.features });
      }
    }
    let done = 0;
    const trees: RecordedTree[] = await pool(runs, jobs, async ({ module, file, features }) => {
      const tree = await pyangTree(file, paths, features);
      if (++done % 50 === 0) console.log(`${set}: ${done}/${runs.length}`);
      return features ? { module, features, tree } : { module, tree };
    });
    const parsed = new Map<string, Stmt>();
    const yang: Record<string, string> = {};
    for (const module of byName.keys()) {
      for (const f of closure(paths, module, parsed)) yang[basename(f)] ??= withoutProse(readFileSync(f, 'utf8'), f);
    }
    writeCorpus(set, { recordedWith: version, source, yang, trees });
    const yangBytes = Object.values(yang).reduce((n, t) => n + t.length, 0);
    const treeBytes = trees.reduce((n, t) => n + t.tree.length, 0);
    console.log(
      `${set}: ${byName.size} modules, ${trees.length} trees (${trees.filter((t) => t.tree !== '').length} not empty), ` +
        `${Object.keys(yang).length} YANG files ${(yangBytes / 1e6).toFixed(1)} MB, trees ${(treeBytes / 1e6).toFixed(1)} MB, ` +
        `archive ${(statSync(corpusFile(set)).size / 1e6).toFixed(2)} MB`,
    );
  }
}
console.log(`recorded with ${version}`);
