/**
 * Pushing when the devices already hold running: the controller refuses with rpc-error
 * "No changes to push" (clixon-controller controller_rpc.c); the client takes that as
 * nothing to do, so committing and pushing twice, or a setRoot that already pushed, is fine.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSimulator } from '../../src/sim/index.ts';
import { Clixon, withClixon } from '../../src/client/index.ts';
import { parseString } from '../../src/xml/index.ts';
import { WIRE } from '../wire.ts';

const DEVICES = `<devices xmlns="http://clicon.org/controller">${['dev1', 'dev2']
  .map((d) => `<device><name>${d}</name><enabled>true</enabled><config><table xmlns="urn:example:clixon"/></config></device>`)
  .join('')}</devices>`;

test('push with nothing to push is a no-op; a setRoot that pushed, then leaving the scope, does not fail', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'cx-push-'));
  const sim = await startSimulator({ path: join(dir, 'c.sock'), config: DEVICES, yangDirs: [WIRE] });
  t.after(async () => {
    await sim.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const opts = { sockpath: sim.path!, user: 'alice', target: 'candidate' as const, commit: true, push: true };
  await withClixon(opts, async (cx) => {
    // setRoot commits and pushes at once (commit: true, as pyapi); leaving the scope commits and pushes again.
    await cx.setRoot(parseString(`<devices><device><name>dev1</name><config><table xmlns="urn:example:clixon"><parameter><name>p</name><value>1</value></parameter></table></config></device></devices>`));
  });
  assert.equal(sim.datastore('running').find("devices/device[name='dev1']/config/table/parameter[name='p']/value")?.getData(), '1');
  await using cx = await Clixon.connect({ sockpath: sim.path!, user: 'alice' });
  assert.equal(await cx.push(), undefined);
});
