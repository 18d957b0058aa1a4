/**
 * Client behaviour against a scripted controller over a real socket: what leaving the
 * scope sends, transaction waits matched by tid, and every failure path (rpc-error,
 * FAILED transaction, timeout, socket closed) surfacing as its typed error.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  Clixon,
  withClixon,
  RpcError,
  TimeoutError,
  SessionClosedError,
  TransactionFailedError,
  ReadOnlyError,
} from '../../src/client/index.ts';
import {
  Peer,
  controllerLike,
  op,
  ok,
  rpcError,
  tidReply,
  transactionNotification,
  withPeer,
  type Handler,
} from './peer.ts';
import { parseString } from '../../src/xml/index.ts';

const DATA =
  '<services xmlns="http://clicon.org/controller"><testsvc xmlns="urn:example:testsvc"><name>s1</name><params>a</params><params>b</params></testsvc><testsvc xmlns="urn:example:testsvc"><name>s2</name><params>c</params></testsvc></services>' +
  '<devices xmlns="http://clicon.org/controller"><device><name>dev1</name><enabled>true</enabled><config><table xmlns="urn:example:clixon"><parameter><name>p1</name><value>1</value></parameter><parameter><name>p2</name><value>2</value></parameter></table></config></device><device><name>dev2</name><config/></device></devices>';

const sent = (peer: Peer, name: string): string[] => peer.received.filter((m) => op(m) === name);
const configBody = (xml: string): string => /<config>([\s\S]*)<\/config><\/edit-config>/.exec(xml)?.[1] ?? '';

test('getRoot: the tree, the xpath prefixed and namespaces declared, a client-side path', async () => {
  await withPeer(controllerLike({ data: DATA }), async (peer) => {
    await withClixon({ sockpath: peer.path, user: 'u', readOnly: true }, async (cx) => {
      const root = await cx.getRoot();
      assert.equal(root.services!.testsvc!.name!.getData(), 's1');
      const p2 = await cx.getRoot({ path: "devices/device[name='dev1']/config/table/parameter[name='p2']/value" });
      assert.equal(p2?.getData(), '2');
      assert.equal((await cx.getRoot({ path: 'services/testsvc[1]/name' }))?.getData(), 's2');
      assert.equal(await cx.getRoot({ path: "devices/device[name='nope']" }), undefined);
      await cx.getRoot({ xpath: '/devices/device/name', namespaces: { ex: 'urn:example:clixon' } });
    });
    const last = sent(peer, 'get-config').at(-1)!;
    // The controller's own steps get its prefix (the real one matches an unprefixed step to no namespace).
    assert.match(last, /nc:select="\/ctrl:devices\/ctrl:device\/ctrl:name" xmlns:ctrl="http:\/\/clicon.org\/controller" xmlns:ex="urn:example:clixon"/);
    assert.match(last, /<source><actions xmlns="http:\/\/clicon.org\/controller"\/><\/source>/);
  });
});

test('leaving the scope sends only what changed, then commits and pushes', async () => {
  await withPeer(controllerLike({ data: DATA }), async (peer) => {
    await withClixon({ sockpath: peer.path, user: 'u', target: 'candidate', commit: true, push: true }, async (cx) => {
      const root = await cx.getRoot();
      const dev1 = root.devices!.device!;
      dev1.config!.table!.parameter!.value!.setData('changed');
      dev1.config!.table!.create('parameter').create('name', { data: 'p3' });
      root.services!.testsvc!.params!.delete();
    });
    const edits = sent(peer, 'edit-config');
    assert.equal(edits.length, 1);
    assert.match(edits[0]!, /<target><candidate\/><\/target><default-operation>merge<\/default-operation>/);
    assert.equal(
      configBody(edits[0]!),
      // No YANG here: unmodified ancestors carry their leaf children (merging them changes nothing).
      '<services xmlns="http://clicon.org/controller"><testsvc xmlns="urn:example:testsvc"><name>s1</name><params>b</params>' +
        '<params xmlns:nc="urn:ietf:params:xml:ns:netconf:base:1.0" nc:operation="remove">a</params></testsvc></services>' +
        '<devices xmlns="http://clicon.org/controller"><device><name>dev1</name><enabled>true</enabled><config><table xmlns="urn:example:clixon">' +
        '<parameter><name>p1</name><value>changed</value></parameter><parameter><name>p3</name></parameter></table></config></device></devices>',
    );
    const ops = peer.received.map(op);
    assert.deepEqual(ops.slice(ops.indexOf('edit-config')), ['edit-config', 'commit', 'create-subscription', 'controller-commit', 'close-session']);
  });
});

test('setRoot: changes of fetched trees (also through a node of one), or a tree of your own whole', async () => {
  await withPeer(controllerLike({ data: DATA }), async (peer) => {
    await withClixon({ sockpath: peer.path, user: 'u', target: 'candidate' }, async (cx) => {
      const cfg = await cx.getRoot({ path: "devices/device[name='dev2']/config" });
      cfg!.create('x', { attributes: { xmlns: 'urn:x' }, data: '1' });
      await cx.setRoot(cfg);
      await cx.setRoot();
      const own = parseString('<services xmlns="http://clicon.org/controller"><testsvc xmlns="urn:example:testsvc"><name>s9</name></testsvc></services>');
      await cx.setRoot(own);
      // Built by the script without namespaces: devices and services get the controller's (as pyapi's set_root).
      const built = parseString('<services><testsvc xmlns="urn:example:testsvc"><name>s8</name></testsvc></services><devices/><other xmlns="urn:o"/>');
      built.child('devices')!.create('device').create('name', { data: 'dev3' });
      await cx.setRoot(built);
    });
    const bodies = sent(peer, 'edit-config').map(configBody);
    assert.deepEqual(bodies, [
      '<devices xmlns="http://clicon.org/controller"><device><name>dev2</name><config><x xmlns="urn:x">1</x></config></device></devices>',
      '<services xmlns="http://clicon.org/controller"><testsvc xmlns="urn:example:testsvc"><name>s9</name></testsvc></services>',
      '<services xmlns="http://clicon.org/controller"><testsvc xmlns="urn:example:testsvc"><name>s8</name></testsvc></services>' +
        '<devices xmlns="http://clicon.org/controller"><device><name>dev3</name></device></devices><other xmlns="urn:o"/>',
    ]);
  });
});

test('a removed list entry is sent as a stub carrying its key', async () => {
  await withPeer(controllerLike({ data: DATA }), async (peer) => {
    await withClixon({ sockpath: peer.path, user: 'u' }, async (cx) => {
      const root = await cx.getRoot();
      root.devices!.device!.config!.table!.parameter!.delete();
    });
    assert.equal(
      configBody(sent(peer, 'edit-config')[0]!),
      '<devices xmlns="http://clicon.org/controller"><device><name>dev1</name><enabled>true</enabled><config><table xmlns="urn:example:clixon">' +
        '<parameter xmlns:nc="urn:ietf:params:xml:ns:netconf:base:1.0" nc:operation="remove"><name>p1</name></parameter></table></config></device></devices>',
    );
  });
});

test('nothing changed, read-only, or an error in the scope: nothing is sent, the session is closed', async () => {
  await withPeer(controllerLike({ data: DATA }), async (peer) => {
    await withClixon({ sockpath: peer.path, user: 'u', commit: true }, async (cx) => {
      await cx.getRoot();
    });
    assert.deepEqual(peer.received.map(op), ['get-config', 'commit', 'close-session']);

    peer.received.length = 0;
    await withClixon({ sockpath: peer.path, user: 'u', commit: true, readOnly: true }, async (cx) => {
      (await cx.getRoot()).services!.testsvc!.params!.setData('x');
      await cx.commit();
    });
    assert.deepEqual(peer.received.map(op), ['get-config', 'close-session']);

    peer.received.length = 0;
    await assert.rejects(
      withClixon({ sockpath: peer.path, user: 'u', commit: true }, async (cx) => {
        (await cx.getRoot()).services!.testsvc!.params!.setData('x');
        throw new Error('script bug');
      }),
      /script bug/,
    );
    assert.deepEqual(peer.received.map(op), ['get-config', 'close-session']);
  });
});

test('await using: leaving the block sends the changes and closes; a failed call stops the sending', async () => {
  await withPeer(controllerLike({ data: DATA }), async (peer) => {
    {
      await using cx = await Clixon.connect({ sockpath: peer.path, user: 'u' });
      (await cx.getRoot()).services!.testsvc!.params!.setData('x');
    }
    assert.deepEqual(peer.received.map(op), ['get-config', 'edit-config', 'close-session']);
  });

  const failing: Handler = (xml) => (op(xml) === 'lock' ? [rpcError('lock-denied', 'Operation failed, lock is already held', 'protocol')] : controllerLike({ data: DATA })(xml, undefined as never));
  await withPeer(failing, async (peer) => {
    await assert.rejects(async () => {
      await using cx = await Clixon.connect({ sockpath: peer.path, user: 'u' });
      (await cx.getRoot()).services!.testsvc!.params!.setData('x');
      await cx.lock();
    }, RpcError);
    assert.deepEqual(peer.received.map(op), ['get-config', 'lock', 'close-session']);
  });
});

test('rpc-error replies reject with RpcError carrying tag and message', async () => {
  const handler: Handler = (xml) => (op(xml) === 'lock' ? [rpcError('lock-denied', 'Operation failed, lock is already held', 'protocol')] : [ok]);
  await withPeer(handler, async (peer) => {
    const cx = await Clixon.connect({ sockpath: peer.path, user: 'u' });
    const err = await cx.lock().catch((e: unknown) => e);
    assert.ok(err instanceof RpcError);
    assert.equal(err.errorTag, 'lock-denied');
    assert.equal(err.errorMessage, 'Operation failed, lock is already held');
    await cx.unlock();
    await cx.finish();
  });
});

test('push waits for its own tid; FAILED raises TransactionFailedError with origin and reason', async () => {
  let n = 40;
  const handler: Handler = (xml) => {
    if (op(xml) !== 'controller-commit') return [ok];
    const t = n++;
    if (t === 40) return [transactionNotification(7), tidReply(t), transactionNotification(t)];
    return [tidReply(t), transactionNotification(t, 'FAILED', '<origin>dev1</origin><reason>validation failed</reason>')];
  };
  await withPeer(handler, async (peer) => {
    const cx = await Clixon.connect({ sockpath: peer.path, user: 'u' });
    const okOutcome = await cx.push();
    assert.equal(okOutcome?.tid, '40');
    assert.equal(okOutcome?.result, 'SUCCESS');
    const err = await cx.push().catch((e: unknown) => e);
    assert.ok(err instanceof TransactionFailedError);
    assert.equal(err.tid, '41');
    assert.equal(err.origin, 'dev1');
    assert.equal(err.reason, 'validation failed');
    assert.equal(sent(peer, 'create-subscription').length, 1);
    await cx.finish();
  });
});

test('the outcome may arrive before the tid reply', async () => {
  const handler: Handler = (xml) => (op(xml) === 'config-pull' ? [transactionNotification(9), tidReply(9)] : [ok]);
  await withPeer(handler, async (peer) => {
    const cx = await Clixon.connect({ sockpath: peer.path, user: 'u' });
    assert.equal((await cx.pull()).tid, '9');
    await cx.finish();
  });
});

test('a transaction that never reports raises TimeoutError naming it', async () => {
  const handler: Handler = (xml) => (op(xml) === 'connection-change' ? [tidReply(77)] : [ok]);
  await withPeer(handler, async (peer) => {
    const cx = await Clixon.connect({ sockpath: peer.path, user: 'u', timeout: 200 });
    const err = await cx.connectionOpen('dev1').catch((e: unknown) => e);
    assert.ok(err instanceof TimeoutError);
    assert.match(err.waitingFor, /controller-transaction 77/);
    await cx.finish();
  });
});

test('a reply that never comes raises TimeoutError', async () => {
  const handler: Handler = (xml) => (op(xml) === 'commit' ? 'silent' : [ok]);
  await withPeer(handler, async (peer) => {
    const cx = await Clixon.connect({ sockpath: peer.path, user: 'u', timeout: 200 });
    await assert.rejects(cx.commit(), TimeoutError);
    cx.session.destroy();
  });
});

test('the socket closing fails the pending call with SessionClosedError', async () => {
  const handler: Handler = (xml, peer) => {
    if (op(xml) !== 'controller-commit') return [ok];
    setImmediate(() => peer.dropClients());
    return [tidReply(5)];
  };
  await withPeer(handler, async (peer) => {
    const cx = await Clixon.connect({ sockpath: peer.path, user: 'u' });
    await assert.rejects(cx.push(), SessionClosedError);
    await cx.finish();
  });
  await withPeer(() => 'close', async (peer) => {
    const cx = await Clixon.connect({ sockpath: peer.path, user: 'u' });
    await assert.rejects(cx.getRoot(), SessionClosedError);
    await cx.finish();
  });
});

test('deviceRpc returns each device reply by name; applyTemplate sends device-group and inline', async () => {
  const devdata =
    '<devdata><name>dev1</name><data><stats xmlns="urn:x"><n>1</n></stats></data></devdata><devdata><name>dev2</name><data><stats xmlns="urn:x"><n>2</n></stats></data></devdata>';
  await withPeer(controllerLike({ devdata }), async (peer) => {
    await withClixon({ sockpath: peer.path, user: 'u' }, async (cx) => {
      const replies = await cx.deviceRpc({ deviceGroup: 'all', template: 'stats' });
      assert.deepEqual(Object.keys(replies), ['dev1', 'dev2']);
      assert.equal(replies.dev2!.stats!.n!.getData(), '2');
      assert.equal(
        await cx.applyTemplate({ device: 'dev1', inline: true, template: '<table xmlns="urn:example:clixon"><parameter><name>${N}</name></parameter></table>', variables: { N: 'x' } }),
        true,
      );
      await assert.rejects(cx.applyTemplate({ template: 't' }), TypeError);
    });
    const applies = sent(peer, 'device-template-apply');
    assert.match(applies[0]!, /<type>RPC<\/type><device-group>all<\/device-group><template>stats<\/template><\/device-template-apply>/);
    assert.match(
      applies[1]!,
      /<type>CONFIG<\/type><device>dev1<\/device><inline><config><table xmlns="urn:example:clixon"><parameter><name>\$\{N\}<\/name><\/parameter><\/table><\/config><\/inline><variables><variable><name>N<\/name><value>x<\/value><\/variable><\/variables>/,
    );
  });
});

test('applyService returns the diff text; read-only allows only the diff', async () => {
  const devicesDiff = '<diff xmlns="http://clicon.org/controller">dev1:\n   &lt;table xmlns="urn:example:clixon"&gt;\n+     &lt;parameter&gt;x&lt;/parameter&gt;\n</diff>';
  await withPeer(controllerLike({ devicesDiff }), async (peer) => {
    await withClixon({ sockpath: peer.path, user: 'u', readOnly: true }, async (cx) => {
      assert.equal(await cx.applyService('testsvc', 's1'), 'dev1:\n   <table xmlns="urn:example:clixon">\n+     <parameter>x</parameter>\n');
      await assert.rejects(cx.applyService('testsvc', 's1', false), ReadOnlyError);
    });
    assert.match(sent(peer, 'controller-commit')[0]!, /<push>NONE<\/push><actions>FORCE<\/actions><service-instance>testsvc\[service-name='s1'\]<\/service-instance>/);
  });
});

test('showDevicesDiff: pulls transient, returns the text or a map per device', async () => {
  const devicesDiff =
    '<diff xmlns="http://clicon.org/controller">dev1:\n-  &lt;a&gt;1&lt;/a&gt;\n+  &lt;a&gt;2&lt;/a&gt;\n</diff><diff xmlns="http://clicon.org/controller">dev2:\n+  &lt;b/&gt;\n</diff>';
  await withPeer(controllerLike({ devicesDiff }), async (peer) => {
    await withClixon({ sockpath: peer.path, user: 'u', readOnly: true }, async (cx) => {
      assert.equal(await cx.showDevicesDiff(), 'dev1:\n-  <a>1</a>\n+  <a>2</a>\ndev2:\n+  <b/>\n');
      assert.deepEqual(await cx.showDevicesDiff({ device: 'dev*', dictFormat: true }), { dev1: '-  <a>1</a>\n+  <a>2</a>\n', dev2: '+  <b/>\n' });
    });
    assert.match(sent(peer, 'config-pull')[1]!, /<device>dev\*<\/device><transient>true<\/transient>/);
  });
  await withPeer(controllerLike(), async (peer) => {
    await withClixon({ sockpath: peer.path, user: 'u', readOnly: true }, async (cx) => {
      assert.equal(await cx.showDevicesDiff(), '');
      assert.deepEqual(await cx.showDevicesDiff({ dictFormat: true }), {});
    });
  });
});

test('showCompare, showTransactions, showDevices parse their replies', async () => {
  await withPeer(controllerLike({ diff: '+ x &lt;y&gt;\n' }), async (peer) => {
    await withClixon({ sockpath: peer.path, user: 'u', readOnly: true }, async (cx) => {
      assert.equal(await cx.showCompare(), '+ x <y>\n');
      const [t] = await cx.showTransactions();
      assert.equal(t?.tid, '4');
      assert.equal(t?.result, 'SUCCESS');
      assert.deepEqual(t?.devices, ['dev1', 'dev2']);
      const devices = await cx.showDevices();
      assert.deepEqual(devices[1], { name: 'dev2', connState: 'CLOSED', logmsg: 'Connection refused' });
    });
  });
});

test('pull option pulls on open; cron reads running, writes candidate, commits and pushes', async () => {
  await withPeer(controllerLike({ data: DATA }), async (peer) => {
    await withClixon({ sockpath: peer.path, user: 'u', cron: true }, async (cx) => {
      (await cx.getRoot()).devices!.device!.enabled!.setData('false');
    });
    assert.deepEqual(peer.received.map(op), [
      'create-subscription',
      'config-pull',
      'get-config',
      'edit-config',
      'commit',
      'controller-commit',
      'close-session',
    ]);
    assert.match(sent(peer, 'get-config')[0]!, /<source><running\/><\/source>/);
  });
});

test('an unreachable socket fails to connect', async () => {
  await assert.rejects(Clixon.connect({ sockpath: '/nonexistent/dir/controller.sock', user: 'u', timeout: 500 }));
});
