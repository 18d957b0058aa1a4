/**
 * -d on a config of megabytes, through the server process and the simulated controller:
 * the get-config reply logged as a head and its size (-d), whole (-d -d), indented (-P);
 * the frames reach the log stream without consola; and the info line per transaction
 * with its timings.
 */
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { createConsola, type LogObject } from 'consola';
import { createFrameLogger, STDOUT_FRAME_BYTES } from '../../src/service/framelog.ts';
import { ServiceServer, type TransactionReport } from '../../src/service/server.ts';
import { startSimulator, type Simulator } from '../../src/sim/index.ts';
import { Operator, PATIENT, startServer, stopAfter, tempDir, TESTSVC, writeFiles, yangDir, type ServerProcess } from './harness.ts';

const CTRL = 'http://clicon.org/controller';
const DEVICES = 300;

/** DEVICES devices of 100 interfaces each: about 2.7 MB (many small lists: the simulator loads them fast). */
function bigConfig(): string {
  let ifs = '';
  for (let k = 0; k < 100; k++) ifs += `<interface><name>eth${k}</name><description>port ${k}</description><mtu>1500</mtu></interface>`;
  let xml = `<devices xmlns="${CTRL}">`;
  for (let i = 1; i <= DEVICES; i++) {
    xml += `<device><name>dev${i}</name><enabled>true</enabled><conn-type>NETCONF_SSH</conn-type><config><interfaces xmlns="urn:ietf:params:xml:ns:yang:ietf-interfaces">${ifs}</interfaces></config></device>`;
  }
  return `${xml}</devices><services xmlns="${CTRL}">${PATIENT}</services>`;
}

const svc = (name: string): string => `<testsvc xmlns="urn:example:testsvc"><name>${name}</name><params>p1</params></testsvc>`;

async function bigStack(t: TestContext, args: string[]): Promise<{ s: Simulator; server: ServerProcess; op: Operator; dir: string }> {
  const dir = tempDir();
  writeFiles(join(dir, 'modules'), { 'testsvc.ts': TESTSVC });
  const s = await startSimulator({ path: join(dir, 'controller.sock'), config: bigConfig(), yangDirs: [yangDir(dir)] });
  const server = startServer(['-F', '-l', 'o', '-s', s.path!, '-m', join(dir, 'modules'), '-p', join(dir, 'pid'), ...args]);
  stopAfter(t, dir, server, () => s);
  await server.waitFor(/waiting for services-commit/);
  const op = await Operator.connect(s.path!);
  t.after(() => op.close());
  return { s, server, op, dir };
}

/** Commits one instance and waits for SUCCESS and the server's transaction line. */
async function commitOne(server: ServerProcess, op: Operator): Promise<{ from: number; line: string }> {
  const from = server.lines.length;
  await op.edit(svc('s1'));
  const tid = await op.commit();
  const o = await op.outcome(tid);
  assert.equal(o.result, 'SUCCESS', JSON.stringify(o));
  return { from, line: await server.waitFor(new RegExp(`tid ${tid}: done in`), from) };
}

const TRANSACTION_LINE =
  /\btid \d+: done in (\d+) ms; controller get \d+ ms, get-config [\d+]+ ms, edit-config \d+ ms, transaction-actions-done \d+ ms; read ([\d ]+) bytes, parse \d+ ms, modules \d+ ms, (?:validate \d+ ms, )?serialize \d+ ms(?:, no device models for .*)?; sent 1 edit-config, ([\d ]+) bytes$/;

test('-d: a multi-MB reply is logged as its head and size; the transaction line has its figures', async (t) => {
  const { server, op } = await bigStack(t, ['-d']);
  const { from, line } = await commitOne(server, op);
  const m = TRANSACTION_LINE.exec(line);
  assert.ok(m, line);
  const read = Number(m[2]!.replaceAll(' ', ''));
  assert.ok(read > 2e6, `read ${read} bytes`);
  assert.ok(Number(m[3]!.replaceAll(' ', '')) > 0);

  const replies = server.grep(/^\[server\] recv: <rpc-reply/, from);
  const config = replies.find((l) => l.includes('<devices xmlns='));
  assert.ok(config, replies.join('\n'));
  const size = / … (\d+\.\d) MB, ([\d ]+) bytes$/.exec(config);
  assert.ok(size, config.slice(-80));
  // The reply as read: the config the transaction line counts, in UTF-8 bytes (ASCII here).
  assert.equal(Number(size[2]!.replaceAll(' ', '')), read);
  // Every frame line is bounded, however big its frame.
  for (const l of server.grep(/^\[server\] (send|recv): /, from)) assert.ok(l.length <= STDOUT_FRAME_BYTES + 20, `${l.length}: ${l.slice(0, 80)}`);
  // get (user), get-config (service-timeout), get-config (actions), edit-config, actions-done.
  assert.equal(server.grep(/^\[server\] send: <rpc/, from).length, 5);
});

