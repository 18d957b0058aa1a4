/**
 * Records a fixed list of request/reply exchanges with a real Clixon controller, for
 * test/sim/replay-controller.test.ts to replay against the simulator. Talks through
 * src/netconf's Session; writes one normalized step per line (test/sim/fidelity.ts
 * says what is normalized) to test/fixtures/controller/exchanges.jsonl.
 *
 *   npx tsx scripts/record-controller.ts [-f controller.xml] [-s socket] [-o out.jsonl]
 *
 * The socket comes from -s, else CLICON_SOCK of -f or $CLIXON_CONTROLLER_CONFIG. The
 * controller must have dev1 and dev2 OPEN (YANG clixon-example), the testsvc service
 * YANG and no services-commit subscriber; other config may be there (the replay starts
 * from the first get-config). What the script adds (fid* parameters, instance fid1) it
 * removes again. Only one run at a time: it assumes nobody else commits meanwhile.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { logger } from '../src/log.ts';
import { rpc, CONTROLLER_NS } from '../src/netconf/index.ts';
import { RecorderError, controllerSocket } from './lib/recording.ts';
import { Normalizer, Peer, type Step, type Stream } from '../test/sim/fidelity.ts';

const log = logger('record');
const USER = 'root';
const CLIXON_NS = 'urn:example:clixon';
const TESTSVC_NS = 'urn:example:testsvc';
const NC_NS = 'urn:ietf:params:xml:ns:netconf:base:1.0';
/** A tid no controller run reaches: for the unknown-tid errors. */
const UNKNOWN_TID = '999999';

const { values: args } = parseArgs({
  options: {
    configfile: { type: 'string', short: 'f' },
    sockpath: { type: 'string', short: 's' },
    out: { type: 'string', short: 'o' },
  },
});

/** Runs the exchanges and keeps each as a normalized step. */
class Recorder {
  readonly steps: Step[] = [];
  readonly #peers = new Map<string, Peer>();
  readonly #norm = new Normalizer();

  constructor(private readonly path: string) {}

