/**
 * Replays the script client's recordings (session-client.jsonl,
 * session-client-templates.jsonl, session-extra.jsonl) and errors.json against the
 * simulator, comparing every backend message element by element (compare.ts says what is
 * ignored; tids are mapped recorded → simulator and must stay consistent).
 * Seeds: session-client starts from the datastore its first get-config returned;
 * the templates session from the rig plus the two templates it names.
 * Skipped, with reason: session-client seq 6-7 (state of tid 4, a transaction of the
 * earlier pyapi session that this run does not have) and, in the templates session, the
 * content of the device's RPC reply (seq 12: a simulated device has no stats to report;
 * the envelope, tid and device names are compared).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { rig, rpc, readJsonl, RawClient, WIRE, CTRL, RIG_CONFIG, type WireLine } from './helpers.ts';
import { compareXml } from './compare.ts';
import { parseXml } from '../../src/sim/tree.ts';

const tidOf = (xml: string): string | undefined => /<tid(?: [^>]*)?>(\d+)<\/tid>/.exec(xml)?.[1];

/** Sends the client lines, compares the backend lines, in recorded order. */
async function replay(c: RawClient, lines: WireLine[], skip: Set<number> = new Set(), tids = new Map<string, string>()): Promise<number> {
  let compared = 0;
  for (const line of lines) {
    if (skip.has(line.seq)) continue;
    if (line.from === 'client') {
      c.send(line.xml.replace(/(<tid>|co:tid=')(\d+)/g, (_m, p: string, t: string) => p + (tids.get(t) ?? t)));
      continue;
    }
    const got = await c.next();
    const d = compareXml(got, line.xml);
    assert.equal(d, '', `seq ${line.seq}: ${d}\nactual:   ${got.slice(0, 2000)}\nexpected: ${line.xml.slice(0, 2000)}`);
    const rt = tidOf(line.xml);
    if (rt !== undefined) {
      if (!tids.has(rt)) tids.set(rt, tidOf(got)!);
      assert.equal(tidOf(got), tids.get(rt), `seq ${line.seq}: tid does not map`);
    }
    compared++;
  }
  return compared;
}

test('replay session-client.jsonl', async () => {
  const lines = readJsonl('session-client.jsonl');
  const first = parseXml(lines[1]!.xml).children[0]!.child('data')!;
  const r = await rig({ config: `<config>${first.children.map((c) => c.toXml()).join('')}</config>` });
  try {
    const c = await r.connect();
    const n = await replay(c, lines, new Set([6, 7]));
    assert.equal(n, lines.filter((l) => l.from === 'backend').length - 1);
  } finally {
    await r.close();
  }
});

const TEMPLATES = `<devices xmlns="${CTRL}">
<template><name>param</name><variables><variable><name>NAME</name></variable><variable><name>VALUE</name></variable></variables>
<config><table xmlns="urn:example:clixon"><parameter><name>\${NAME}</name><value>\${VALUE}</value></parameter></table></config></template>
<rpc-template><name>stats</name><variables><variable><name>MODULES</name></variable></variables>
<config><stats xmlns="http://clicon.org/lib"><modules>\${MODULES}</modules></stats></config></rpc-template>
</devices>`;

test('replay session-client-templates.jsonl', async () => {
  const r = await rig();
  try {
    const setup = await r.connect();
    assert.match(await setup.rpc(rpc(`<edit-config><target><candidate/></target><config>${TEMPLATES}</config></edit-config>`)), /<ok\/>/);
    assert.match(await setup.rpc(rpc('<commit/>')), /<ok\/>/);
    const lines = readJsonl('session-client-templates.jsonl');
    const c = await r.connect();
    const tids = new Map<string, string>();
    const n = await replay(c, lines.filter((l) => l.seq < 12), new Set(), tids);
    // seq 12: the device-rpc-result envelope
    const got = parseXml(await c.next()).children[0]!;
    assert.equal(got.child('tid')?.text, tids.get('30'));
    const devdata = got.child('devices')!;
    assert.equal(devdata.ns, CTRL);
    assert.deepEqual(devdata.childrenNamed('devdata').map((d) => d.childText('name')), ['dev1']);
    assert.ok(devdata.child('devdata')!.child('data'));
    const m = await replay(c, lines.filter((l) => l.seq > 12), new Set(), tids);
    assert.equal(n + 1 + m, lines.filter((l) => l.from === 'backend').length);
  } finally {
    await r.close();
  }
});

test('replay session-extra.jsonl: service timeout, then a commit by alice', async () => {
  const lines = readJsonl('session-extra.jsonl');
  const r = await rig({ serviceTimeout: 200 });
  try {
    const cli = await r.connect();
    const a = await r.connect();
    const timeoutLines = lines.filter((l) => l.seq <= 5);
    const sub = await replay(a, timeoutLines.filter((l) => l.seq <= 3));
    assert.match(await cli.rpc(rpc(`<edit-config><target><candidate/></target><config><services xmlns="${CTRL}"><testsvc xmlns="urn:example:testsvc"><name>t1</name><params>x</params></testsvc></services></config></edit-config>`)), /<ok\/>/);
    assert.match(await cli.rpc(rpc(`<controller-commit xmlns="${CTRL}"><device>*</device><push>COMMIT</push><actions>CHANGE</actions><source>ds:candidate</source></controller-commit>`)), /<tid/);
    const tids = new Map<string, string>();
    const rest = await replay(a, timeoutLines.filter((l) => l.seq > 3), new Set(), tids);
    a.close();
    assert.match(await cli.rpc(rpc('<discard-changes/>')), /<ok\/>/);
    // alice: a new subscriber session (the first one is gone), a commit diff by user alice
    const b = await r.connect();
    const aliceLines = lines.filter((l) => l.seq >= 6);
    const sub2 = await replay(b, aliceLines.filter((l) => l.seq <= 9));
    assert.match(await cli.rpc(rpc(`<edit-config><target><candidate/></target><config><services xmlns="${CTRL}"><testsvc xmlns="urn:example:testsvc"><name>u1</name><params>y</params></testsvc></services></config></edit-config>`)), /<ok\/>/);
    assert.match(await cli.rpc(rpc(`<controller-commit xmlns="${CTRL}"><device>*</device><push>NONE</push><actions>CHANGE</actions><source>ds:candidate</source></controller-commit>`, 'alice')), /<tid/);
    const rest2 = await replay(b, aliceLines.filter((l) => l.seq > 9), new Set(), tids);
    assert.equal(sub + rest + sub2 + rest2, lines.filter((l) => l.from === 'backend').length);
  } finally {
    await r.close();
  }
});

interface ErrorCase {
  case: string;
  sent?: string;
  sent_bytes?: string;
  reply_raw?: string;
  first_reply?: string;
  second_reply?: string;
  status: string;
}

test('errors.json: every recorded error, byte for byte where nothing varies', async () => {
  const cases = JSON.parse(readFileSync(join(WIRE, 'errors.json'), 'utf8')) as ErrorCase[];
  const r = await rig({ config: RIG_CONFIG });
  try {
    for (const k of cases) {
      if (k.sent !== undefined) {
        const c = await r.connect();
        c.sendRaw(k.sent);
        const got = await c.next();
        assert.equal(`\n#${Buffer.byteLength(got)}\n${got}\n##\n`, k.reply_raw, k.case);
        c.close();
      } else if (k.sent_bytes !== undefined) {
        const c = await r.connect();
        c.sendRaw(k.sent_bytes);
        await c.waitClosed();
        assert.equal(c.pending(), 0, `${k.case}: no reply before the close`);
      } else if (k.case.startsWith('second services-commit')) {
        const a = await r.connect();
        const b = await r.connect();
        assert.match(await a.rpc(rpc('<create-subscription xmlns="urn:ietf:params:xml:ns:netmod:notification"><stream>services-commit</stream></create-subscription>')), /<ok\/>/);
        const got = await b.rpc(rpc('<create-subscription xmlns="urn:ietf:params:xml:ns:netmod:notification"><stream>services-commit</stream></create-subscription>'));
        assert.equal(`\n#${Buffer.byteLength(got)}\n${got}\n##\n`, k.second_reply, k.case);
        a.close();
        b.close();
      } else if (k.case.startsWith('lock held')) {
        const a = await r.connect();
        const b = await r.connect();
        const first = await a.rpc(rpc('<lock><target><candidate/></target></lock>'));
        assert.equal(`\n#${Buffer.byteLength(first)}\n${first}\n##\n`, k.first_reply, k.case);
        const second = await b.rpc(rpc('<lock><target><candidate/></target></lock>'));
        const expected = /\n#\d+\n([\s\S]*)\n##\n/.exec(k.second_reply!)![1]!;
        assert.equal(compareXml(second, expected), '', k.case);
        a.close();
        b.close();
      } else assert.fail(`unhandled case ${k.case}`);
    }
  } finally {
    await r.close();
  }
});
