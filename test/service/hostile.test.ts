/**
 * The service server against a fake controller that misbehaves at the exact moment a
 * test picks: a services-commit arriving with the subscription's reply, replies that never
 * come, `<data/>` or another message-id where a reply is due, a reply over the frame
 * limit, the controller hanging up mid-transaction; and a module whose loading never
 * ends. Whatever happens, every services-commit
 * gets one answer (or, when the controller hung up, is left to the controller's own
 * timeout, said in the log), and the next commit is served.
 */
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { FakeController, type Action, type Request } from './fake-controller.ts';
import { cleanup, startServer, tempDir, TESTSVC, writeFiles, type ServerProcess } from './harness.ts';

/** The server process on the fake's socket, with the testsvc module and `modules` (file name to text) in `<dir>/modules`. */
async function setUp(t: TestContext, fake: FakeController, modules: Record<string, string> = {}): Promise<{ server: ServerProcess; modules: string }> {
  const dir = tempDir();
  writeFiles(join(dir, 'modules'), { 'testsvc.ts': TESTSVC, ...modules });
  const server = startServer(['-F', '-l', 'o', '-d', '-s', fake.path, '-m', join(dir, 'modules'), '-p', join(dir, 'pid')]);
  t.after(async () => {
    await server.stop();
    await fake.close();
    cleanup(dir);
  });
  return { server, modules: join(dir, 'modules') };
}

/** The answers for tid: exactly one, accepted, and one answer request sent for it in all. */
async function oneAnswer(fake: FakeController, tid: string): Promise<{ kind: string; reason?: string; conn: number }> {
  const answers = await fake.answered(tid);
  assert.equal(answers.length, 1, JSON.stringify(answers));
  const sent = fake.requests.filter((r) => r.tid === tid && /^transaction-(actions-done|error)$/.test(r.op));
  assert.equal(sent.length, 1, sent.map((r) => r.xml).join('\n'));
  return answers[0]!;
}

test('a services-commit that comes with the subscription reply, before the server has finished connecting, is answered, and so are later ones, after a reconnect too', async (t) => {
  const fake = await FakeController.start({ serviceTimeoutS: 120 });
  // On each connection that subscribes, the first services-commit rides in the same write as the subscription's <ok/>
  // (counted by subscription: the server's models have a connection of their own).
  let subscriptions = 0;
  fake.script = (req) => {
    if (req.op === 'create-subscription' && req.xml.includes('<stream>services-commit</stream>')) return { answer: { after: [fake.begin(`${++subscriptions}1`)] } };
    return undefined;
  };
  const { server } = await setUp(t, fake);

  assert.equal((await oneAnswer(fake, '11')).kind, 'done');
  fake.commit('12');
  assert.equal((await oneAnswer(fake, '12')).kind, 'done');

  fake.dropAll();
  assert.equal((await oneAnswer(fake, '21')).kind, 'done');
  fake.commit('22');
  assert.equal((await oneAnswer(fake, '22')).kind, 'done');
  assert.equal(server.grep(/notification handling failed/).length, 0, server.lines.join('\n'));
});

