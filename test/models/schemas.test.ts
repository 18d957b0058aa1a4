/**
 * One SchemaSet per module-set, with the set's features: a set whose entries list features
 * has exactly those on for those modules; a set listing none has all on (as pyang). Sets
 * are compiled once while their folder is the same.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseString } from '../../src/xml/index.ts';
import { DeviceSchemaCache, type ModelsSnapshot } from '../../src/models/index.ts';
import { SchemaSet, validateChanges } from '../../src/yang/validate.ts';
import { cleanup, tempDir } from '../service/harness.ts';

const MODEL = `module fm { yang-version 1.1; namespace "urn:t:fm"; prefix fm; feature f1; feature f2;
  container box { leaf a { if-feature f1; type string; } leaf b { if-feature f2; type string; } } }`;

test("a set's features decide what its devices may hold; all on when it lists none; compiled once", (t) => {
  const dir = tempDir();
  t.after(() => cleanup(dir));
  mkdirSync(join(dir, 'set'));
  writeFileSync(join(dir, 'set', 'fm.yang'), MODEL);
  const entry = { name: 'fm', namespace: 'urn:t:fm' };
  const snapshot: ModelsSnapshot = {
    from: 'test',
    devices: { r1: 'withf1', r2: 'all' },
    sets: {
      withf1: { modules: [{ ...entry, features: ['f1'] }], devices: ['r1'], dir: join(dir, 'set') },
      all: { modules: [entry], devices: ['r2'], dir: join(dir, 'set') },
    },
    problems: {},
  };
  const cache = new DeviceSchemaCache();
  const first = cache.resolve(snapshot);
  assert.deepEqual(first.compiled.map((c) => c.set).sort(), ['all', 'withf1']);
  assert.equal(cache.resolve(snapshot).compiled.length, 0, 'compiled once');

  const root = parseString('<devices xmlns="http://clicon.org/controller"><device><name>r1</name><config/></device><device><name>r2</name><config/></device></devices>');
  for (const d of ['r1', 'r2']) {
    const box = root.devices!.getEntry('device', d)!.child('config')!.create('box', { attributes: { xmlns: 'urn:t:fm' } });
    box.create('a', { data: 'x' });
    box.create('b', { data: 'y' });
  }
  const issues = validateChanges(root, SchemaSet.fromDirs([]), { deviceSchemas: (d) => first.byDevice.get(d) });
  assert.deepEqual(issues.map((i) => `${i.path}: ${i.message}`), ["/devices/device[name='r1']/config/box/b: leaf b is not supported: its if-feature fm:f2 is false"]);
});
