/**
 * The module-set readers on the replies of a real controller (clixon-controller 1.8:
 * dev1 with clixon-example, oc1 with OpenConfig), recorded in test/fixtures/models/.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseString } from '../../src/xml/index.ts';
import { ModuleSetFormatError, devicesOf, featuresOf, moduleSetKey, moduleSetsOfDevices, parseDeviceSchemaReply, parseDeviceSchemaTexts } from '../../src/models/moduleset.ts';
import { recordedReply } from './fixtures.ts';

const reply = (name: string) => parseString(recordedReply(name));
const names = (entries: { name: string; revision?: string }[]) => entries.map((e) => `${e.name}@${e.revision ?? ''}`);

test('get-device-schema: each module with its revision and namespace, sorted', () => {
  const dev1 = parseDeviceSchemaReply(reply('get-device-schema-dev1.xml'));
  assert.equal(dev1.length, 22);
  assert.deepEqual(dev1.find((e) => e.name === 'clixon-example'), { name: 'clixon-example', revision: '2022-11-01', namespace: 'urn:example:clixon' });
  const order = dev1.map((e) => e.name);
  assert.deepEqual(order, [...order].sort());
  const oc1 = parseDeviceSchemaReply(reply('get-device-schema-oc1.xml'));
  assert.equal(oc1.length, 132);
  assert.equal(oc1.find((e) => e.name === 'openconfig-system')?.namespace, 'http://openconfig.net/yang/system');
  assert.ok(!oc1.some((e) => e.name === 'clixon-example'));
  assert.ok(!dev1.some((e) => e.name === 'openconfig-system'));
});

test("a device's yang-library under its mount point lists the same modules as get-device-schema", () => {
  const sets = moduleSetsOfDevices(devicesOf(reply('get-devices-config.xml'))!);
  assert.deepEqual([...sets.keys()].sort(), ['dev1', 'dev2', 'oc1']);
  assert.deepEqual(sets.get('dev1'), parseDeviceSchemaReply(reply('get-device-schema-dev1.xml')));
  // oc1's submodules: get-device-schema gives them no namespace (a submodule has none), the yang-library its module's.
  assert.deepEqual(names(sets.get('oc1')!), names(parseDeviceSchemaReply(reply('get-device-schema-oc1.xml'))));
  assert.equal(parseDeviceSchemaReply(reply('get-device-schema-oc1.xml')).find((e) => e.name === 'openconfig-aaa-radius')?.namespace, '');
  // dev1 and dev2 run one release: one set, one key; oc1 another.
  assert.equal(moduleSetKey(sets.get('dev1')!), moduleSetKey(sets.get('dev2')!));
  assert.notEqual(moduleSetKey(sets.get('dev1')!), moduleSetKey(sets.get('oc1')!));
});

test('detail: every module of the set has its text (escaped for all, CDATA for one by name)', () => {
  const texts = parseDeviceSchemaTexts(reply('get-device-schema-dev1-detail.xml'));
  for (const e of parseDeviceSchemaReply(reply('get-device-schema-dev1.xml'))) assert.ok(texts.has(`${e.name}@${e.revision}`), `${e.name} has text`);
  assert.match(texts.get('clixon-example@2022-11-01')!.text, /container "table"/);
  const one = parseDeviceSchemaTexts(reply('get-device-schema-dev1-clixon-example.xml'));
  assert.deepEqual([...one.keys()], ['clixon-example@2022-11-01']);
  assert.equal(one.get('clixon-example@2022-11-01')!.text, texts.get('clixon-example@2022-11-01')!.text);
  // Without detail there is no text.
  assert.equal(parseDeviceSchemaTexts(reply('get-device-schema-dev1.xml')).size, 0);
});

test('the configured module-set stands in when a device has no yang-library; features kept', () => {
  const devices = parseString(
    '<devices xmlns="http://clicon.org/controller"><device><name>r1</name><module-set><module><name>m</name><revision>2020-01-01</revision><namespace>urn:m</namespace><feature>f1</feature></module></module-set></device>' +
      '<device><name>r2</name></device>' +
      '<device><name>r3</name><module-set><module><name>z</name><namespace>urn:z</namespace></module><module><name>a</name><namespace>urn:a</namespace></module></module-set></device></devices>',
  ).devices!;
  const sets = moduleSetsOfDevices(devices);
  assert.deepEqual(sets.get('r1'), [{ name: 'm', revision: '2020-01-01', namespace: 'urn:m', features: ['f1'] }]);
  assert.equal(sets.has('r2'), false);
  // Sorted, whatever order the set was written in: equal sets compare equal.
  assert.deepEqual(names(sets.get('r3')!), ['a@', 'z@']);
  assert.deepEqual(featuresOf(sets.get('r1')!), { m: ['f1'] });
  assert.equal(featuresOf(parseDeviceSchemaReply(reply('get-device-schema-dev1.xml'))), undefined);
  assert.notEqual(moduleSetKey(sets.get('r1')!), moduleSetKey([{ name: 'm', revision: '2020-01-01', namespace: 'urn:m' }]));
});

test('an entry without a name is refused, naming where', () => {
  assert.throws(() => parseDeviceSchemaReply(parseString('<rpc-reply><schema><namespace>urn:x</namespace></schema></rpc-reply>')), ModuleSetFormatError);
});
