/**
 * The server reads each device's models from the controller over its socket alone (no -f,
 * no --yang): against a fake controller replaying the replies of clixon-controller 1.8
 * (test/fixtures/models: dev1/dev2 with clixon-example, oc1 with OpenConfig). Each
 * device's config is validated with its own set's schemas, fetched and compiled once per
 * set; modules see the sets as ctx.models; what cannot be loaded turns validation off for
 * the devices concerned only, and never fails a commit; the sets are read again after a
 * controller transaction the server did not serve.
 */
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { FakeController, type FakeOptions } from '../service/fake-controller.ts';
import { cleanup, REPO, startServer, tempDir, writeFiles, type ServerProcess } from '../service/harness.ts';
import { recordedReply } from './fixtures.ts';

const CTRL = 'http://clicon.org/controller';
const CLIXON = { list: recordedReply('get-device-schema-dev1.xml'), detail: recordedReply('get-device-schema-dev1-detail.xml') };
const OPENCONFIG = { list: recordedReply('get-device-schema-oc1.xml'), detail: recordedReply('get-device-schema-oc1-detail.xml') };

/**
 * testsvc writing one table parameter per params entry, the params text as the leaf's
 * name: `valeu` is the misspelling. Only to devices carrying clixon-example, unless the
 * instance is named `all`; logs the devices it skipped.
 */
const MODULE = `import type { ServiceModule } from '${REPO}src/service/module.ts';
export const SERVICE = 'testsvc';
export const setup: ServiceModule['setup'] = (root, log, ctx) => {
  const skipped: string[] = [];
  for (const inst of root.services?.getElements('testsvc') ?? []) {
    const all = inst.child('name')!.getData() === 'all';
    for (const dev of root.devices?.getElements('device') ?? []) {
      const name = String(dev.child('name')!.getData());
      if (!all && !ctx.models.hasModel(name, 'clixon-example')) { skipped.push(name); continue; }
      const table = (dev.child('config') ?? dev.create('config')).create('table', { attributes: { xmlns: 'urn:example:clixon' } });
      const par = table.create('parameter', { attributes: { 'xmlns:cl': 'http://clicon.org/lib', 'cl:creator': "testsvc[name='s1']" } });
      par.create('name', { data: 'p1' });
      par.create(String(inst.child('params')!.getData()), { data: 'x' });
    }
  }
  log.info('skipped: ' + (skipped.join(',') || 'none'));
};
`;
/** The line of MODULE that creates the leaf named by params. */
const LEAF_LINE = MODULE.split('\n').findIndex((l) => l.includes('par.create(String(')) + 1;

function actions(devices: string[], instance = 's1', params = 'value'): string {
  return (
    `<services xmlns="${CTRL}"><testsvc xmlns="urn:example:testsvc"><name>${instance}</name><params>${params}</params></testsvc></services>` +
    `<devices xmlns="${CTRL}">${devices.map((d) => `<device><name>${d}</name><config/></device>`).join('')}</devices>`
  );
}

async function setUp(t: TestContext, opts: FakeOptions, script?: FakeController['script']): Promise<{ fake: FakeController; server: ServerProcess; file: string }> {
  const fake = await FakeController.start({ serviceTimeoutS: 120, ...opts });
  // Before the server starts: it reads the models as soon as it connects.
  if (script) fake.script = script;
  const dir = tempDir();
  writeFiles(join(dir, 'modules'), { 'testsvc.ts': MODULE });
  // Only the socket: no controller.xml, no --yang.
  const server = startServer(['-F', '-l', 'o', '--validate', '-s', fake.path, '-m', join(dir, 'modules'), '-p', join(dir, 'pid')]);
  t.after(async () => {
    await server.stop();
    await fake.close();
    cleanup(dir);
  });
  await fake.subscribed();
  await server.waitFor(/modules loaded/);
  return { fake, server, file: join(dir, 'modules', 'testsvc.ts') };
}

const detailFetches = (fake: FakeController): string[] =>
  fake.requests.filter((r) => r.op === 'get-device-schema' && r.xml.includes('<detail>true</detail>')).map((r) => /<device>([^<]*)</.exec(r.xml)![1]!);

