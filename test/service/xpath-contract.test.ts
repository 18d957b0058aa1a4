/**
 * SERVICE_XPATH is checked when the module loads: on the real controller a step or key
 * without a prefix matches nothing, so a narrowed read would find no instance, the module
 * would create nothing and the controller would remove the service's device config.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkModule, xpathProblems } from '../../src/service/module.ts';

const NS = { ts: 'urn:example:testsvc', ex: 'urn:example:clixon' };

test('prefixed paths pass; the controller steps need none from the author', () => {
  assert.deepEqual(xpathProblems('/services', {}), []);
  assert.deepEqual(xpathProblems("/services/ts:testsvc[ts:name='a'] | /devices/device/name", NS), []);
  assert.deepEqual(xpathProblems("/devices/device[name='r1']/config/ex:table", NS), []);
});

test('an unprefixed step or key, or an undeclared prefix, is named', () => {
  assert.match(xpathProblems('/services/testsvc', NS).join('\n'), /'testsvc' in \/ctrl:services\/testsvc has no prefix/);
  assert.match(xpathProblems("/services/ts:testsvc[name='a']", NS).join('\n'), /'name' .* has no prefix/);
  assert.match(xpathProblems('/devices/device/config/table', NS).join('\n'), /'table' .* has no prefix/);
  assert.match(xpathProblems('/services/x:svc', NS).join('\n'), /prefix 'x' of x:svc is not declared/);
});

test('a module with such a SERVICE_XPATH is refused at load with the reason', () => {
  const r = checkModule({ SERVICE: 'testsvc', setup: () => undefined, SERVICE_XPATH: '/services/testsvc' });
  assert.ok(Array.isArray(r));
  assert.match(r.join('\n'), /has no prefix/);
  const ok = checkModule({ SERVICE: 'testsvc', setup: () => undefined, SERVICE_XPATH: '/services/ts:testsvc', SERVICE_NAMESPACES: NS });
  assert.ok(!Array.isArray(ok));
});