test('a reply that never comes, <data/> or another message-id instead of it, a reply over the frame limit: one transaction-error each naming the request, sent on a new connection; then the next commit is served', async (t) => {
  // The controller waits 3 s: requests get until 2 s after the notification (half the 2 s margin kept back).
  const fake = await FakeController.start({ serviceTimeoutS: 3 });
  let misbehave: { op: string; source?: string; action: Action } | undefined;
  fake.script = (req: Request) => {
    if (!misbehave || req.op !== misbehave.op || (misbehave.source !== undefined && req.source !== misbehave.source)) return undefined;
    const { action } = misbehave;
    misbehave = undefined;
    return action;
  };
  const { server } = await setUp(t, fake);
  await fake.subscribed();
  // Loaded before the first commit: with a 3 s wait the modules would get only 1 s, loading included.
  await server.waitFor(/modules loaded/);

  const cases: [string, { op: string; source?: string; action: Action }, RegExp][] = [
    ['1', { op: 'get-config', source: 'actions', action: 'stall' }, /timed out after \d+ ms waiting for reply to <get-config>/],
    ['2', { op: 'get-config', source: 'actions', action: { frames: ['<data/>'] } }, /the backend sent <data> where the reply to <get-config> was due/],
    ['3', { op: 'edit-config', action: { frames: ['<rpc-reply xmlns="urn:ietf:params:xml:ns:netconf:base:1.0" message-id="7"><ok/></rpc-reply>'] } }, /message-id "7" where the reply to <edit-config> \(message-id "42"\) was due/],
    // A chunk header announcing more than the 256 MiB limit: refused on the header alone.
    ['4', { op: 'get-config', source: 'actions', action: { raw: Buffer.from('\n#300000000\n<rpc-reply') } }, /TOO_LARGE: message would exceed 268435456 bytes \(chunk of 300000000/],
    ['5', { op: 'edit-config', action: 'stall' }, /timed out after \d+ ms waiting for reply to <edit-config>/],
  ];
  for (const [tid, how, reason] of cases) {
    const conn = fake.connections;
    misbehave = how;
    fake.commit(tid);
    const answer = await oneAnswer(fake, tid);
    assert.equal(answer.kind, 'error');
    assert.match(answer.reason ?? '', reason);
    assert.ok(answer.conn > conn, 'sent on a new connection');
    assert.ok(server.grep(new RegExp(`tid ${tid}: not answered on this connection: `)).length === 1, server.lines.join('\n'));
    await fake.subscribed(answer.conn);
  }
  fake.commit('6');
  assert.equal((await oneAnswer(fake, '6')).kind, 'done');
});

test('the controller hanging up mid-transaction: the tid is logged as unanswered and left to the controller; the next commit is served on the new connection', async (t) => {
  const fake = await FakeController.start({ serviceTimeoutS: 120 });
  let hangUpOn: string | undefined;
  fake.script = (req) => {
    if (req.op !== hangUpOn) return undefined;
    hangUpOn = undefined;
    return 'close';
  };
  const { server } = await setUp(t, fake);
  await fake.subscribed();
  // Loaded before the first commit: with a 3 s wait the modules would get only 1 s, loading included.
  await server.waitFor(/modules loaded/);

  hangUpOn = 'get-config';
  fake.commit('1');
  await server.waitFor(/tid 1: not answered: (the backend closed the connection|the connection to the backend was lost)/);
  await fake.subscribed(2);
  fake.commit('2');
  assert.equal((await oneAnswer(fake, '2')).kind, 'done');

  // Hung up on after our transaction-actions-done went out: no second answer follows.
  hangUpOn = 'transaction-actions-done';
  fake.commit('3');
  await server.waitFor(/tid 3: transaction-actions-done sent, but the connection was lost before the controller's reply/);
  await fake.subscribed(3);
  fake.commit('4');
  assert.equal((await oneAnswer(fake, '4')).kind, 'done');
  // Nothing more was sent for 1 or 3, though each still waits in ACTIONS here.
  assert.deepEqual(
    fake.requests.filter((r) => (r.tid === '1' || r.tid === '3') && r.op.startsWith('transaction-')).map((r) => `${r.tid} ${r.op}`),
    ['3 transaction-actions-done'],
  );
});

test('a module whose loading never ends: each commit gets transaction-error within its time; saving a fix reloads and the next commit is served', async (t) => {
  // The controller waits 3 s: the modules get the 1 s floor.
  const fake = await FakeController.start({ serviceTimeoutS: 3 });
  const { server, modules } = await setUp(t, fake, { 'stuck.ts': 'await new Promise(() => undefined);\n' });
  const stuck = join(modules, 'stuck.ts');
  await fake.subscribed();
  await server.waitFor(/for module changes/);

  fake.commit('1');
  const answer = await oneAnswer(fake, '1');
  assert.equal(answer.kind, 'error');
  assert.match(answer.reason ?? '', /the modules did not finish loading within 1 s/);
  fake.commit('2');
  assert.match((await oneAnswer(fake, '2')).reason ?? '', /did not finish loading/);

  const mark = server.lines.length;
  writeFileSync(stuck, "export const SERVICE = 'other';\nexport function setup(): void {}\n");
  await server.waitFor(/modules loaded: .*stuck \(other\)/, mark);
  fake.commit('3');
  const third = await oneAnswer(fake, '3');
  assert.equal(third.kind, 'done', `${third.reason}\n${server.lines.filter((l) => !/send:|recv:/.test(l)).join('\n')}`);
});
