/**
 * The modules' time limit follows the controller's own wait (services/service-timeout, else
 * its built-in 10 s) less a margin, so a slow module's transaction-error, naming it, is what
 * the user sees instead of the controller's generic timeout.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { answerMarginMs, CONTROLLER_SERVICE_TIMEOUT_DEFAULT_MS, moduleBudgetMs, parseServiceTimeout, requestBudgetMs } from '../../src/service/deadline.ts';
import { startStack, tempDir, TESTSVC, writeFiles } from './harness.ts';

test('the budgets: the controller wait less the margin (modules) or half of it (requests) and the time already spent, modules capped by --timeout, at least 1 s', () => {
  assert.equal(CONTROLLER_SERVICE_TIMEOUT_DEFAULT_MS, 10_000);
  assert.equal(answerMarginMs(10_000), 2_000);
  assert.equal(answerMarginMs(300_000), 30_000);
  assert.equal(moduleBudgetMs({ controllerTimeoutMs: 10_000, elapsedMs: 0 }), 8_000);
  assert.equal(moduleBudgetMs({ controllerTimeoutMs: 10_000, elapsedMs: 500 }), 7_500);
  assert.equal(moduleBudgetMs({ controllerTimeoutMs: 300_000, elapsedMs: 0, capMs: 60_000 }), 60_000);
  assert.equal(moduleBudgetMs({ controllerTimeoutMs: 10_000, elapsedMs: 0, capMs: 60_000 }), 8_000);
  assert.equal(moduleBudgetMs({ controllerTimeoutMs: 3_000, elapsedMs: 2_500 }), 1_000);
  // A request waits until half the margin is left: the other half is to connect again and send transaction-error.
  assert.equal(requestBudgetMs({ controllerTimeoutMs: 10_000, elapsedMs: 0 }), 9_000);
  assert.equal(requestBudgetMs({ controllerTimeoutMs: 10_000, elapsedMs: 8_500.4 }), 1_000);
  assert.equal(requestBudgetMs({ controllerTimeoutMs: 300_000, elapsedMs: 100_000 }), 185_000);
  assert.equal(parseServiceTimeout('300'), 300_000);
  assert.equal(parseServiceTimeout(' 7 '), 7_000);
  assert.equal(parseServiceTimeout(undefined), undefined);
  assert.equal(parseServiceTimeout('soon'), undefined);
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