test("a misspelled device leaf is refused with the module's line, by the device's own models from the socket; one fetch and one compile per set", async (t) => {
  const { fake, server, file } = await setUp(t, { deviceSchemas: { dev1: CLIXON, dev2: CLIXON }, actions: actions(['dev1', 'dev2'], 's1', 'valeu') });
  fake.commit('1');
  const [answer] = await fake.answered('1');
  assert.equal(answer!.kind, 'error');
  assert.match(answer!.reason!, /\/devices\/device\[name='dev1'\]\/config\/table\/parameter\[name='p1'\]\/valeu: unknown element valeu/);
  assert.ok(answer!.reason!.includes(`${file}:${LEAF_LINE}`), answer!.reason);
  // dev1 and dev2 share one module-set: its YANG fetched once, compiled once, said in the transaction line.
  assert.deepEqual(detailFetches(fake), ['dev1']);
  const line = await server.waitFor(/tid 1: failed in/);
  assert.match(line, new RegExp(`models loaded from ${fake.path}: set [0-9a-f]{12} \\(dev1, dev2; 22 modules\\) fetch \\d+ ms, compile \\d+ ms`));

  fake.opts.actions = actions(['dev1', 'dev2']);
  fake.commit('2');
  assert.equal((await fake.answered('2'))[0]!.kind, 'done');
  const edits = fake.requests.filter((r) => r.op === 'edit-config');
  assert.match(edits.at(-1)!.xml, /<name>dev2<\/name><config><table xmlns="urn:example:clixon"><parameter[^>]*><name>p1<\/name><value>x<\/value>/);
  // Nothing changed on the controller meanwhile: the sets are not read again, the YANG not fetched again.
  assert.equal(fake.requests.filter((r) => r.op === 'get-device-schema').length, 3);
  assert.doesNotMatch(await server.waitFor(/tid 2: done in/), /models loaded/);
});

test('a mixed network: the module writes only where the model is (ctx.models), and each device is judged by its own set', async (t) => {
  const { fake, server } = await setUp(t, { deviceSchemas: { dev1: CLIXON, oc1: OPENCONFIG }, actions: actions(['dev1', 'oc1']) });
  fake.commit('1');
  assert.equal((await fake.answered('1'))[0]!.kind, 'done');
  await server.waitFor(/skipped: oc1$/);
  const edit = fake.requests.filter((r) => r.op === 'edit-config').at(-1)!.xml;
  assert.match(edit, /<name>dev1<\/name><config><table/);
  assert.doesNotMatch(edit, /oc1/);
  // Two sets, two fetches.
  assert.deepEqual(detailFetches(fake).sort(), ['dev1', 'oc1']);
  assert.match(await server.waitFor(/tid 1: done in/), /models loaded from .*: set \w+ \(dev1; 22 modules\) fetch \d+ ms, compile \d+ ms; set \w+ \(oc1; 132 modules\) fetch \d+ ms, compile \d+ ms/);

  // Written into every device regardless: oc1's OpenConfig models have no table; dev1's have.
  fake.opts.actions = actions(['dev1', 'oc1'], 'all');
  fake.commit('2');
  const [answer] = await fake.answered('2');
  assert.equal(answer!.kind, 'error');
  assert.match(answer!.reason!, /\/devices\/device\[name='oc1'\]\/config\/table: unknown element table/);
  assert.doesNotMatch(answer!.reason!, /name='dev1'/);
});

test("models that cannot be had turn validation off for those devices only, say so, and fail no commit", async (t) => {
  // dev1's detail reply lacks clixon-example; dev3 has no spec on the controller; oc1 is whole.
  const lacking = CLIXON.detail.replace(/<schema xmlns="http:\/\/clicon.org\/controller"><name>clixon-example<\/name>[\s\S]*?<\/schema>/, '');
  assert.notEqual(lacking, CLIXON.detail);
  const noSpec = `<rpc-reply xmlns="urn:ietf:params:xml:ns:netconf:base:1.0"><rpc-error><error-type>application</error-type><error-tag>operation-failed</error-tag><error-severity>error</error-severity><error-message>No matching device YANG spec found</error-message></rpc-error></rpc-reply>`;
  const { fake, server } = await setUp(t, {
    deviceSchemas: { dev1: { list: CLIXON.list, detail: lacking }, dev3: { list: noSpec, detail: noSpec }, oc1: OPENCONFIG },
    actions: actions(['dev1', 'dev3', 'oc1'], 'all', 'valeu'),
  });
  fake.commit('1');
  const [answer] = await fake.answered('1');
  // oc1 is still judged (table is not in OpenConfig); dev1 and dev3 are not: their misspelling passes.
  assert.equal(answer!.kind, 'error');
  assert.match(answer!.reason!, /name='oc1'\]\/config\/table: unknown element/);
  assert.doesNotMatch(answer!.reason!, /name='dev[13]'/);
  await server.waitFor(/validation off for dev1: module-set \w+: the controller gave no YANG for clixon-example@2022-11-01/);
  await server.waitFor(/device models: dev3: get-device-schema: operation-failed: No matching device YANG spec found; no module-set configured/);
  const line = await server.waitFor(/tid 1: failed in/);
  assert.match(line, /no device models for dev1 \(the controller gave no YANG for clixon-example@2022-11-01\)/);
  assert.match(line, /no device models for dev3 \(get-device-schema: operation-failed: No matching device YANG spec found; no module-set configured\)/);

  // Without oc1's table the commit goes through: what could not be loaded fails nothing.
  fake.opts.actions = actions(['dev1', 'dev3'], 'all', 'valeu');
  fake.commit('2');
  assert.equal((await fake.answered('2'))[0]!.kind, 'done');
});

