/**
 * A mixed network on the simulator, with the real service server: routers of clixon-example
 * (dev1, dev2) and an OpenConfig device (oc1). A module that writes clixon-example's
 * `table` into every device fails the commit as on the rig with oc1 present (issue 22):
 * the simulator refuses the table under oc1 at edit-config with the controller's
 * unknown-element, the server answers transaction-error saying so, and nothing reaches
 * any device. Written for the one device kind, the same module commits.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { startSimulator } from '../../src/sim/index.ts';
import { Operator, PATIENT, TESTSVC, deviceParams, startServer, stopAfter, tempDir, writeFiles, yangDir } from '../service/harness.ts';
import { RIG_KINDS } from '../wire.ts';

const CTRL = 'http://clicon.org/controller';
const device = (name: string, config: string): string => `<device><name>${name}</name><enabled>true</enabled><yang-config>VALIDATE</yang-config><config>${config}</config></device>`;
const CONFIG =
  `<config><services xmlns="${CTRL}">${PATIENT}</services><devices xmlns="${CTRL}">` +
  device('dev1', '<table xmlns="urn:example:clixon"/>') +
  device('dev2', '<table xmlns="urn:example:clixon"/>') +
  device('oc1', '<system xmlns="http://openconfig.net/yang/system"><config><hostname>oc1</hostname></config></system>') +
  '</devices></config>';
const svc = (name: string, ...params: string[]): string =>
  `<testsvc xmlns="urn:example:testsvc"><name>${name}</name>${params.map((p) => `<params>${p}</params>`).join('')}</testsvc>`;

async function stack(t: Parameters<typeof stopAfter>[0], module: string): Promise<{ op: Operator; sim: Awaited<ReturnType<typeof startSimulator>> }> {
  const dir = tempDir('sim-mixed-');
  writeFiles(join(dir, 'modules'), { 'testsvc.ts': module });
  const sim = await startSimulator({ path: join(dir, 'controller.sock'), config: CONFIG, yangDirs: [yangDir(dir)], deviceKinds: RIG_KINDS });
  const server = startServer(['-F', '-l', 'o', '-s', sim.path!, '-m', join(dir, 'modules'), '-p', join(dir, 'pid')]);
  stopAfter(t, dir, server, () => sim);
  await server.waitFor(/waiting for services-commit/);
  await server.waitFor(/modules loaded/);
  const op = await Operator.connect(sim.path!);
  t.after(() => op.close());
  return { op, sim };
}

test('a module writing clixon-example into every device: the commit fails on oc1 with the controller\'s unknown-element, nothing is pushed', async (t) => {
  const { op, sim } = await stack(t, TESTSVC);
  const o = await op.apply(svc('s1', 'p1'));
  assert.equal(o.result, 'FAILED', JSON.stringify(o));
  assert.match(o.reason ?? '', /Failed to find YANG spec of XML node: table with parent: config in namespace: urn:example:clixon/);
  assert.deepEqual(deviceParams(sim, 'dev1'), []);
  assert.deepEqual(deviceParams(sim, 'oc1'), []);
});

test('the same module writing only to the clixon-example devices commits on the mixed network', async (t) => {
  const { op, sim } = await stack(t, TESTSVC.replace("for (const dev of root.devices?.getElements('device') ?? []) {", "for (const dev of root.devices?.getElements('device') ?? []) {\n      if (dev.child('name')?.getData() === 'oc1') continue;"));
  const o = await op.apply(svc('s1', 'p1'));
  assert.equal(o.result, 'SUCCESS', JSON.stringify(o));
  assert.deepEqual(deviceParams(sim, 'dev1'), ['p1=v1']);
  assert.deepEqual(deviceParams(sim, 'dev2'), ['p1=v1']);
  assert.equal(sim.datastore('running').find("devices/device[name='oc1']/config/table"), undefined);
});
