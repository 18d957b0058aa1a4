/**
 * The modules' time limit follows the controller's own wait (services/service-timeout, else
 * its built-in 10 s) less a margin, so a slow module's transaction-error, naming it, is what
 * the user sees instead of the controller's generic timeout.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { writeFileSync } from 'node:fs';
import { answerMarginMs, CONTROLLER_SERVICE_TIMEOUT_DEFAULT_MS, moduleBudget, parseServiceTimeout, requestBudgetMs } from '../../src/service/deadline.ts';
import { Operator, sim, startServer, startStack, stopAfter, tempDir, TESTSVC, writeFiles } from './harness.ts';

test('the budget: the controller wait less the margin and the time already spent, capped by --timeout, at least 1 s; each says why', () => {
  assert.equal(CONTROLLER_SERVICE_TIMEOUT_DEFAULT_MS, 10_000);
  assert.equal(answerMarginMs(10_000), 2_000);
  assert.equal(answerMarginMs(300_000), 30_000);
  const unset = moduleBudget({ controllerTimeoutMs: 10_000, controllerTimeoutSet: false, elapsedMs: 0 });
  assert.deepEqual(unset, {
    ms: 8_000,
    why: "the controller's default wait of 10 s (services/service-timeout is not set), less 2 s kept for our answer; raise services/service-timeout to give the modules longer",
  });
  const spent = moduleBudget({ controllerTimeoutMs: 10_000, controllerTimeoutSet: true, elapsedMs: 500 });
  assert.deepEqual(spent, {
    ms: 7_500,
    why: 'services/service-timeout 10 s, less 2 s kept for our answer, less 0.5 s spent before the modules started; raise services/service-timeout to give the modules longer',
  });
  assert.deepEqual(moduleBudget({ controllerTimeoutMs: 300_000, controllerTimeoutSet: true, elapsedMs: 0, capMs: 60_000 }), { ms: 60_000, why: "the server's --timeout 60 s" });
  assert.equal(moduleBudget({ controllerTimeoutMs: 10_000, controllerTimeoutSet: true, elapsedMs: 0, capMs: 60_000 }).ms, 8_000);
  const floor = moduleBudget({ controllerTimeoutMs: 3_000, controllerTimeoutSet: true, elapsedMs: 2_500 });
  assert.equal(floor.ms, 1_000);
  assert.match(floor.why, /, but never under 1 s;/);
  assert.equal(parseServiceTimeout('300'), 300_000);
  assert.equal(parseServiceTimeout(' 7 '), 7_000);
  assert.equal(parseServiceTimeout(undefined), undefined);
  assert.equal(parseServiceTimeout('soon'), undefined);
});

test('a request to the controller waits until half the margin is left (the other half is to connect again and send transaction-error), at least 1 s', () => {
  assert.equal(requestBudgetMs({ controllerTimeoutMs: 10_000, elapsedMs: 0 }), 9_000);
  assert.equal(requestBudgetMs({ controllerTimeoutMs: 10_000, elapsedMs: 8_500.4 }), 1_000);
  assert.equal(requestBudgetMs({ controllerTimeoutMs: 300_000, elapsedMs: 100_000 }), 185_000);
});

test('time spent before the modules start (their load, still under way) comes off their budget', async (t) => {
  const dir = tempDir();
  const gate = join(dir, 'gate');
  // The module's load waits for the gate file: the commit arrives while it loads.
  writeFiles(join(dir, 'modules'), {
    'stuck.ts': `import { existsSync } from 'node:fs';
await new Promise<void>((resolve) => { const i = setInterval(() => { if (existsSync(${JSON.stringify(gate)})) { clearInterval(i); resolve(); } }, 20); });
export const SERVICE = 'banner';
export function setup(): Promise<void> { return new Promise(() => {}); }
`,
  });
  const s = await sim(dir, { services: '<service-timeout>12</service-timeout>' });
  const server = startServer(['-F', '-l', 'o', '-d', '-s', s.path!, '-m', join(dir, 'modules'), '-p', join(dir, 'pid')]);
  stopAfter(t, dir, server, () => s);
  await server.waitFor(/waiting for services-commit/);
  const op = await Operator.connect(s.path!);
  t.after(() => op.close());
  await op.edit('<banner xmlns="urn:example:banner"><name>b</name><text>x</text></banner>');
  const from = server.lines.length;
  const tid = await op.commit();
  await server.waitFor(/<services-commit/, from);
  // The load takes at least HELD ms after the notification; a slower machine only adds to it.
  const HELD = 2_000;
  await new Promise((resolve) => setTimeout(resolve, HELD));
  writeFileSync(gate, '');
  const o = await op.outcome(tid);
  assert.equal(o.result, 'FAILED', JSON.stringify(o));
  // service-timeout 12 s less the 2 s margin is 10 s; at least HELD of it went on the load.
  const within = Number(/did not finish within ([\d.]+) s/.exec(o.reason ?? '')?.[1]);
  assert.ok(within <= (12_000 - 2_000 - HELD) / 1000, `budget ${within} s: ${o.reason}`);
  assert.match(o.reason ?? '', /the modules' time: services\/service-timeout 12 s, less 2 s kept for our answer, less [\d.]+ s spent before the modules started; raise services\/service-timeout/);
});

test("a module slower than the controller's service-timeout: our error naming it arrives first, the next commit is served", async (t) => {
  const dir = tempDir();
  writeFiles(join(dir, 'modules'), {
    'testsvc.ts': TESTSVC,
    'stuck.ts': "export const SERVICE = 'banner';\nexport function setup(): Promise<void> { return new Promise(() => {}); }\n",
  });
  // No sim override: the simulator waits what running says, as the controller does.
  const { op } = await startStack(t, dir);
  await op.edit('<service-timeout>6</service-timeout>');
  assert.equal((await op.outcome(await op.commit())).result, 'SUCCESS');

  const o = await op.apply('<banner xmlns="urn:example:banner"><name>b</name><text>x</text></banner>');
  assert.equal(o.result, 'FAILED');
  assert.equal(o.origin, 'tsapi', JSON.stringify(o));
  assert.match(o.reason ?? '', /Service module banner returned an error:\s+did not finish within [\d.]+ s and was stopped/);
  assert.match(o.reason ?? '', /stuck\.ts/);

  await op.discard();
  const next = await op.apply('<testsvc xmlns="urn:example:testsvc"><name>s1</name><params>p1</params></testsvc>');
  assert.equal(next.result, 'SUCCESS', JSON.stringify(next));
});
