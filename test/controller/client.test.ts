/**
 * Every method of the script client against the real controller: reads, writes through
 * candidate with commit and push (read back from the devices), pull, lock (and another
 * session refused), rollback, templates (config and RPC), apply service, compare, devices
 * diff, connection open, transactions and devices state, close.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Clixon, RpcError, withClixon } from '../../src/client/index.ts';
import { parseString } from '../../src/xml/index.ts';
import type { ServerProcess } from '../service/harness.ts';
import { cli, client, configure, DEVICES, deviceParams, moduleDir, reset, serve, SOCK, testsvcModule } from './rig.ts';

const TEMPLATES = `<devices xmlns="http://clicon.org/controller">
  <template><name>tsapi-param</name><variables><variable><name>NAME</name></variable><variable><name>VALUE</name></variable></variables>
    <config><table xmlns="urn:example:clixon"><parameter><name>\${NAME}</name><value>\${VALUE}</value></parameter></table></config></template>
  <rpc-template><name>tsapi-stats</name><variables><variable><name>MODULES</name></variable></variables>
    <config><stats xmlns="http://clicon.org/lib"><modules>\${MODULES}</modules></stats></config></rpc-template>
</devices>`;

describe('the script client on the real controller', () => {
  let server: ServerProcess;

  before(async () => {
    server = await serve(moduleDir({ 'testsvc.ts': testsvcModule() }));
    await reset();
    await withClixon({ sockpath: SOCK, target: 'candidate', commit: true }, async (cx) => {
      await cx.setRoot(parseString(TEMPLATES));
    });
  });

  after(async () => {
    await reset().catch(() => undefined);
    await configure('delete', 'devices', 'template', 'tsapi-param').catch(() => undefined);
    await configure('delete', 'devices', 'rpc-template', 'tsapi-stats').catch(() => undefined);
    await configure('commit').catch(() => undefined);
    await server?.stop();
  });

  it('getRoot reads running whole and narrowed (controller steps prefixed), with a client-side path', async () => {
    await using cx = await client({ source: 'running', readOnly: true });
    const root = await cx.getRoot();
    // dev1 and dev2, and whatever other devices the rig holds (oc1).
    const all = root.devices?.getElements('device').map((d) => String(d.child('name')?.getData())) ?? [];
    assert.deepEqual(all.filter((n) => DEVICES.includes(n)).sort(), DEVICES);
    const names = await cx.getRoot({ xpath: '/devices/device/name' });
    assert.deepEqual(names.devices?.getElements('device').map((d) => d.getChildren().map((c) => c.getName())), all.map(() => ['name']));
    const one = await cx.getRoot({ xpath: "/devices/device[name='dev2']/name" });
    assert.deepEqual(one.devices?.getElements('device').map((d) => d.child('name')?.getData()), ['dev2']);
    assert.equal((await cx.getRoot({ path: "devices/template[name='tsapi-param']/name" }))?.getData(), 'tsapi-param');
  });

  it('changes to candidate, committed and pushed on leaving the scope, land on the devices; setRoot of a built tree too', async () => {
    await withClixon({ sockpath: SOCK, source: 'running', target: 'candidate', commit: true, push: true }, async (cx) => {
      const root = await cx.getRoot();
      const cfg = root.find("devices/device[name='dev1']/config")!;
      const table = cfg.child('table') ?? cfg.create('table', { attributes: { xmlns: 'urn:example:clixon' } });
      table.create('parameter').create('name', { data: 'c1' }).getParent()!.create('value', { data: '1' });
    });
    assert.deepEqual((await deviceParams()).dev1, ['c1=1']);

    // A tree the script built, devices without a namespace: setRoot gives it the controller's.
    await withClixon({ sockpath: SOCK, target: 'candidate', commit: true, push: true }, async (cx) => {
      await cx.setRoot(parseString('<devices><device><name>dev2</name><config><table xmlns="urn:example:clixon"><parameter><name>c2</name><value>2</value></parameter></table></config></device></devices>'));
    });
    assert.deepEqual(await deviceParams(), { dev1: ['c1=1'], dev2: ['c2=2'] });
  });

  it('lock keeps others out until unlock; rollback discards candidate', async () => {
    await using a = await client({ target: 'candidate' });
    await using b = await client({ target: 'candidate', user: 'other' });
    await a.lock();
    const denied = await b.lock().catch((e: unknown) => e);
    assert.ok(denied instanceof RpcError, String(denied));
    assert.equal(denied.errorTag, 'lock-denied');
    await a.unlock();
    await b.lock();
    await b.unlock();

    await a.applyTemplate({ device: 'dev1', template: 'tsapi-param', variables: { NAME: 'rb', VALUE: 'x' } });
    assert.match(await a.showCompare(), /rb/);
    await a.rollback();
    assert.equal((await a.showCompare()).trim(), '');
  });

  it('applyTemplate puts the filled template in candidate; commit and push send it', async () => {
    await using cx = await client({ source: 'candidate', target: 'candidate', commit: true, push: true });
    assert.equal(await cx.applyTemplate({ device: 'dev2', template: 'tsapi-param', variables: { NAME: 't1', VALUE: 'v&<1' } }), true);
    assert.equal((await cx.getRoot({ path: "devices/device[name='dev2']/config/table/parameter[name='t1']/value" }))?.getData(), 'v&<1');
    await cx.commit();
    assert.deepEqual((await deviceParams()).dev2, ['c2=2', 't1=v&<1']);
  });

  it('deviceRpc runs an RPC template on each device and returns each reply', async () => {
    await using cx = await client({ readOnly: true });
    const replies = await cx.deviceRpc({ device: 'dev*', template: 'tsapi-stats', variables: { MODULES: 'false' } });
    assert.deepEqual(Object.keys(replies).sort(), ['dev1', 'dev2']);
    assert.ok(replies.dev1!.child('global')?.child('xmlnr'), replies.dev1!.dumps().slice(0, 300));
  });

  it('applyService returns the device diff the service produces, without pushing', async () => {
    await configure('set', 'services', 'testsvc', 'as1', 'params', 'ap1');
    await using cx = await client({ readOnly: true });
    const diff = await cx.applyService('testsvc', 'as1');
    assert.match(diff, /dev1:[\s\S]*\+\s+<name>ap1<\/name>/);
    assert.ok(!(await deviceParams()).dev1!.includes('ap1=as1'));
    await configure('discard');
  });

  it('showDevicesDiff shows what differs on a device from running; pull takes it in', async () => {
    // Change a device behind the controller's back: push a param, then remove it from running only.
    await using cx = await client({ source: 'running', target: 'candidate' });
    await cx.pull();
    const before = await cx.showDevicesDiff({ dictFormat: true });
    assert.deepEqual(Object.values(before).filter((t) => t.trim() !== ''), []);
    await configure('delete', 'devices', 'device', 'dev1', 'config', 'table', 'parameter', 'c1');
    const r = await cli('-m', 'configure', 'commit', 'local');
    assert.match(r.output, /^\s*$|OK/);
    const text = await cx.showDevicesDiff({ device: 'dev1' });
    assert.match(text, /c1/);
    await cx.pull({ device: 'dev1' });
    assert.equal((await cx.getRoot({ path: "devices/device[name='dev1']/config/table/parameter[name='c1']/value" }))?.getData(), '1');
  });

  it('connectionOpen, showDevices and showTransactions report the controller state', async () => {
    await using cx = await client({ readOnly: true });
    const outcome = await cx.connectionOpen('dev1');
    assert.ok(outcome.tid);
    const devices = await cx.showDevices();
    assert.deepEqual(devices.filter((d) => DEVICES.includes(d.name)).map((d) => `${d.name} ${d.connState}`).sort(), ['dev1 OPEN', 'dev2 OPEN']);
    const all = await cx.showTransactions();
    assert.ok(all.length > 0);
    const one = await cx.showTransactions(outcome.tid);
    assert.equal(one.length, 1);
    assert.equal(one[0]!.tid, outcome.tid);
    assert.ok(one[0]!.username);
  });

  it('closeSession ends the session; a later call says the session is closed', async () => {
    const cx = await Clixon.connect({ sockpath: SOCK, readOnly: true });
    await cx.closeSession();
    const err = await cx.getRoot().catch((e: unknown) => e);
    assert.ok(err instanceof Error);
    assert.match(String(err), /closed/i);
  });
});
