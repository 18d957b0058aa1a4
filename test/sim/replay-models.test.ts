/**
 * The simulator against the real controller's replies about its devices' models
 * (test/fixtures/models, recorded by scripts/record-models.ts from clixon-controller 1.8
 * with dev1 of clixon-example and oc1 of OpenConfig): the simulator's device kinds are
 * made of the very modules the rig's devices published (their texts from the recorded
 * detail replies), and its replies to the same requests must equal the recorded ones
 * element by element: get-device-schema (plain, detail, one module, an unknown device),
 * each device's yang-library in `get`, and the devices' names and module-sets in running.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { rpc as build } from '../../src/netconf/index.ts';
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
