/**
 * Every client method against the simulated controller over a real UNIX socket, with
 * the failure paths as the controller produces them: rpc-error (lock held, nothing to
 * push), a FAILED transaction (a service daemon that never answers), a client timeout
 * and the controller going away mid-wait.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSimulator, type Simulator } from '../../src/sim/index.ts';
import { Session, rpc } from '../../src/netconf/index.ts';
import type { XmlNode } from '../../src/xml/index.ts';
import {
  Clixon,
  withClixon,
  RpcError,
  TimeoutError,
  SessionClosedError,
  TransactionFailedError,
  type ClixonOptions,
} from '../../src/client/index.ts';
import { WIRE } from '../wire.ts';
import { DEADLINE_MS } from '../deadline.ts';

const CONFIG = `<config>
<services xmlns="http://clicon.org/controller"><testsvc xmlns="urn:example:testsvc"><name>s1</name><params>a</params></testsvc></services>
<devices xmlns="http://clicon.org/controller">
  <device><name>dev1</name><enabled>true</enabled><config><table xmlns="urn:example:clixon"><parameter><name>p1</name><value>1</value></parameter></table></config></device>
  <device><name>dev2</name><enabled>true</enabled><config><table xmlns="urn:example:clixon"><parameter><name>q1</name><value>1</value></parameter></table></config></device>
  <template><name>param</name><variables><variable><name>NAME</name></variable><variable><name>VALUE</name></variable></variables>
    <config><table xmlns="urn:example:clixon"><parameter><name>\${NAME}</name><value>\${VALUE}</value></parameter></table></config></template>
  <rpc-template><name>stats</name><variables><variable><name>MODULES</name></variable></variables>
    <config><stats xmlns="http://clicon.org/lib"><modules>\${MODULES}</modules></stats></config></rpc-template>
</devices></config>`;

interface Ctx {
  sim: Simulator;
  sockpath: string;
  opts: (more?: ClixonOptions) => ClixonOptions;
}

async function withSim(fn: (c: Ctx) => Promise<void>, simOpts: { serviceTimeout?: number } = {}): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'cx-sim-'));
  const sockpath = join(dir, 'controller.sock');
  const sim = await startSimulator({ path: sockpath, config: CONFIG, yangDirs: [WIRE], ...simOpts });
  try {
    await fn({ sim, sockpath, opts: (more = {}) => ({ sockpath, user: 'alice', timeout: DEADLINE_MS, ...more }) });
  } finally {
    await sim.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

const param = (doc: XmlNode, dev: string, name: string): string | undefined =>
  doc.find(`devices/device[name='${dev}']/config/table/parameter[name='${name}']/value`)?.getData();

/** A service daemon: subscribes to services-commit and answers each with `answer`. */
async function serviceDaemon(sockpath: string, answer: (tid: string, s: Session) => Promise<void> | void): Promise<Session> {
  const s = await Session.connect({ path: sockpath, user: 'root', timeout: DEADLINE_MS });
  s.on('notification', (n) => {
    const tid = n.child('services-commit')?.child('tid')?.getData();
    if (tid !== undefined) void Promise.resolve(answer(tid, s)).catch(() => undefined);
  });
  await s.rpc(rpc.createSubscription({ user: 'root', stream: 'services-commit' }));
  return s;
}

test('sim: edit in the scope, leave: only the change is written, committed and pushed', async () => {
  await withSim(async ({ sim, opts }) => {
    await withClixon(opts({ source: 'running', target: 'candidate', commit: true, push: true }), async (cx) => {
      const root = await cx.getRoot();
      root.find("devices/device[name='dev1']/config/table/parameter[name='p1']/value")!.setData('42');
      root.find("devices/device[name='dev2']/config/table")!.create('parameter').create('name', { data: 'q2' });
    });
    const running = sim.datastore('running');
    assert.equal(param(running, 'dev1', 'p1'), '42');
    assert.ok(running.find("devices/device[name='dev2']/config/table/parameter[name='q2']"));
    assert.equal(param(running, 'dev2', 'q1'), '1');
    await withClixon(opts({ readOnly: true }), async (cx) => {
      // pushed: the devices hold what running holds
      assert.equal(await cx.showDevicesDiff(), '');
      const [last] = (await cx.showTransactions()).slice(-1);
      assert.equal(last?.result, 'SUCCESS');
    });
  });
});

test('sim: removals reach the datastore; an error in the scope writes nothing', async () => {
  await withSim(async ({ sim, opts }) => {
    await withClixon(opts({ source: 'running', target: 'candidate', commit: true }), async (cx) => {
      (await cx.getRoot({ path: "devices/device[name='dev1']/config/table/parameter[name='p1']" }))!.delete();
      (await cx.getRoot({ xpath: '/services' })).services!.testsvc!.params!.delete();
    });
    const running = sim.datastore('running');
    assert.equal(running.find("devices/device[name='dev1']/config/table/parameter"), undefined);
    assert.equal(running.find('services/testsvc/params'), undefined);

    await assert.rejects(
      withClixon(opts({ source: 'running', target: 'candidate', commit: true }), async (cx) => {
        (await cx.getRoot()).find("devices/device[name='dev2']/config/table/parameter/value")!.setData('x');
        throw new Error('bail out');
      }),
      /bail out/,
    );
    assert.equal(param(sim.datastore('candidate'), 'dev2', 'q1'), '1');
  });
});

