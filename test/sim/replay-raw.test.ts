/**
 * Replays client-to-backend.raw byte for byte (its own chunking, a 1.17 MB edit-config of
 * 6000 creator-tagged entries) and compares each answer with backend-to-client.raw
 * element by element (compare.ts: eventTime, timestamps, session-id ignored). The
 * simulator is seeded with the datastore the recording's get-config shows, minus the
 * new instance `big`, which the CLI side (not recorded) adds and commits; twelve
 * connection-change transactions first make that commit tid 13, as recorded, so the
 * recorded requests are sent unchanged. The last recorded notification (tid 14, an
 * unrelated later transaction) is not expected.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { rig, rpc, WIRE, CTRL } from './helpers.ts';
import { compareXml } from './compare.ts';
import { parseXml } from '../../src/sim/tree.ts';

/** Splits a raw capture into messages, each with its exact bytes. */
function frames(file: string): { bytes: Buffer; xml: string }[] {
  const b = readFileSync(join(WIRE, file));
  const out: { bytes: Buffer; xml: string }[] = [];
  let i = 0;
  let start = 0;
  let parts: Buffer[] = [];
  while (i < b.length) {
    const head = /^\n#(\d+)\n/.exec(b.subarray(i, i + 20).toString('latin1'));
    if (head) {
      const n = Number(head[1]);
      const from = i + head[0].length;
      parts.push(b.subarray(from, from + n));
      i = from + n;
    } else if (b.subarray(i, i + 4).toString('latin1') === '\n##\n') {
      i += 4;
      out.push({ bytes: b.subarray(start, i), xml: Buffer.concat(parts).toString('utf8') });
      parts = [];
      start = i;
    } else throw new Error(`bad framing at ${i}`);
  }
  return out;
}

test('replay the raw service-server capture with its 1.17 MB edit-config', async () => {
  const sent = frames('client-to-backend.raw');
  const got = frames('backend-to-client.raw');
  const actions = parseXml(got[5]!.xml).children[0]!.child('data')!;
  const big = actions.child('services')!.children.find((c) => c.childText('name') === 'big')!;
  const running = actions.clone();
  const svcs = running.child('services')!;
  svcs.remove(svcs.children.find((c) => c.childText('name') === 'big')!);
  const r = await rig({ config: `<config>${running.children.map((c) => c.toXml()).join('')}</config>` });
  try {
    const server = await r.connect();
    const cli = await r.connect();
    const expectNext = async (i: number): Promise<void> => {
      const m = await server.next(30_000);
      const d = compareXml(m, got[i]!.xml);
      assert.equal(d, '', `backend message ${i}: ${d}`);
    };
    for (let i = 0; i < 3; i++) {
      server.sendRaw(sent[i]!.bytes);
      await expectNext(i);
    }
    for (let i = 0; i < 12; i++)
      assert.match(await cli.rpc(rpc(`<connection-change xmlns="${CTRL}"><operation>OPEN</operation><device>dev1</device></connection-change>`)), /<tid/);
    assert.match(await cli.rpc(rpc(`<edit-config><target><candidate/></target><config><services xmlns="${CTRL}">${big.toXml()}</services></config></edit-config>`)), /<ok\/>/);
    assert.match(await cli.rpc(rpc(`<controller-commit xmlns="${CTRL}"><device>*</device><push>COMMIT</push><actions>CHANGE</actions><source>ds:candidate</source></controller-commit>`)), /<tid xmlns="[^"]+">13</);
    // the twelve connection-change outcomes reach this subscriber first; the recording started later
    for (let i = 1; i <= 12; i++) assert.match(await server.next(), new RegExp(`<controller-transaction xmlns="[^"]+"><tid>${i}</tid>`));
    await expectNext(3);
    for (let i = 3; i < 7; i++) {
      server.sendRaw(sent[i]!.bytes);
      await expectNext(i + 1);
    }
    await expectNext(8);
    const created = r.sim.datastore('running').find("services/testsvc[name='big']/created");
    assert.equal(created?.getElements('path').length, 6000);
  } finally {
    await r.close();
  }
});