  #peer(session: string): Peer {
    const p = this.#peers.get(session);
    if (!p) throw new RecorderError(`session ${session} is not connected`);
    return p;
  }

  async connect(session: string, hello: boolean): Promise<void> {
    const { peer, hello: reply } = await Peer.connect({ path: this.path, user: USER, hello, timeout: 60_000 });
    this.#peers.set(session, peer);
    const name = hello ? 'hello' : 'connect without hello';
    this.steps.push({ n: this.steps.length, name, session, kind: 'connect', hello, ...(reply !== undefined ? { reply: this.#norm.received(reply) } : {}) });
  }

  /** One request and its reply; returns the reply as received (not normalized). */
  async rpc(session: string, name: string, xml: string): Promise<string> {
    const send = this.#norm.sent(xml);
    const reply = await this.#peer(session).rpc(xml);
    this.steps.push({ n: this.steps.length, name, session, kind: 'rpc', send, reply: reply === null ? null : this.#norm.received(reply) });
    log.info(`${name}: ${reply?.slice(0, 160) ?? '(connection closed)'}`);
    return reply ?? '';
  }

  async notification(session: string, name: string, stream: Stream, tid?: string): Promise<string> {
    const got = await this.#peer(session).notification(stream, tid);
    const ntid = tid === undefined ? undefined : this.#norm.sentTid(tid);
    this.steps.push({ n: this.steps.length, name, session, kind: 'notification', stream, ...(ntid !== undefined ? { tid: ntid } : {}), reply: this.#norm.received(got) });
    log.info(`${name}: ${got.slice(0, 200)}`);
    return got;
  }

  disconnect(session: string): void {
    this.#peer(session).session.destroy();
    this.#peers.delete(session);
    this.steps.push({ n: this.steps.length, name: 'drop the connection', session, kind: 'disconnect' });
  }

  closeAll(): void {
    for (const p of this.#peers.values()) p.session.destroy();
  }
}

const tidOf = (reply: string): string => {
  const tid = /<tid[^>]*>(\d+)<\/tid>/.exec(reply)?.[1];
  if (tid === undefined) throw new RecorderError(`no tid in ${reply}`);
  return tid;
};

const param = (device: string, name: string, value: string, attrs = ''): string =>
  `<devices xmlns="${CONTROLLER_NS}"><device><name>${device}</name><config><table xmlns="${CLIXON_NS}"><parameter${attrs}><name>${name}</name><value>${value}</value></parameter></table></config></device></devices>`;
const testsvc = (name: string, params: string[], attrs = ''): string =>
  `<services xmlns="${CONTROLLER_NS}"><testsvc xmlns="${TESTSVC_NS}"${attrs}><name>${name}</name>${params.map((p) => `<params>${p}</params>`).join('')}</testsvc></services>`;
const edit = (target: 'candidate' | 'actions', config: string): string => rpc.editConfig({ user: USER, target, config });
const push = (p: 'NONE' | 'COMMIT', actions: 'NONE' | 'CHANGE', source: string): string =>
  rpc.controllerCommit({ user: USER, push: p, actions, source });
const NC = ` xmlns:nc="${NC_NS}"`;
const DEV1 = "/ctrl:devices/ctrl:device[ctrl:name='dev1']";

/** The service's reply to a services-commit: each param on both devices, tagged with the instance. */
function serviceEdit(instance: string, params: string[]): string {
  const tag = ` cl:creator="testsvc[name='${instance}']" nc:operation="merge" xmlns:cl="http://clicon.org/lib"`;
  const devices = ['dev1', 'dev2']
    .map((d) => `<device><name>${d}</name><config><table xmlns="${CLIXON_NS}">${params.map((p) => `<parameter${tag}><name>${p}</name><value>${instance}</value></parameter>`).join('')}</table></config></device>`)
    .join('');
  return `<devices xmlns="${CONTROLLER_NS}">${devices}</devices>`;
}

async function record(r: Recorder): Promise<void> {
  const u = { user: USER };
  await r.connect('svc', true);
  await r.connect('a', false);
  await r.connect('b', false);

  // reads
  await r.rpc('a', 'get-config running', rpc.getConfig({ ...u, source: 'running' }));
  await r.rpc('a', 'get-config running, one device', rpc.getConfig({ ...u, source: 'running', xpath: DEV1 }));
  await r.rpc('a', 'get-config running, services (empty)', rpc.getConfig({ ...u, source: 'running', xpath: '/services' }));
  await r.rpc('a', 'get-config candidate', rpc.getConfig({ ...u, source: 'candidate' }));
  await r.rpc('a', 'get-config candidate, device names', rpc.getConfig({ ...u, source: 'candidate', xpath: '/ctrl:devices/ctrl:device/ctrl:name' }));
  // A step without a prefix is in no namespace: it matches nothing (the client prefixes the controller's steps for that reason).
  await r.rpc(
    'a',
    'get-config candidate, unprefixed steps',
    `<rpc xmlns="urn:ietf:params:xml:ns:netconf:base:1.0" username="${USER}" xmlns:nc="urn:ietf:params:xml:ns:netconf:base:1.0" message-id="42"><get-config><source><candidate/></source>` +
      `<nc:filter nc:type="xpath" nc:select="/ctrl:devices/device/name" xmlns:ctrl="http://clicon.org/controller"/></get-config></rpc>`,
  );
  await r.rpc('a', 'get devices state', rpc.devicesQuery(u));

  // edit-config on candidate
  await r.rpc('a', 'edit-config merge', edit('candidate', param('dev1', 'fid-x', '1')));
  await r.rpc('a', 'edit-config create existing: data-exists', edit('candidate', param('dev1', 'fid-x', '1', ` nc:operation="create"${NC}`)));
  await r.rpc('a', 'edit-config replace', edit('candidate', param('dev1', 'fid-x', '2', ` nc:operation="replace"${NC}`)));
  await r.rpc('a', 'edit-config merge second', edit('candidate', param('dev1', 'fid-y', '3')));
  await r.rpc('a', 'get-config candidate after edits', rpc.getConfig({ ...u, source: 'candidate', xpath: `${DEV1}/ctrl:config` }));
  await r.rpc('a', 'edit-config delete missing: data-missing', edit('candidate', param('dev1', 'fid-none', '0', ` nc:operation="delete"${NC}`)));
  await r.rpc('a', 'edit-config remove missing', edit('candidate', param('dev1', 'fid-none', '0', ` nc:operation="remove"${NC}`)));
  await r.rpc('a', 'edit-config delete existing', edit('candidate', param('dev1', 'fid-y', '3', ` nc:operation="delete"${NC}`)));
  await r.rpc('a', 'edit-config unknown element', edit('candidate', `<nosuch xmlns="urn:example:none"><x>1</x></nosuch>`));
  await r.rpc('a', 'edit-config bad namespace', edit('candidate', `<devices xmlns="urn:example:wrong"><device><name>dev1</name></device></devices>`));
  await r.rpc('a', 'edit-config service instance', edit('candidate', testsvc('f1', ['q1'])));
  await r.rpc('a', 'datastore-diff running candidate (text)', rpc.datastoreDiff({ ...u, format: 'text', dsref1: 'ds:running', dsref2: 'ds:candidate' }));
  await r.rpc('a', 'datastore-diff running candidate (xml)', rpc.datastoreDiff({ ...u, format: 'xml', dsref1: 'ds:running', dsref2: 'ds:candidate' }));
  await r.rpc('a', 'datastore-diff devices RUNNING CANDIDATE', rpc.datastoreDiff({ ...u, configType1: 'RUNNING', configType2: 'CANDIDATE' }));
  await r.rpc('a', 'validate candidate', `<rpc xmlns="${NC_NS}" username="${USER}" message-id="42"><validate><source><candidate/></source></validate></rpc>`);
  // the device's YANG checks what goes under its config (the simulator has none: known difference)
  await r.rpc('a', 'edit-config unknown element under a device', edit('candidate', param('dev1', 'fid-z', '1').replace('<value>1</value>', '<nosuch>1</nosuch>')));
  await r.rpc('a', 'discard-changes', rpc.discardChanges(u));
  await r.rpc('a', 'get-config candidate after discard', rpc.getConfig({ ...u, source: 'candidate', xpath: `${DEV1}/ctrl:config` }));
  await r.rpc('a', 'datastore-diff after discard', rpc.datastoreDiff({ ...u, format: 'text', dsref1: 'ds:running', dsref2: 'ds:candidate' }));

  // locks
  await r.rpc('a', 'lock candidate', rpc.lock(u));
  await r.rpc('b', 'lock candidate from a second session: lock-denied', rpc.lock(u));
  await r.rpc('b', 'edit-config while another session holds the lock', edit('candidate', param('dev1', 'fid-x', '1')));
  await r.rpc('b', 'unlock from a session without the lock', rpc.unlock(u));
  await r.rpc('a', 'unlock candidate', rpc.unlock(u));
  await r.rpc('a', 'unlock again', rpc.unlock(u));

  // subscriptions
  await r.rpc('svc', 'subscribe services-commit', rpc.createSubscription({ ...u, stream: 'services-commit' }));
  await r.rpc('svc', 'subscribe controller-transaction (service session)', rpc.createSubscription({ ...u, stream: 'controller-transaction' }));
  await r.rpc('a', 'subscribe controller-transaction', rpc.createSubscription({ ...u, stream: 'controller-transaction' }));
  await r.rpc('b', 'second services-commit subscriber refused', rpc.createSubscription({ ...u, stream: 'services-commit' }));

  // plain commit, then pushes
  await r.rpc('a', 'edit-config merge for commit', edit('candidate', param('dev1', 'fid-x', '1')));
  await r.rpc('a', 'commit (plain)', rpc.commit(u));
  await r.rpc('a', 'get-config running after plain commit', rpc.getConfig({ ...u, source: 'running', xpath: `${DEV1}/ctrl:config` }));
  let tid = tidOf(await r.rpc('a', 'controller-commit push NONE', push('NONE', 'NONE', 'ds:running')));
  await r.notification('a', 'controller-transaction of push NONE', 'controller-transaction', tid);
  await r.rpc('a', 'transactions state of push NONE', rpc.transactionsQuery({ ...u, tid }));
  await r.rpc('a', 'controller-commit push COMMIT with nothing to push', push('COMMIT', 'NONE', 'ds:running'));
  await r.notification('a', 'controller-transaction of nothing to push', 'controller-transaction');
  await r.rpc('a', 'edit-config merge for push', edit('candidate', param('dev1', 'fid-w', '4')));
  tid = tidOf(await r.rpc('a', 'controller-commit push COMMIT', push('COMMIT', 'CHANGE', 'ds:candidate')));
  await r.notification('a', 'controller-transaction of push COMMIT', 'controller-transaction', tid);
  await r.rpc('a', 'transactions state of push COMMIT', rpc.transactionsQuery({ ...u, tid }));
  await r.rpc('a', 'datastore-diff devices SYNCED RUNNING after push', rpc.datastoreDiff({ ...u, configType1: 'SYNCED', configType2: 'RUNNING' }));
  tid = tidOf(await r.rpc('a', 'config-pull dev1', rpc.configPull({ ...u, device: 'dev1' })));
  await r.notification('a', 'controller-transaction of config-pull', 'controller-transaction', tid);
  await r.rpc('a', 'get-config running after pull', rpc.getConfig({ ...u, source: 'running', xpath: `${DEV1}/ctrl:config` }));

  // unknown tids
  await r.rpc('svc', 'transaction-actions-done unknown tid', rpc.transactionActionsDone({ ...u, tid: UNKNOWN_TID, services: ['testsvc'] }));
  await r.rpc('svc', 'transaction-error unknown tid', rpc.transactionError({ ...u, tid: UNKNOWN_TID, origin: 'tsapi', reason: 'no such' }));

  // services-commit: a new instance, answered
  await r.rpc('a', 'edit-config new service instance fid1', edit('candidate', testsvc('fid1', ['fp1', 'fp2'])));
  tid = tidOf(await r.rpc('a', 'controller-commit actions CHANGE push COMMIT', push('COMMIT', 'CHANGE', 'ds:candidate')));
  await r.notification('svc', 'services-commit for fid1', 'services-commit');
  await r.rpc('svc', 'transactions state during actions', rpc.transactionsQuery({ ...u, tid }));
  await r.rpc('svc', 'get-config actions during actions', rpc.getConfig({ ...u, source: 'actions' }));
  await r.rpc('svc', 'edit-config actions with creator tags', edit('actions', serviceEdit('fid1', ['fp1', 'fp2'])));
  await r.rpc('svc', 'transaction-actions-done', rpc.transactionActionsDone({ ...u, tid, services: ['testsvc'] }));
  await r.notification('a', 'controller-transaction SUCCESS after actions', 'controller-transaction', tid);
  await r.notification('svc', 'controller-transaction SUCCESS on the service session', 'controller-transaction', tid);
  await r.rpc('a', 'get-config running services after actions', rpc.getConfig({ ...u, source: 'running', xpath: '/services' }));
  await r.rpc('a', 'get-config running dev2 after actions', rpc.getConfig({ ...u, source: 'running', xpath: "/ctrl:devices/ctrl:device[ctrl:name='dev2']/ctrl:config" }));
  await r.rpc('a', 'transactions state after actions', rpc.transactionsQuery({ ...u, tid }));
  // actions holds what the last transaction with actions left (before one, whatever the controller's history left)
  await r.rpc('a', 'get-config actions', rpc.getConfig({ ...u, source: 'actions' }));
  await r.rpc('a', 'get-config actions, services', rpc.getConfig({ ...u, source: 'actions', xpath: '/services' }));

  // services-commit: every instance re-applied (FORCE), as a commit diff
  tid = tidOf(await r.rpc('a', 'controller-commit actions FORCE push NONE', rpc.controllerCommit({ ...u, push: 'NONE', actions: 'FORCE', source: 'ds:candidate' })));
  await r.notification('svc', 'services-commit re-applying all', 'services-commit');
  await r.rpc('svc', 'get-config actions during re-apply', rpc.getConfig({ ...u, source: 'actions', xpath: DEV1 }));
  await r.rpc('svc', 'edit-config actions for the re-apply', edit('actions', serviceEdit('fid1', ['fp1', 'fp2'])));
  await r.rpc('svc', 'transaction-actions-done for the re-apply', rpc.transactionActionsDone({ ...u, tid, services: ['testsvc'] }));
  await r.notification('a', 'controller-transaction of the re-apply', 'controller-transaction', tid);
  await r.rpc('a', 'datastore-diff devices RUNNING ACTIONS after the re-apply', rpc.datastoreDiff({ ...u, configType1: 'RUNNING', configType2: 'ACTIONS' }));

  // a transient pull, compared with running
  tid = tidOf(await r.rpc('a', 'config-pull transient', rpc.configPull({ ...u, transient: true })));
  await r.notification('a', 'controller-transaction of the transient pull', 'controller-transaction', tid);
  await r.rpc('a', 'datastore-diff devices TRANSIENT RUNNING', rpc.datastoreDiff({ ...u, configType1: 'TRANSIENT', configType2: 'RUNNING' }));
  await r.rpc('a', 'get-config from an unknown datastore', `<rpc xmlns="${NC_NS}" username="${USER}" message-id="42"><get-config><source><nosuch/></source></get-config></rpc>`);

  // services-commit: a change, refused by the service
  await r.rpc('a', 'edit-config change fid1', edit('candidate', testsvc('fid1', ['fp3'])));
  tid = tidOf(await r.rpc('a', 'controller-commit actions CHANGE push NONE', push('NONE', 'CHANGE', 'ds:candidate')));
  await r.notification('svc', 'services-commit for the change', 'services-commit');
  await r.rpc('svc', 'transaction-error', rpc.transactionError({ ...u, tid, origin: 'tsapi', reason: 'testsvc: module failed' }));
  await r.notification('a', 'controller-transaction FAILED', 'controller-transaction', tid);
  await r.rpc('a', 'transactions state after error', rpc.transactionsQuery({ ...u, tid }));
  await r.rpc('a', 'get-config candidate services after error', rpc.getConfig({ ...u, source: 'candidate', xpath: '/services' }));
  await r.rpc('a', 'discard-changes after error', rpc.discardChanges(u));

  // services-commit: the instance deleted (cleanup of fid1 and what it created)
  await r.rpc('a', 'edit-config delete fid1', edit('candidate', testsvc('fid1', [], ` nc:operation="delete"${NC}`)));
  tid = tidOf(await r.rpc('a', 'controller-commit deleting fid1', push('COMMIT', 'CHANGE', 'ds:candidate')));
  await r.notification('svc', 'services-commit for the deletion', 'services-commit');
  await r.rpc('svc', 'get-config actions after the deletion', rpc.getConfig({ ...u, source: 'actions', xpath: `${DEV1}/ctrl:config` }));
  await r.rpc('svc', 'transaction-actions-done for the deletion', rpc.transactionActionsDone({ ...u, tid, services: ['testsvc'] }));
  await r.notification('a', 'controller-transaction of the deletion', 'controller-transaction', tid);
  await r.rpc('a', 'get-config running dev1 after the deletion', rpc.getConfig({ ...u, source: 'running', xpath: `${DEV1}/ctrl:config` }));

  // cleanup of fid-x, pushed
  await r.rpc('a', 'edit-config remove fid-x', edit('candidate', param('dev1', 'fid-x', '1', ` nc:operation="remove"${NC}`)));
  await r.rpc('a', 'edit-config remove fid-w', edit('candidate', param('dev1', 'fid-w', '4', ` nc:operation="remove"${NC}`)));
  tid = tidOf(await r.rpc('a', 'controller-commit from candidate push COMMIT', push('COMMIT', 'CHANGE', 'ds:candidate')));
  await r.notification('a', 'controller-transaction of the cleanup', 'controller-transaction', tid);
  await r.rpc('a', 'get-config running at the end', rpc.getConfig({ ...u, source: 'running' }));

  await r.rpc('b', 'close-session', rpc.closeSession(u));
  await r.rpc('b', 'rpc after close-session', rpc.getConfig({ ...u, source: 'running', xpath: '/services' }));
  r.disconnect('b');
  await r.rpc('svc', 'close-session (service session)', rpc.closeSession(u));
  r.disconnect('svc');
  await r.rpc('a', 'close-session', rpc.closeSession(u));
  r.disconnect('a');
}

const out = args.out ?? join(import.meta.dirname, '../test/fixtures/controller/exchanges.jsonl');
const recorder = new Recorder(controllerSocket(args));
try {
  await record(recorder);
} catch (err) {
  // Left half-way, the controller may still hold what the script added: say how to remove it.
  log.error(
    `recording stopped at step ${recorder.steps.length}; the controller may hold the script's changes: ` +
      'clixon_cli -f <controller.xml> -1 -m configure discard, then delete services testsvc fid1 and ' +
      'devices device dev1 config table parameter fid-x / fid-w / fid-y, then -m configure commit',
  );
  throw err;
} finally {
  recorder.closeAll();
}
mkdirSync(dirname(out), { recursive: true });
writeFileSync(out, recorder.steps.map((s) => JSON.stringify(s)).join('\n') + '\n');
log.success(`${recorder.steps.length} steps written to ${out}`);