test('-d -d: the reply logged whole', async (t) => {
  const { server, op } = await bigStack(t, ['-d', '-d']);
  const { from, line } = await commitOne(server, op);
  const read = Number(TRANSACTION_LINE.exec(line)![2]!.replaceAll(' ', ''));
  const config = server.grep(/^\[server\] recv: <rpc-reply/, from).find((l) => l.includes('<devices xmlns='));
  assert.ok(config);
  assert.equal(config.length, '[server] recv: '.length + read);
  assert.ok(config.endsWith('</rpc-reply>'));
});

test('-d -P: the head indented, one element per line, the size after it', async (t) => {
  const { server, op } = await bigStack(t, ['-d', '-P']);
  const { from } = await commitOne(server, op);
  // The transactions reply (300 devices) is cut too, at some kB; the config is the one of MB.
  const end = server.lines.findIndex((l, i) => i >= from && /^… 2\.\d MB, [\d ]+ bytes$/.test(l));
  assert.ok(end > 0, server.lines.slice(from).join('\n').slice(0, 3000));
  const start = server.lines.findLastIndex((l, i) => i < end && l.startsWith('[server] '));
  assert.equal(server.lines[start], '[server] recv: <rpc-reply xmlns="urn:ietf:params:xml:ns:netconf:base:1.0">');
  const head = server.lines.slice(start + 1, end);
  assert.equal(head[0], '  <data>');
  const devices = head.indexOf('    <devices xmlns="http://clicon.org/controller">');
  assert.ok(devices > 0, head.join('\n'));
  assert.deepEqual(head.slice(devices + 1, devices + 5), ['      <device>', '        <name>dev1</name>', '        <enabled>true</enabled>', '        <conn-type>NETCONF_SSH</conn-type>']);
  // The head is what -d shows unindented: at most STDOUT_FRAME_BYTES of the frame.
  assert.ok(head.map((l) => l.trimStart()).join('').length <= STDOUT_FRAME_BYTES);
});

test('frames go to the frame sink, not through the consola logger', async (t) => {
  const dir = tempDir();
  writeFiles(join(dir, 'modules'), { 'testsvc.ts': TESTSVC });
  const s = await startSimulator({ path: join(dir, 'controller.sock'), config: bigConfig(), yangDirs: [yangDir(dir)] });
  const logged: LogObject[] = [];
  const log = createConsola({ level: 5, reporters: [{ log: (o) => logged.push(o) }] });
  const frames: string[] = [];
  const server = new ServiceServer({
    sockPath: s.path!,
    modulePaths: [join(dir, 'modules')],
    watch: false,
    frameLog: createFrameLogger((text) => frames.push(text), { whole: false, pretty: false, maxBytes: STDOUT_FRAME_BYTES }),
    log,
    logLevel: 5,
    onModuleLog: () => undefined,
  });
  const reports: TransactionReport[] = [];
  server.on('transaction', (r: TransactionReport) => reports.push(r));
  const connected = new Promise<void>((resolve) => server.once('connected', () => resolve()));
  const op = await Operator.connect(s.path!);
  t.after(async () => {
    await op.close();
    await server.stop();
    await s.close();
  });
  await server.start();
  await connected;
  await op.edit(svc('s1'));
  const o = await op.outcome(await op.commit());
  assert.equal(o.result, 'SUCCESS');
  const report = reports.at(-1)!;
  assert.ok(report.configBytes > 2e6);
  // The multi-MB reply reached the sink as a bounded line; consola saw no frame at all.
  const config = frames.find((f) => f.startsWith('recv: <rpc-reply') && f.includes('<devices xmlns='));
  assert.ok(config);
  assert.ok(frames.every((f) => Buffer.byteLength(f) <= STDOUT_FRAME_BYTES));
  assert.equal(logged.filter((o) => o.args.some((a) => typeof a === 'string' && /^(send|recv): /.test(a))).length, 0);
  assert.ok(logged.some((o) => o.type === 'info' && TRANSACTION_LINE.test(String(o.args[0]))), logged.map((o) => o.args[0]).join('\n'));
});
