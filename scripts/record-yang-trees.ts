/**
 * Records `pyang -f tree` of real models as test fixtures: for each module below, the tree
 * pyang prints and the YANG files that module needs (its import/include closure, as our
 * reader follows it), without their prose (scripts/lib/yang-strip.ts), flat in test/fixtures/yang/<set>/. Tests then compare our
 * printTree with pyang's output without needing pyang or the model repositories.
 *
 *   PYANG='python3 /path/to/pyang/bin/pyang' npx tsx scripts/record-yang-trees.ts \
 *     --openconfig /tmp/oc --clixon /tmp/clixon --controller /tmp/controller
 *
 * (/tmp/oc: `git -C <openconfig/public mirror> archive HEAD release third_party | tar -x -C /tmp/oc`;
 * the other two: `git archive HEAD yang` of clixon and clixon-controller.)
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { parseArgs } from 'node:util';
import { YangContext, indexYangFiles } from '../src/yang/index.ts';
import { writeWithoutProse } from './lib/yang-strip.ts';

const { values } = parseArgs({
  options: {
    openconfig: { type: 'string' },
    clixon: { type: 'string' },
    controller: { type: 'string' },
    out: { type: 'string', default: 'test/fixtures/yang' },
  },
});
if (!values.openconfig || !values.clixon || !values.controller) {
  console.error('usage: record-yang-trees.ts --openconfig <dir> --clixon <dir> --controller <dir> [--out dir]');
  process.exit(2);
}

const sets: Record<string, { paths: string[]; modules: string[] }> = {
  openconfig: {
    paths: [join(values.openconfig, 'third_party/ietf'), join(values.openconfig, 'release/models')],
    modules: [
      'ietf-interfaces', 'openconfig-interfaces', 'openconfig-system', 'openconfig-if-ethernet',
      'openconfig-if-ip', 'openconfig-vlan', 'openconfig-lldp', 'openconfig-platform',
      'openconfig-acl', 'openconfig-telemetry', 'openconfig-routing-policy', 'openconfig-lacp',
      'openconfig-if-aggregate', 'openconfig-keychain', 'openconfig-platform-port',
    ],
  },
  clixon: {
    paths: [join(values.clixon, 'yang/clixon'), join(values.clixon, 'yang/mandatory'), join(values.controller, 'yang'), 'modules'],
    modules: [
      'clixon-controller', 'clixon-controller-config', 'clixon-lib', 'clixon-config',
      'clixon-restconf', 'ietf-netconf-acm', 'ietf-yang-library', 'ietf-netconf-monitoring',
      'ietf-restconf-monitoring', 'ssh-users', 'banner',
    ],
  },
};

const pyang = (process.env.PYANG ?? 'pyang').split(' ');
const version = execFileSync(pyang[0]!, [...pyang.slice(1), '--version'], { encoding: 'utf8' }).trim();
const manifest: { module: string; set: string }[] = [];
for (const [set, { paths, modules }] of Object.entries(sets)) {
  const dir = join(values.out, set);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(join(dir, 'trees'), { recursive: true });
  const index = indexYangFiles(paths);
  let bytes = 0;
  for (const module of modules) {
    const file = index.get(module)?.[0];
    if (!file) throw new Error(`${module} not found under ${paths.join(', ')}`);
    // pyang exits 1 on errors it still prints a tree for (the controller's augments into ietf-netconf).
    const tree = spawnSync(pyang[0]!, [...pyang.slice(1), '-f', 'tree', '-p', paths.join(':'), file], {
      encoding: 'utf8',
      maxBuffer: 64 << 20,
    }).stdout;
    if (!tree) {
      console.log(`${module}: pyang prints no tree (no data nodes, rpcs or augments), not recorded`);
      continue;
    }
    writeFileSync(join(dir, 'trees', `${module}.tree`), tree);
    const ctx = new YangContext(paths);
    ctx.load([module]);
    for (const m of ctx.modules.values()) {
      for (const f of [m.file, ...m.submodules.map((s) => s.file)]) {
        writeWithoutProse(f, join(dir, basename(f)));
      }
    }
    manifest.push({ module, set });
  }
  for (const list of indexYangFiles([dir]).values()) for (const f of list) bytes += statSync(f).size;
  console.log(`${set}: ${modules.length} trees, ${(bytes / 1024).toFixed(0)} KiB of YANG`);
}
writeFileSync(join(values.out, 'trees.json'), `${JSON.stringify({ recordedWith: version, trees: manifest }, null, 2)}\n`);
console.log(`recorded with ${version}`);