test('sim: a write refused on leaving rejects with RpcError and commits nothing', async () => {
  await withSim(async ({ sim, opts }) => {
    const err = await withClixon(opts({ source: 'running', target: 'candidate', commit: true }), async (cx) => {
      const root = await cx.getRoot();
      root.create('nosuch', { attributes: { xmlns: 'urn:example:none' } }).create('x', { data: '1' });
      root.find("devices/device[name='dev1']/config/table/parameter/value")!.setData('5');
    }).catch((e: unknown) => e);
    assert.ok(err instanceof RpcError, String(err));
    assert.equal(err.errorTag, 'unknown-element');
    assert.equal(param(sim.datastore('running'), 'dev1', 'p1'), '1');
  });
});

test('sim: await using writes on leaving the block', async () => {
  await withSim(async ({ sim, opts }) => {
    {
      await using cx = await Clixon.connect(opts({ source: 'running', target: 'candidate' }));
      (await cx.getRoot()).find("devices/device[name='dev1']/config/table/parameter/value")!.setData('7');
    }
    assert.equal(param(sim.datastore('candidate'), 'dev1', 'p1'), '7');
    assert.equal(param(sim.datastore('running'), 'dev1', 'p1'), '1');
  });
});

test('sim: getRoot filters server-side with the controller prefix, and reads a client-side path', async () => {
  await withSim(async ({ opts }) => {
    await withClixon(opts({ source: 'running', readOnly: true }), async (cx) => {
      const services = await cx.getRoot({ xpath: '/services' });
      assert.deepEqual(services.getChildren().map((c) => c.getName()), ['services']);
      const dev2 = await cx.getRoot({ xpath: "/devices/device[name='dev2']" });
      assert.deepEqual(dev2.devices!.getElements('device').map((d) => d.name!.getData()), ['dev2']);
      assert.equal((await cx.getRoot({ path: 'devices/device[1]/name' }))?.getData(), 'dev2');
    });
  });
});

test('sim: lock, unlock, and lock-denied as RpcError; rollback and showCompare', async () => {
  await withSim(async ({ sim, opts }) => {
    const a = await Clixon.connect(opts({ source: 'running', target: 'candidate' }));
    const b = await Clixon.connect(opts({ readOnly: true }));
    await a.lock();
    const denied = await b.lock().catch((e: unknown) => e);
    assert.ok(denied instanceof RpcError);
    assert.equal(denied.errorTag, 'lock-denied');
    await a.unlock();
    await b.lock();
    await b.unlock();
    await b.finish();

    assert.equal(await a.showCompare(), '');
    (await a.getRoot()).find("devices/device[name='dev1']/config/table/parameter/value")!.setData('9');
    const diff = await a.showCompare({ setRoot: true });
    assert.match(diff, /-\s+value "1";/);
    assert.match(diff, /\+\s+value "9";/);
    await a.rollback();
    assert.equal(await a.showCompare(), '');
    assert.equal(param(sim.datastore('candidate'), 'dev1', 'p1'), '1');
    await a.finish();
  });
});

test('sim: pull, showDevicesDiff as text and per device, push, and nothing to push', async () => {
  await withSim(async ({ opts }) => {
    await withClixon(opts({ source: 'running', target: 'candidate' }), async (cx) => {
      assert.equal((await cx.pull({ device: 'dev1' })).result, 'SUCCESS');
      (await cx.getRoot()).find("devices/device[name='dev2']/config/table/parameter/value")!.setData('2');
      await cx.setRoot();
      await cx.commit();
      const text = await cx.showDevicesDiff();
      assert.match(text, /^dev2:\n/);
      const perDevice = await cx.showDevicesDiff({ dictFormat: true });
      assert.deepEqual(Object.keys(perDevice), ['dev2']);
      assert.match(perDevice.dev2!, /value/);
      const pushed = await cx.push();
      assert.equal(pushed?.result, 'SUCCESS');
      assert.equal(await cx.showDevicesDiff(), '');
      // The controller's 'No changes to push' rpc-error: nothing to do, not a failure.
      assert.equal(await cx.push(), undefined);
    });
  });
});

test('sim: applyTemplate edits candidate; deviceRpc returns each device reply', async () => {
  await withSim(async ({ sim, opts }) => {
    await withClixon(opts({ readOnly: false }), async (cx) => {
      assert.equal(await cx.applyTemplate({ device: 'dev1', template: 'param', variables: { NAME: 'tp1', VALUE: 'tv1' } }), true);
      assert.equal(param(sim.datastore('candidate'), 'dev1', 'tp1'), 'tv1');
      await cx.applyTemplate({
        device: 'dev*',
        inline: true,
        template: '<config><table xmlns="urn:example:clixon"><parameter><name>${N}</name></parameter></table></config>',
        variables: { N: 'inl' },
      });
      assert.ok(sim.datastore('candidate').find("devices/device[name='dev2']/config/table/parameter[name='inl']"));
      const replies = await cx.deviceRpc({ device: '*', template: 'stats', variables: { MODULES: 'false' } });
      assert.deepEqual(Object.keys(replies).sort(), ['dev1', 'dev2']);
      assert.equal(replies.dev1!.stats!.modules!.getData(), 'false');
      await cx.rollback();
    });
  });
});

