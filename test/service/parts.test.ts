/**
 * The server's small parts: config narrowing, transaction-error wording,
 * controller.xml reading, the pid file lock.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { failureReason, matchingModules, narrowing } from '../../src/service/server.ts';
import { readControllerConfig, ConfigFileError } from '../../src/service/config.ts';
import { acquirePidFile, PidFileLockedError } from '../../src/service/pidfile.ts';
import { parseServiceEntry } from '../../src/service/runner.ts';

const mod = (service: string, xpath?: string, namespaces?: Record<string, string>) => ({
  file: `/m/${service}.ts`,
  name: service,
  service,
  hooks: [],
  ...(xpath ? { xpath } : {}),
  ...(namespaces ? { namespaces } : {}),
});

test('narrowing: union of the modules’ XPaths with their namespaces; any module without one reads all', () => {
  assert.deepEqual(narrowing([mod('a', '/c:services/a:a', { c: 'C', a: 'A' }), mod('b', '/c:devices', { c: 'C' })]), {
    xpath: '/c:services/a:a | /c:devices',
    namespaces: { c: 'C', a: 'A' },
  });
  assert.deepEqual(narrowing([mod('a', '/x'), mod('b')]), { xpath: '/', namespaces: {} });
  assert.deepEqual(narrowing([]), { xpath: '/', namespaces: {} });
});

test('matchingModules: listed services only; none listed means all', () => {
  const mods = [mod('a'), mod('b')];
  assert.deepEqual(matchingModules(mods, [parseServiceEntry("b[name='x']")]).map((m) => m.service), ['b']);
  assert.deepEqual(matchingModules(mods, []).map((m) => m.service), ['a', 'b']);
});

test('failureReason: worded like the Python server, naming module, file, function and instance', () => {
  assert.equal(
    failureReason({ kind: 'module', service: 'testsvc', file: '/m/t.ts', fn: 'setup', instance: 'boom', message: 'boom requested' }),
    '\nService module testsvc returned an error:\n\nboom requested\n(setup in /m/t.ts for instance boom)',
  );
  assert.match(failureReason({ kind: 'broken', service: 's', file: '/m/s.ts', message: '/m/s.ts:3:5: ERROR' }), /^\nService module s failed to load:\n\n\/m\/s\.ts:3:5/);
});

test('readControllerConfig: options by local name in any namespace; errors name the file', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'tsapi-cfg-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const f = join(dir, 'controller.xml');
  writeFileSync(
    f,
    `<clixon-config xmlns="http://clicon.org/config"><CLICON_SOCK>/run/c.sock</CLICON_SOCK><CLICON_SOCK_FAMILY>IPv4</CLICON_SOCK_FAMILY><CLICON_SOCK_PORT>4535</CLICON_SOCK_PORT>
<CONTROLLER_PYAPI_MODULE_PATH xmlns="http://clicon.org/controller-config">/m</CONTROLLER_PYAPI_MODULE_PATH>
<CONTROLLER_PYAPI_MODULE_FILTER xmlns="http://clicon.org/controller-config">a, b</CONTROLLER_PYAPI_MODULE_FILTER>
<CONTROLLER_PYAPI_PIDFILE xmlns="http://clicon.org/controller-config">/run/s.pid</CONTROLLER_PYAPI_PIDFILE></clixon-config>`,
  );
  assert.deepEqual(readControllerConfig(f), {
    sock: '/run/c.sock',
    sockFamily: 'IPv4',
    sockPort: 4535,
    modulePath: '/m',
    moduleFilter: ['a', 'b'],
    pidFile: '/run/s.pid',
  });
  writeFileSync(f, '<clixon-config><CLICON_SOCK>');
  assert.throws(() => readControllerConfig(f), (e: unknown) => e instanceof ConfigFileError && e.message.includes(f));
});

test('acquirePidFile: writes the pid, refuses a live holder, takes over a dead one, releases', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'tsapi-pid-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const f = join(dir, 's.pid');
  const release = acquirePidFile(f);
  assert.equal(readFileSync(f, 'utf8').trim(), String(process.pid));
  // process.ppid is alive and not us: as if another server held it.
  writeFileSync(f, `${process.ppid}\n`);
  assert.throws(() => acquirePidFile(f), PidFileLockedError);
  writeFileSync(f, '2147483646\n');
  const again = acquirePidFile(f);
  assert.equal(readFileSync(f, 'utf8').trim(), String(process.pid));
  again();
  assert.ok(!existsSync(f));
  release();
});
