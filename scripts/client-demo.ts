/**
 * The script client end to end: starts a simulated controller with two devices, then
 * does what an operator's script does — look at the devices, change a device's config
 * and leave the scope (written, committed, pushed), apply a template and look at the
 * diff, run an RPC template on every device, check the devices are in sync. Exits 0 when
 * every step did what it should.
 *
 *   npx tsx scripts/client-demo.ts
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSimulator } from '../src/sim/index.ts';
import { Clixon, withClixon } from '../src/client/index.ts';

const CONFIG = `<config>
<devices xmlns="http://clicon.org/controller">
  <device><name>r1</name><enabled>true</enabled><config><table xmlns="urn:example:clixon"><parameter><name>mtu</name><value>1500</value></parameter></table></config></device>
  <device><name>r2</name><enabled>true</enabled><config><table xmlns="urn:example:clixon"><parameter><name>mtu</name><value>1500</value></parameter></table></config></device>
  <template><name>param</name><variables><variable><name>NAME</name></variable><variable><name>VALUE</name></variable></variables>
    <config><table xmlns="urn:example:clixon"><parameter><name>\${NAME}</name><value>\${VALUE}</value></parameter></table></config></template>
  <rpc-template><name>stats</name><variables><variable><name>MODULES</name></variable></variables>
    <config><stats xmlns="http://clicon.org/lib"><modules>\${MODULES}</modules></stats></config></rpc-template>
</devices></config>`;

function check(ok: boolean, what: string): void {
  if (!ok) throw new Error(`demo check failed: ${what}`);
  console.log(`  ok: ${what}`);
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'client-demo-'));
  const sockpath = join(dir, 'controller.sock');
  const sim = await startSimulator({ path: sockpath, config: CONFIG });
  console.log(`simulated controller on ${sockpath}`);
  try {
    // 1. Look around, read-only: nothing is ever written.
    await withClixon({ sockpath, readOnly: true, source: 'running' }, async (cx) => {
      const devices = await cx.showDevices();
      console.log('devices:', devices.map((d) => `${d.name} ${d.connState}`).join(', '));
      check(devices.length === 2, 'two devices, both listed');
      const r1 = await cx.getRoot({ path: "devices/device[name='r1']/config" });
      console.log(`r1 config:\n${r1?.toXml({ pretty: true })}`);
    });

    // 2. Change config: leaving the scope writes only what changed, commits and pushes.
    await withClixon({ sockpath, source: 'running', target: 'candidate', commit: true, push: true }, async (cx) => {
      const root = await cx.getRoot();
      for (const dev of root.devices!.getElements('device')) {
        dev.find("config/table/parameter[name='mtu']/value")!.setData('9000');
      }
    });
    await withClixon({ sockpath, readOnly: true, source: 'running' }, async (cx) => {
      const mtu = await cx.getRoot({ path: "devices/device[name='r2']/config/table/parameter[name='mtu']/value" });
      check(mtu?.getData() === '9000', 'running has the new mtu');
      const [last] = (await cx.showTransactions()).slice(-1);
      console.log(`last transaction: ${last?.tid} ${last?.description} ${last?.result}`);
      check(last?.result === 'SUCCESS', 'the push succeeded');
      check((await cx.showDevicesDiff()) === '', 'the devices hold what running holds');
    });

    // 3. A template, its diff, and a rollback — with `await using`.
    {
      await using cx = await Clixon.connect({ sockpath, source: 'running', target: 'candidate' });
      await cx.applyTemplate({ device: 'r*', template: 'param', variables: { NAME: 'description', VALUE: 'core' } });
      const diff = await cx.showCompare();
      console.log(`candidate vs running after the template:\n${diff}`);
      check(diff.includes('description'), 'the template landed in candidate');
      await cx.rollback();
      check((await cx.showCompare()) === '', 'rollback discarded it');

      // 4. An RPC template on every device: each device's reply by name.
      const replies = await cx.deviceRpc({ device: '*', template: 'stats', variables: { MODULES: 'true' } });
      for (const [name, data] of Object.entries(replies)) console.log(`${name} replied: ${data.dumps()}`);
      check(Object.keys(replies).length === 2, 'both devices replied');
    }
    console.log('client demo: all steps done');
  } finally {
    await sim.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
