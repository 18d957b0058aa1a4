/**
 * The simulator against the real controller's replies about its devices' models
 * (test/fixtures/models, recorded by scripts/record-models.ts from clixon-controller 1.8
 * with dev1 of clixon-example and oc1 of OpenConfig): the simulator's device kinds are
 * made of the very modules the rig's devices published (their texts from the recorded
 * detail replies), and its replies to the same requests must equal the recorded ones
 * element by element: get-device-schema (plain, detail, one module, an unknown device),
 * each device's yang-library in `get`, and the devices' names and module-sets in running.
 * Then src/models' reader (what the service server uses) against the simulator.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Session, rpc as build } from '../../src/netconf/index.ts';
import { fetchSetYang, moduleSetKey, readModuleSets } from '../../src/models/index.ts';
import { SchemaSet } from '../../src/yang/schemaset.ts';
import { DEADLINE_MS } from '../deadline.ts';
import { RIG_KINDS } from '../wire.ts';
import { parseXml } from '../../src/sim/tree.ts';
import type { DeviceKind } from '../../src/sim/index.ts';
import { recordedReply } from '../models/fixtures.ts';
import { compareXml } from './compare.ts';
import { rig, CTRL } from './helpers.ts';

/** A kind of the modules a recorded detail reply holds, written to `dir` as name@revision.yang. */
function recordedKind(detailFile: string, dir: string, devices: string[]): DeviceKind {
  const modules: string[] = [];
  for (const s of parseXml(recordedReply(detailFile)).children[0]!.childrenNamed('schema')) {
    const name = s.childText('name')!;
    const revision = s.childText('revision');
    writeFileSync(join(dir, `${name}${revision ? `@${revision}` : ''}.yang`), s.childText('data')!);
    // A submodule (no namespace in the reply) comes with its module.
    if (s.child('namespace')) modules.push(name);
  }
  return { yangDirs: [dir], modules, devices };
}

test('get-device-schema and the devices\' yang-library equal the rig\'s recorded replies', async (t) => {
  const root = mkdtempSync(join(tmpdir(), 'sim-recorded-models-'));
  t.after(() => rmSync(root, { recursive: true, force: true }));
  const dirs = ['dev', 'oc'].map((d) => join(root, d));
  for (const d of dirs) mkdirSync(d);
  const deviceKinds = {
    'clixon-example': recordedKind('get-device-schema-dev1-detail.xml', dirs[0]!, ['dev*']),
    openconfig: recordedKind('get-device-schema-oc1-detail.xml', dirs[1]!, ['oc*']),
  };
  const config = `<config><devices xmlns="${CTRL}">${['dev1', 'dev2', 'oc1'].map((n) => `<device><name>${n}</name><enabled>true</enabled><addr>127.0.0.1</addr><config/></device>`).join('')}</devices></config>`;
  const r = await rig({ config, deviceKinds });
  try {
    const c = await r.connect();
    const user = 'root';
    const cases: [string, string][] = [
      ['get-device-schema-dev1.xml', build.getDeviceSchema({ user, device: 'dev1' })],
      ['get-device-schema-oc1.xml', build.getDeviceSchema({ user, device: 'oc1' })],
      ['get-device-schema-dev1-detail.xml', build.getDeviceSchema({ user, device: 'dev1', detail: true })],
      ['get-device-schema-oc1-detail.xml', build.getDeviceSchema({ user, device: 'oc1', detail: true })],
      ['get-device-schema-dev1-clixon-example.xml', build.getDeviceSchema({ user, device: 'dev1', name: 'clixon-example', detail: true })],
      ['get-device-schema-unknown-device.xml', build.getDeviceSchema({ user, device: 'nosuchdevice' })],
      ['get-devices-config.xml', build.get({ user, xpath: '/ctrl:devices/ctrl:device/ctrl:config', namespaces: { ctrl: CTRL } })],
      ['get-config-devices.xml', build.getConfig({ user, source: 'running', xpath: '/ctrl:devices/ctrl:device/ctrl:name | /ctrl:devices/ctrl:device/ctrl:module-set' })],
    ];
    for (const [file, request] of cases) {
      const d = compareXml(await c.rpc(request), recordedReply(file));
      assert.equal(d, '', `${file}: ${d}`);
    }
  } finally {
    await r.close();
  }
});

test('src/models reads the simulator\'s devices\' module-sets and YANG as it reads the controller\'s: one set per kind, a device of no kind a problem', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'sim-models-read-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const config = `<config><devices xmlns="${CTRL}">${['dev1', 'dev2', 'oc1', 'plain'].map((n) => `<device><name>${n}</name><config/></device>`).join('')}</devices></config>`;
  const r = await rig({ config, deviceKinds: RIG_KINDS });
  const session = await Session.connect({ path: r.sim.path!, user: 'root' });
  try {
    const opts = { user: 'root', timeoutMs: DEADLINE_MS };
    const read = await readModuleSets(session, opts);
    assert.deepEqual(read.devices, ['dev1', 'dev2', 'oc1', 'plain']);
    assert.deepEqual([...read.sets.keys()], ['dev1', 'dev2', 'oc1']);
    assert.equal(moduleSetKey(read.sets.get('dev1')!), moduleSetKey(read.sets.get('dev2')!));
    assert.notEqual(moduleSetKey(read.sets.get('dev1')!), moduleSetKey(read.sets.get('oc1')!));
    assert.match(read.problems.get('plain') ?? '', /No matching device YANG spec found/);
    // The OpenConfig set's YANG, fetched and compiled again: the same modules the kind has.
    const t0 = performance.now();
    const missing = await fetchSetYang(session, 'oc1', read.sets.get('oc1')!, join(dir, 'oc'), opts);
    const fetchMs = performance.now() - t0;
    assert.deepEqual(missing, []);
    const t1 = performance.now();
    const set = SchemaSet.fromDirs([join(dir, 'oc')]);
    const compileMs = performance.now() - t1;
    assert.deepEqual(set.problems, []);
    assert.ok(set.top('http://openconfig.net/yang/system', 'system', true));
    t.diagnostic(`OpenConfig set from the simulator: ${read.sets.get('oc1')!.length} modules, fetch ${Math.round(fetchMs)} ms, compile ${Math.round(compileMs)} ms`);
  } finally {
    session.destroy();
    await r.close();
  }
});
