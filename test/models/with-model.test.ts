/**
 * ctx.models.withModel: the devices kept are those whose module-set has the model; the others
 * are named with why in one line per model and run, however many instances ask, and a new
 * run (the next transaction) names them again.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { deviceModels } from '../../src/models/snapshot.ts';
import { parseString } from '../../src/xml/index.ts';

const devices = parseString(
  '<devices><device><name>r1</name></device><device><name>r2</name></device><device><name>r3</name></device></devices>',
).child('devices')!.getElements('device');

const sets = { r1: ['openconfig-system', 'openconfig-interfaces'], r2: ['clixon-example'] };

test('withModel keeps the devices carrying the model and logs the others once per model and run', () => {
  const lines: string[] = [];
  const log = { info: (m: string) => lines.push(m) };
  const models = deviceModels(sets);
  const names = (kept: typeof devices): string[] => kept.map((d) => d.child('name')!.getData());
  assert.deepEqual(names(models.withModel(devices, 'openconfig-system', log)), ['r1']);
  assert.deepEqual(names(models.withModel(devices, 'openconfig-system', log)), ['r1']);
  assert.deepEqual(lines, ['skipped r2 (no openconfig-system in its module-set), r3 (module-set not known)']);
  assert.deepEqual(names(models.withModel(devices, 'clixon-example', log)), ['r2']);
  assert.equal(lines.length, 2);
  assert.equal(lines[1], 'skipped r1 (no clixon-example in its module-set), r3 (module-set not known)');
  deviceModels(sets).withModel(devices, 'openconfig-system', log);
  assert.equal(lines.length, 3);
});

test('withModel logs nothing when every device carries the model', () => {
  const lines: string[] = [];
  const kept = deviceModels({ r1: ['m'], r2: ['m'], r3: ['m'] }).withModel(devices, 'm', { info: (m: string) => lines.push(m) });
  assert.equal(kept.length, 3);
  assert.deepEqual(lines, []);
});