test('a set whose YANG does not compile is named with its module; the other set still judges its devices', async (t) => {
  const broken = OPENCONFIG.detail.replace(/(<name>openconfig-system<\/name><revision>[^<]*<\/revision><namespace>[^<]*<\/namespace><data>module "openconfig-system" \{)/, '$1 leaf {');
  assert.notEqual(broken, OPENCONFIG.detail);
  const { fake, server } = await setUp(t, { deviceSchemas: { dev1: CLIXON, oc1: { list: OPENCONFIG.list, detail: broken } }, actions: actions(['dev1', 'oc1'], 'all', 'valeu') });
  fake.commit('1');
  const [answer] = await fake.answered('1');
  assert.equal(answer!.kind, 'error');
  assert.match(answer!.reason!, /name='dev1'\]\/config\/table\/parameter\[name='p1'\]\/valeu: unknown element/);
  assert.doesNotMatch(answer!.reason!, /name='oc1'/);
  await server.waitFor(/validation off for oc1: module-set \w+: its YANG does not compile whole: openconfig-system left out: /);
});

test("after a controller transaction the server did not serve, the sets are read again: a device's new set is used without a restart", async (t) => {
  const deviceSchemas = { dev1: CLIXON, dev2: CLIXON };
  const { fake, server } = await setUp(t, { deviceSchemas, actions: actions(['dev1', 'dev2']) });
  fake.commit('1');
  assert.equal((await fake.answered('1'))[0]!.kind, 'done');
  await server.waitFor(/skipped: none$/);

  // dev2 is replaced by an OpenConfig device of the same name (connection open after an upgrade, say).
  Object.assign(deviceSchemas, { dev2: OPENCONFIG });
  fake.notify(
    `<notification xmlns="urn:ietf:params:xml:ns:netconf:notification:1.0"><eventTime>2026-12-02T10:32:01.792151Z</eventTime>` +
      `<controller-transaction xmlns="${CTRL}"><tid>90</tid><username>root</username><result>SUCCESS</result></controller-transaction></notification>`,
  );
  // Read again at once, before any commit asks: the next commit does not wait for one request per device.
  const listed = (): number => fake.requests.filter((r) => r.op === 'get-device-schema' && !r.xml.includes('<detail>')).length;
  const before = listed();
  await fake.until('the module-sets read again after the controller transaction', () => listed() >= before + 2);
  const from = server.lines.length;
  fake.commit('2');
  assert.equal((await fake.answered('2'))[0]!.kind, 'done');
  await server.waitFor(/skipped: dev2$/, from);
  assert.deepEqual(detailFetches(fake), ['dev1', 'dev2']);
  assert.match(await server.waitFor(/tid 2: done in/), /models loaded from .*: set \w+ \(dev2; 132 modules\)/);
});

test('the controller not answering the models: each commit is answered within its time, without device models, says so, and a module asking for them fails', async (t) => {
  const { fake, server } = await setUp(t, { deviceSchemas: { dev1: CLIXON }, actions: actions(['dev1'], 'all', 'valeu'), serviceTimeoutS: 6 }, (req) =>
    req.op === 'get-device-schema' ? 'stall' : undefined,
  );
  fake.commit('1');
  assert.equal((await fake.answered('1'))[0]!.kind, 'done');
  // The read the server began on connecting is still waiting: the commit does not wait past its share of the time.
  assert.match(await server.waitFor(/tid 1: done in/), /no device models for every device \(module-sets still being read from .* after \d+ ms/);
  await server.waitFor(/device models: could not read them from .*timed out/);
  // A module that asks which devices carry a model, with no device's set known, fails the
  // transaction with why (answering 'none' would make the controller remove what the service made).
  fake.opts.actions = actions(['dev1'], 's1', 'value');
  fake.commit('2');
  const answer = (await fake.answered('2'))[0]!;
  assert.equal(answer.kind, 'error', answer.reason);
  assert.match(answer.reason ?? '', /the devices' models are not known: module-sets (still being read|not read) from /);
});