test('sim: applyService returns the diff the service daemon produced', async () => {
  await withSim(async ({ sockpath, opts }) => {
    const daemon = await serviceDaemon(sockpath, async (tid, s) => {
      const config =
        '<devices xmlns="http://clicon.org/controller"><device><name>dev1</name><config><table xmlns="urn:example:clixon"><parameter><name>from-s1</name><value>s1</value></parameter></table></config></device></devices>';
      await s.rpc(rpc.editConfig({ user: 'root', target: 'actions', config }));
      await s.rpc(rpc.transactionActionsDone({ user: 'root', tid, services: ['testsvc'] }));
    });
    try {
      await withClixon(opts({ readOnly: true }), async (cx) => {
        const diff = await cx.applyService('testsvc', 's1');
        assert.match(diff, /^dev1:\n/);
        assert.match(diff, /from-s1/);
      });
    } finally {
      await daemon.close();
    }
  });
});

test('sim: a service daemon that never answers: FAILED transaction, or the client times out first', async () => {
  await withSim(
    async ({ sockpath, opts }) => {
      const daemon = await serviceDaemon(sockpath, () => undefined);
      try {
        await withClixon(opts(), async (cx) => {
          const err = await cx.applyService('testsvc', 's1').catch((e: unknown) => e);
          assert.ok(err instanceof TransactionFailedError, String(err));
          assert.equal(err.origin, 'Actions');
          assert.equal(err.reason, 'Timeout waiting for service daemon');
        });
      } finally {
        await daemon.close();
      }
    },
    { serviceTimeout: 300 },
  );
  await withSim(
    async ({ sockpath, opts }) => {
      const daemon = await serviceDaemon(sockpath, () => undefined);
      try {
        const cx = await Clixon.connect(opts({ timeout: 300 }));
        const err = await cx.applyService('testsvc', 's1').catch((e: unknown) => e);
        assert.ok(err instanceof TimeoutError, String(err));
        assert.match(err.waitingFor, /^controller-transaction \d+ \(apply-service\)$/);
        await cx.finish();
      } finally {
        await daemon.close();
      }
    },
    { serviceTimeout: 60_000 },
  );
});

test('sim: the controller going away fails the waiting call with SessionClosedError', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'cx-sim-'));
  const sockpath = join(dir, 'controller.sock');
  const sim = await startSimulator({ path: sockpath, config: CONFIG, serviceTimeout: 60_000 });
  try {
    let asked!: () => void;
    const serviceAsked = new Promise<void>((r) => (asked = r));
    const daemon = await serviceDaemon(sockpath, () => asked());
    const cx = await Clixon.connect({ sockpath, user: 'alice', timeout: DEADLINE_MS });
    const pending = cx.applyService('testsvc', 's1');
    await serviceAsked;
    await sim.close();
    await assert.rejects(pending, SessionClosedError);
    await assert.rejects(cx.showDevices(), SessionClosedError);
    await cx.finish();
    daemon.destroy();
  } finally {
    await sim.close().catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  }
});

test('sim: pull on open; a session of your own stays open after the scope', async () => {
  await withSim(async ({ sockpath, opts }) => {
    await withClixon(opts({ pull: true, readOnly: true }), async (cx) => {
      const [t] = await cx.showTransactions();
      assert.equal(t?.description, 'pull');
      assert.equal(t?.result, 'SUCCESS');
    });
    const session = await Session.connect({ path: sockpath, user: 'bob', timeout: DEADLINE_MS });
    try {
      await withClixon({ session, user: 'bob', readOnly: true }, async (cx) => {
        assert.equal(cx.session, session);
        await cx.showDevices();
      });
      assert.equal(session.closed, false);
      assert.ok((await session.rpc(rpc.devicesQuery({ user: 'bob' }))).child('data'));
    } finally {
      await session.close();
    }
  });
});

test('sim: connectionOpen, showDevices, showTransactions', async () => {
  await withSim(async ({ opts }) => {
    await withClixon(opts({ readOnly: true }), async (cx) => {
      const outcome = await cx.connectionOpen('dev1');
      assert.equal(outcome.result, 'SUCCESS');
      const devices = await cx.showDevices();
      assert.deepEqual(devices.map((d) => [d.name, d.connState]), [['dev1', 'OPEN'], ['dev2', 'OPEN']]);
      const [t] = await cx.showTransactions(outcome.tid);
      assert.equal(t?.tid, outcome.tid);
      assert.equal(t?.username, 'alice');
      assert.deepEqual(t?.devices, ['dev1']);
    });
  });
});
