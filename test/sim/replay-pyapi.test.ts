/**
 * Replays session-pyapi.jsonl: the service server's side is sent verbatim (tids mapped
 * to the simulator's), every backend message is compared element by element with the
 * recording (see compare.ts for what is ignored). The CLI user's side, not recorded,
 * is driven from a second session: the edits and controller-commit each scenario
 * implies.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rig, rpc, readJsonl, CTRL } from './helpers.ts';
import { compareXml } from './compare.ts';

const TS = 'urn:example:testsvc';
const NCOP = 'xmlns:nc="urn:ietf:params:xml:ns:netconf:base:1.0"';

function svc(name: string, params: string[], op = ''): string {
  return `<testsvc xmlns="${TS}"${op ? ` ${NCOP} nc:operation="${op}"` : ''}><name>${name}</name>${params.map((p) => `<params>${p}</params>`).join('')}</testsvc>`;
}

function edit(services: string): string {
  return rpc(`<edit-config><target><candidate/></target><default-operation>merge</default-operation><config><services xmlns="${CTRL}">${services}</services></config></edit-config>`);
}

function commit(actions: string, push: string, instance?: string): string {
  return rpc(
    `<controller-commit xmlns="${CTRL}"><device>*</device><push>${push}</push><actions>${actions}</actions>` +
      `${instance ? `<service-instance>${instance}</service-instance>` : ''}<source>ds:candidate</source></controller-commit>`,
  );
}

/** The CLI side of each scenario: candidate edits, then the commit that starts the transaction. */
const DRIVER: Record<string, string[]> = {
  'commit diff: new instance s1 (params p1 p2)': [edit(svc('s1', ['p1', 'p2'])), commit('CHANGE', 'NONE')],
  'commit: push instance s1': [commit('CHANGE', 'COMMIT')],
  "commit: instance 'boom' whose module raises -> transaction-error -> FAILED": [edit(svc('boom', ['x'])), commit('CHANGE', 'COMMIT')],
  'commit diff: param p2 removed from s1': [
    rpc('<discard-changes/>'),
    edit(`<testsvc xmlns="${TS}" ${NCOP}><name>s1</name><params nc:operation="delete">p2</params></testsvc>`),
    commit('CHANGE', 'NONE'),
  ],
  'commit: param p2 removed from s1': [commit('CHANGE', 'COMMIT')],
  'commit: instance s1 deleted': [edit(svc('s1', [], 'delete')), commit('CHANGE', 'COMMIT')],
  'commit: two new instances s2 and s3 in one transaction': [edit(svc('s2', ['a']) + svc('s3', ['b'])), commit('CHANGE', 'COMMIT')],
  'commit: only s3 changed': [edit(svc('s3', ['c'])), commit('CHANGE', 'COMMIT')],
  'apply services (FORCE): no service list = re-apply all': [commit('FORCE', 'COMMIT')],
  'apply services testsvc s2 diff': [commit('FORCE', 'NONE', "testsvc[name='s2']")],
};

const tidOf = (xml: string): string | undefined => /<tid(?: [^>]*)?>(\d+)<\/tid>/.exec(xml)?.[1];

test('replay session-pyapi.jsonl against the simulator', async () => {
  const r = await rig();
  try {
    const server = await r.connect();
    const cli = await r.connect();
    const lines = readJsonl('session-pyapi.jsonl');
    const tids = new Map<string, string>(); // recorded → simulator
    let scenario: string | null | undefined = '';
    let pendingReply = false;
    let compared = 0;
    const check = (actual: string, seq: number, expected: string): void => {
      const d = compareXml(actual, expected);
      assert.equal(d, '', `seq ${seq}: ${d}\nactual:   ${actual}\nexpected: ${expected}`);
      const rt = tidOf(expected);
      const at = tidOf(actual);
      if (rt !== undefined) {
        if (!tids.has(rt)) tids.set(rt, at!);
        assert.equal(at, tids.get(rt), `seq ${seq}: tid ${at} does not map recorded ${rt}`);
      }
    };
    const drive = async (name: string): Promise<void> => {
      for (const m of DRIVER[name] ?? []) {
        const reply = await cli.rpc(m);
        assert.doesNotMatch(reply, /rpc-error/, `driver ${name}: ${reply}`);
      }
    };
    for (const line of lines) {
      if (line.scenario !== scenario) {
        scenario = line.scenario;
        if (scenario && DRIVER[scenario]) await drive(scenario);
      }
      if (line.from === 'client') {
        const xml = line.xml.replace(/(<tid>|co:tid=')(\d+)/g, (_m, p: string, t: string) => p + (tids.get(t) ?? t));
        server.send(xml);
        pendingReply = true;
        continue;
      }
      const got = await server.next();
      if (pendingReply) assert.doesNotMatch(got, /^<notification/, `seq ${line.seq}: notification before the reply`);
      pendingReply = false;
      check(got, line.seq, line.xml);
      compared++;
    }
    assert.equal(compared, lines.filter((l) => l.from === 'backend').length);
    assert.equal(server.pending(), 0);
  } finally {
    await r.close();
  }
});
