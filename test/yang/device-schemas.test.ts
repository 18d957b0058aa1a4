/**
 * validateChanges' deviceSchemas: a device whose schemas are given is judged by them under
 * its config mount point; a device without falls back to the main set.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseString } from '../../src/xml/index.ts';
import { SchemaSet, validateChanges } from '../../src/yang/validate.ts';

const MODEL = `module dm { yang-version 1.1; namespace "urn:t:dm"; prefix dm; container box { leaf size { type uint8; } } }`;

test('deviceSchemas: each device is judged by its own set, others by the main set', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'devschema-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, 'dm.yang'), MODEL);
  const main = SchemaSet.fromDirs([])!;
  const withModel = SchemaSet.fromDirs([dir])!;
  const root = parseString(
    '<devices xmlns="http://clicon.org/controller">' +
      ['d1', 'd2'].map((d) => `<device><name>${d}</name><config></config></device>`).join('') +
      '</devices>',
  );
  for (const d of ['d1', 'd2']) root.devices!.getEntry('device', d)!.child('config')!.create('box', { attributes: { xmlns: 'urn:t:dm' } }).create('size', { data: '300' });
  const issues = validateChanges(root, main, { deviceSchemas: (name) => (name === 'd1' ? withModel : undefined) });
  assert.deepEqual(issues.map((i) => i.path), ["/devices/device[name='d1']/config/box/size"]);
  assert.match(issues[0]!.message, /out of the uint8 range/);
  // Without deviceSchemas, neither device has a model for urn:t:dm: nothing judged there.
  assert.deepEqual(validateChanges(root, main), []);
  // A whole device entry created at once is judged by its set too.
  const fresh = parseString('<devices xmlns="http://clicon.org/controller"></devices>');
  fresh.devices!.create('device').create('name', { data: 'd1' }).getParent()!.create('config').create('box', { attributes: { xmlns: 'urn:t:dm' } }).create('size', { data: '256' });
  assert.equal(validateChanges(fresh, main, { deviceSchemas: () => withModel }).length, 1);
});
