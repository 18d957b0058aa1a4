/**
 * The client's requests against the ones clixon-pyapi's client sent to the real
 * controller (test/fixtures/wire/session-client*.jsonl): the same calls in the same
 * order must produce the same messages, element for element and attribute for
 * attribute (attribute order aside; edit-config bodies differ on purpose: only changes
 * are sent).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { Clixon } from '../../src/client/index.ts';
import { parseString, type XmlNode } from '../../src/xml/index.ts';
import { controllerLike, withPeer } from './peer.ts';
import { WIRE } from '../wire.ts';


function recorded(file: string): string[] {
  return readFileSync(`${WIRE}/${file}`, 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as { from: string; xml: string })
    .filter((m) => m.from === 'client')
    .map((m) => m.xml);
}

/** An edit-config with its body left out: the envelope is what must match. */
const envelope = (xml: string): string => xml.replace(/<config>[\s\S]*<\/config>/, '<config/>');

/** A message as its elements, attributes (sorted) and texts, one line per element. */
function canonical(xml: string): string {
  const lines: string[] = [];
  const walk = (el: XmlNode, depth: number): void => {
    const attrs = Object.entries(el.getAttributes())
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([k, v]) => ` ${k}=${JSON.stringify(v)}`)
      .join('');
    const kids = el.getChildren();
    lines.push(`${'  '.repeat(depth)}${el.getName()}${attrs}${kids.length ? '' : ` = ${JSON.stringify(el.getData())}`}`);
    for (const c of kids) walk(c, depth + 1);
  };
  for (const top of parseString(xml).getChildren()) walk(top, 0);
  return lines.join('\n');
}
const canon = (msgs: (string | undefined)[]): string[] => msgs.map((m) => canonical(m ?? ''));

test('reads, locks, diffs and closes as pyapi did (session-client.jsonl, first session)', async () => {
  const want = recorded('session-client.jsonl');
  await withPeer(controllerLike(), async (peer) => {
    const cx = await Clixon.connect({ sockpath: peer.path, user: 'root', source: 'running', readOnly: true });
    await cx.getRoot();
    await cx.getRoot({ xpath: '/services' });
    await cx.showDevices();
    await cx.showTransactions(4);
    await cx.lock();
    await cx.unlock();
    await cx.showCompare();
    await cx.rollback();
    await cx.closeSession();
    assert.deepEqual(canon(peer.received), canon(want.slice(0, 9)));
  });
});

test('edits, commits, pushes, pulls, diffs, applies and connects as pyapi did (second session)', async () => {
  const want = recorded('session-client.jsonl').slice(9);
  const data = '<services xmlns="http://clicon.org/controller"><testsvc xmlns="urn:example:testsvc"><name>s2</name><params>a</params></testsvc></services>';
  await withPeer(controllerLike({ data }), async (peer) => {
    const cx = await Clixon.connect({ sockpath: peer.path, user: 'root', source: 'running', target: 'candidate', commit: true, push: true });
    const root = await cx.getRoot();
    root.services!.testsvc!.params!.setData('b');
    await cx.setRoot();
    await cx.pull({ device: 'dev1' });
    await cx.showDevicesDiff();
    await cx.applyService('testsvc', 's2');
    await cx.connectionOpen('dev1');
    const got = peer.received.slice(0, want.length);
    assert.equal(canonical(envelope(got[1]!)), canonical(envelope(want[1]!)));
    assert.deepEqual(canon([got[0], ...got.slice(2)]), canon([want[0], ...want.slice(2)]));
    await cx.finish();
  });
});

test('applies config and RPC templates as pyapi did (session-client-templates.jsonl)', async () => {
  const want = recorded('session-client-templates.jsonl');
  await withPeer(controllerLike({ firstTid: 30, devdata: '<devdata><name>dev1</name><data><x xmlns="urn:x">1</x></data></devdata>' }), async (peer) => {
    const cx = await Clixon.connect({ sockpath: peer.path, user: 'root' });
    await cx.applyTemplate({ device: 'dev1', template: 'param', variables: { NAME: 'tp1', VALUE: 'tv1' } });
    await cx.showCompare();
    await cx.rollback();
    await cx.deviceRpc({ device: 'dev1', template: 'stats', variables: { MODULES: 'false' } });
    assert.deepEqual(canon(peer.received), canon(want.slice(0, 6)));
    await cx.finish();
  });
});
