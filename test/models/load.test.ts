/**
 * The devices' models for the offline tools: from a controller socket (the fake replaying
 * the real controller's replies), from a models folder written by `clixon-tsapi models`,
 * and what is refused: a folder that is none, a path that is neither.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runService, SchemaValidationError } from '../../src/devkit/index.ts';
import { ModelsFolderError, loadModels, readModelsFolder } from '../../src/models/index.ts';
import { FakeController } from '../service/fake-controller.ts';
import { cleanup, REPO, tempDir } from '../service/harness.ts';
import { recordedReply } from './fixtures.ts';

const CLIXON = { list: recordedReply('get-device-schema-dev1.xml'), detail: recordedReply('get-device-schema-dev1-detail.xml') };
const OPENCONFIG = { list: recordedReply('get-device-schema-oc1.xml'), detail: recordedReply('get-device-schema-oc1-detail.xml') };

/** Writes clixon-example's table on the devices that carry it; `leaf` names the value leaf. */
const module = (leaf: string) => ({
  SERVICE: 'testsvc',
  setup: (root: import('../../src/xml/index.ts').XmlNode, _log: unknown, ctx: import('../../src/service/module.ts').ServiceContext) => {
    for (const dev of root.devices?.getElements('device') ?? []) {
      if (!ctx.models.hasModel(String(dev.child('name')?.getData()), 'clixon-example')) continue;
      const p = (dev.child('config') ?? dev.create('config')).create('table', { attributes: { xmlns: 'urn:example:clixon' } }).create('parameter');
      p.create('name', { data: 'p1' });
      p.create(leaf, { data: 'x' });
    }
  },
});
const CONFIG =
  '<services xmlns="http://clicon.org/controller"><testsvc xmlns="urn:example:testsvc"><name>s1</name></testsvc></services>' +
  '<devices xmlns="http://clicon.org/controller"><device><name>dev1</name><config/></device><device><name>oc1</name><config/></device></devices>';

test('from a controller socket: ctx.models and each device judged by its own models; the same from the folder `clixon-tsapi models` writes', async (t) => {
  const fake = await FakeController.start({ deviceSchemas: { dev1: CLIXON, oc1: OPENCONFIG } });
  const dir = tempDir();
  t.after(async () => {
    await fake.close();
    cleanup(dir);
  });
  const r = await runService(module('value'), CONFIG, { instance: 'testsvc', models: fake.path });
  assert.deepEqual([...r.diff.keys()], ['dev1']);
  await assert.rejects(runService(module('valeu'), CONFIG, { instance: 'testsvc', models: fake.path }), (e: unknown) => e instanceof SchemaValidationError && /name='dev1'.*valeu: unknown element/.test(e.message));
  // Read once per process: the second run asked the controller nothing more.
  assert.equal(fake.requests.filter((q) => q.op === 'get-device-schema').length, 4);

  const out = join(dir, 'models');
  // Not spawnSync: the fake answers from this process.
  const cli = await new Promise<{ status: number; stdout: string }>((resolve) =>
    execFile(process.execPath, ['--import', 'tsx', join(REPO, 'src/cli.ts'), 'models', '-s', fake.path, '-o', out], { timeout: 180_000 }, (err, stdout, stderr) =>
      resolve({ status: err === null ? 0 : typeof err.code === 'number' ? err.code : 1, stdout: stdout + stderr }),
    ),
  );
  assert.equal(cli.status, 0, cli.stdout);
  assert.match(cli.stdout, /^set [0-9a-f]{12}: dev1; 22 modules; fetch \d+ ms, compile \d+ ms$/m);
  assert.match(cli.stdout, /^set [0-9a-f]{12}: oc1; 132 modules; fetch \d+ ms, compile \d+ ms$/m);
  const folder = readModelsFolder(out);
  assert.deepEqual(Object.keys(folder.devices).sort(), ['dev1', 'oc1']);
  assert.match(readFileSync(join(out, folder.devices.dev1!, 'clixon-example@2022-11-01.yang'), 'utf8'), /container "table"/);
  await assert.rejects(runService(module('valeu'), CONFIG, { instance: 'testsvc', models: out }), SchemaValidationError);
  assert.deepEqual([...(await runService(module('value'), CONFIG, { instance: 'testsvc', models: out })).diff.keys()], ['dev1']);
});

test('a models source that is none: a folder without models.json, a path that is neither, a broken models.json', async (t) => {
  const dir = tempDir();
  t.after(() => cleanup(dir));
  await assert.rejects(loadModels(dir), (e: unknown) => e instanceof ModelsFolderError && /not a models folder \(no models\.json/.test(e.message));
  await assert.rejects(loadModels(join(dir, 'nothing')), /no such models folder or controller socket/);
  writeFileSync(join(dir, 'file'), 'x');
  await assert.rejects(loadModels(join(dir, 'file')), /neither a models folder nor a controller socket/);
  mkdirSync(join(dir, 'bad'));
  writeFileSync(join(dir, 'bad', 'models.json'), '{"devices": {"d": "nope"}, "sets": {}}');
  await assert.rejects(loadModels(join(dir, 'bad')), /device d names set nope, which is not there/);
  // try says so as bad input (exit 2).
  const tried = spawnSync(process.execPath, ['--import', 'tsx', join(REPO, 'src/try.ts'), join(REPO, 'modules/banner'), join(REPO, 'test/modules/banner.xml'), 'banner', 'motd', '--models', dir], { encoding: 'utf8', timeout: 180_000 });
  assert.equal(tried.status, 2, tried.stdout + tried.stderr);
  assert.match(tried.stdout + tried.stderr, /not a models folder/);
});
