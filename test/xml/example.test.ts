/**
 * An example service module written against the tree API: navigation, iteration,
 * creation and helpers with no casts (tsc --noEmit checks it), then run on a tree.
 * It is the recorded testsvc module (testsvc.py of the recordings in test/fixtures/wire) in TypeScript.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ServiceModule } from '../../src/service/module.ts';
import { getDevices, parseString, setCreatorAttributes, type XmlNode } from '../../src/xml/index.ts';
import { logger } from '../../src/log.ts';
import { deviceModels } from '../../src/models/index.ts';

const testsvc: ServiceModule = {
  SERVICE: 'testsvc',
  setup(root, log, ctx) {
    for (const inst of root.services?.testsvc ?? []) {
      const name = inst.name?.getData() ?? '';
      if (ctx.instance !== undefined && name !== ctx.instance) continue;
      if (name === 'boom') throw new Error('boom requested');
      const params = inst.getElements('params');
      for (const device of getDevices(root)) {
        const cfg = device.config;
        if (!cfg) continue;
        const table = cfg.table ?? cfg.create('table', { attributes: { xmlns: 'urn:example:clixon' } });
        for (const p of params) {
          const par = table.create('parameter');
          setCreatorAttributes(par, `testsvc[name='${name}']`, undefined, { operation: 'merge' });
          par.create('name', { data: p.getData() });
          par.create('value', { data: name });
        }
        log.debug(`${device.name} gets ${params.length} params from ${name}`);
      }
    }
  },
};

function mtu(device: XmlNode): number {
  return device.config?.interface?.mtu?.getData(Number) ?? 1500;
}

test('the example module edits the tree and only what it touched is marked', async () => {
  const root = parseString(
    '<services xmlns="http://clicon.org/controller"><testsvc xmlns="urn:example:test"><name>s1</name><params>p1</params><params>p2</params></testsvc></services>' +
      '<devices xmlns="http://clicon.org/controller"><device><name>dev1</name><config><interface><mtu>9000</mtu></interface></config></device>' +
      '<device><name>dev2</name><config/></device></devices>',
  );
  const ctx = { tid: '1', user: 'u', service: 'testsvc', instance: 's1', services: ['testsvc'], diff: false, models: deviceModels() };
  await testsvc.setup(root, logger('example'), ctx);
  const dev1 = root.devices?.device;
  assert.equal(
    dev1?.config?.table?.dumps(),
    '<table xmlns="urn:example:clixon">' +
      '<parameter cl:creator="testsvc[name=\'s1\']" nc:operation="merge" xmlns:cl="http://clicon.org/lib"><name>p1</name><value>s1</value></parameter>' +
      '<parameter cl:creator="testsvc[name=\'s1\']" nc:operation="merge" xmlns:cl="http://clicon.org/lib"><name>p2</name><value>s1</value></parameter></table>',
  );
  assert.ok(dev1?.config?.table?.isModified());
  assert.ok(dev1?.hasModifiedDescendant());
  assert.ok(!root.services?.hasModifiedDescendant());
  assert.ok(!dev1?.config?.interface?.hasModifiedDescendant());
  assert.deepEqual(getDevices(root).map(mtu), [9000, 1500]);
  assert.throws(() => testsvc.setup(parseString('<services><testsvc><name>boom</name></testsvc></services>'), logger('example'), { ...ctx, instance: undefined }), /boom/);
});
