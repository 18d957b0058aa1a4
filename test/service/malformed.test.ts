/**
 * A malformed config from the controller, the fault deep in a subtree the module never
 * reads: the lazy tree checks the whole reply before any module runs, so the transaction
 * gets one transaction-error naming the XML fault and its place, the module does not run,
 * and the next commit (a well-formed config) is served.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { ACTIONS, FakeController, type FakeOptions } from './fake-controller.ts';
import { cleanup, startServer, tempDir, TESTSVC, writeFiles } from './harness.ts';

test('a reference to no entity deep in an unread device: one transaction-error with line and column, the module never runs; the next commit is served', async (t) => {
  // dev2's table holds an entry the module only appends after: it never reads it
  const bad = ACTIONS.replace('<device><name>dev2</name><config><table xmlns="urn:example:clixon"/>', '<device><name>dev2</name><config><table xmlns="urn:example:clixon"><parameter><name>a &bogus; b</name></parameter></table>');
  assert.notEqual(bad, ACTIONS);
  const opts: FakeOptions = { serviceTimeoutS: 120, actions: bad };
  const fake = await FakeController.start(opts);
  const dir = tempDir();
  const marker = join(dir, 'ran');
  // the usual testsvc module, which first notes that it ran
  const module = TESTSVC.replace("export const SERVICE = 'testsvc';", `import { writeFileSync } from 'node:fs';\nexport const SERVICE = 'testsvc';`).replace(
    'export const setup: ServiceModule[\'setup\'] = (root, log, ctx) => {',
    `export const setup: ServiceModule['setup'] = (root, log, ctx) => {\n  writeFileSync(${JSON.stringify(marker)}, 'ran');`,
  );
  assert.ok(module.includes('writeFileSync(') && module !== TESTSVC);
  writeFiles(join(dir, 'modules'), { 'testsvc.ts': module });
  const server = startServer(['-F', '-l', 'o', '-s', fake.path, '-m', join(dir, 'modules'), '-p', join(dir, 'pid')]);
  t.after(async () => {
    await server.stop();
    await fake.close();
    cleanup(dir);
  });
  await server.waitFor(/modules loaded/);
  await fake.until('the services-commit subscription', () => fake.requests.some((r) => r.op === 'create-subscription' && r.xml.includes('services-commit')));

  fake.commit('1');
  const answers = await fake.answered('1');
  assert.equal(answers.length, 1, JSON.stringify(answers));
  assert.equal(answers[0]!.kind, 'error');
  assert.match(answers[0]!.reason ?? '', /unknown entity &bogus; at line 1, column \d+/);
  assert.equal(existsSync(marker), false, 'the module ran on a malformed config');
  assert.equal(fake.requests.filter((r) => r.op === 'edit-config').length, 0);

  opts.actions = ACTIONS;
  fake.commit('2');
  const next = await fake.answered('2');
  assert.deepEqual(next.map((a) => a.kind), ['done']);
  assert.equal(existsSync(marker), true);
  assert.ok(fake.requests.some((r) => r.op === 'edit-config' && r.xml.includes('<name>p1</name>')));
});
