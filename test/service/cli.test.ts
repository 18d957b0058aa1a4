/**
 * The server's process side: options and their errors, pid file lock, stop on SIGTERM as
 * a supervisor does it, detaching without -F, logging to a syslog socket.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { waitForFile } from '../deadline.ts';
import { cleanup, runServer, sim, startServer, stopAfter, syslogListener, syslogSkip, tempDir, TESTSVC, writeFiles } from './harness.ts';

test('-V prints the version; -h the options', async () => {
  const v = await runServer(['-V']);
  assert.equal(v.code, 0);
  assert.match(v.output, /^\d+\.\d+\.\d+$/m);
  const h = await runServer(['-h']);
  assert.equal(h.code, 0);
  for (const o of ['--configfile', '--modulepaths', '--modulefilter', '--debug', '--sockpath', '--pidfile', '--foreground', '--pp', '--log', '--version']) {
    assert.ok(h.output.includes(o), `${o} in help`);
  }
});

test('a missing module path, a missing config file, a bad option, a bad -l: message naming it, non-zero exit', async () => {
  const missing = await runServer(['-F', '-m', '/nonexistent/mods']);
  assert.notEqual(missing.code, 0);
  assert.match(missing.output, /\/nonexistent\/mods/);
  const cfg = await runServer(['-F', '-f', '/nonexistent/controller.xml']);
  assert.notEqual(cfg.code, 0);
  assert.match(cfg.output, /\/nonexistent\/controller\.xml/);
  assert.doesNotMatch(cfg.output, /use -e/);
  // The Python server's older docs give -f as the modules to exclude: such a value gets pointed to -e.
  const names = await runServer(['-F', '-f', 'mod1,mod2']);
  assert.notEqual(names.code, 0);
  assert.match(names.output, /configuration file mod1,mod2: does not exist \(-f takes the controller's configuration file, controller\.xml; to skip modules, use -e mod1,mod2\)/);
  const bad = await runServer(['-F', '--bogus']);
  assert.notEqual(bad.code, 0);
  assert.match(bad.output, /--bogus/);
  const log = await runServer(['-F', '-l', 'x', '-m', '.']);
  assert.notEqual(log.code, 0);
  assert.match(log.output, /-l/);
});

test('-f reads socket, module path, filter and pid file from controller.xml', async (t) => {
  const dir = tempDir();
  writeFiles(join(dir, 'modules'), { 'testsvc.ts': TESTSVC, 'skipped.ts': "export const SERVICE = 'x';\nexport function setup(): void {}\n" });
  const s = await sim(dir);
  writeFileSync(
    join(dir, 'controller.xml'),
    `<clixon-config xmlns="http://clicon.org/config">
  <CLICON_SOCK>${s.path}</CLICON_SOCK>
  <CLICON_SOCK_FAMILY>UNIX</CLICON_SOCK_FAMILY>
  <CONTROLLER_PYAPI_MODULE_PATH xmlns="http://clicon.org/controller-config">${join(dir, 'modules')}</CONTROLLER_PYAPI_MODULE_PATH>
  <CONTROLLER_PYAPI_MODULE_FILTER xmlns="http://clicon.org/controller-config">skipped</CONTROLLER_PYAPI_MODULE_FILTER>
  <CONTROLLER_PYAPI_PIDFILE xmlns="http://clicon.org/controller-config">${join(dir, 'server.pid')}</CONTROLLER_PYAPI_PIDFILE>
</clixon-config>`,
  );
  const server = startServer(['-F', '-l', 'o', '-f', join(dir, 'controller.xml')]);
  stopAfter(t, dir, server, () => s);
  await server.waitFor(/waiting for services-commit/);
  await server.waitFor(/modules loaded/);
  assert.ok(server.grep(/modules loaded: testsvc \(testsvc\)$/).length > 0, server.lines.join('\n'));
  assert.equal(readFileSync(join(dir, 'server.pid'), 'utf8').trim(), String(server.child.pid));
});

test('pid file: a second instance refuses; a stale one is taken over; SIGTERM stops cleanly and removes it', async (t) => {
  const dir = tempDir();
  writeFiles(join(dir, 'modules'), { 'testsvc.ts': TESTSVC });
  const pid = join(dir, 'server.pid');
  // A pid file of a process that is gone.
  writeFileSync(pid, '2147483646\n');
  const args = ['-F', '-l', 'o', '-s', join(dir, 'nobackend.sock'), '-m', join(dir, 'modules'), '-p', pid];
  // Run as a supervisor would: the pid it started is the server, in the foreground.
  const first = startServer(args);
  t.after(async () => {
    await first.stop();
    cleanup(dir);
  });
  await first.waitFor(/backend not reachable/);
  assert.equal(readFileSync(pid, 'utf8').trim(), String(first.child.pid));

  const second = await runServer(args);
  assert.notEqual(second.code, 0);
  assert.match(second.output, new RegExp(`pid ${first.child.pid}.*${pid.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));

  first.child.kill('SIGTERM');
  assert.equal(await first.exited, 0);
  assert.ok(!existsSync(pid));
  assert.ok(first.grep(/SIGTERM/).length > 0);
});

test('without -F the server detaches: the command returns, the background server holds the pid file', async (t) => {
  const dir = tempDir();
  writeFiles(join(dir, 'modules'), { 'testsvc.ts': TESTSVC });
  const pid = join(dir, 'server.pid');
  const r = await runServer(['-l', 'o', '-s', join(dir, 'nobackend.sock'), '-m', join(dir, 'modules'), '-p', pid]);
  assert.equal(r.code, 0);
  assert.match(r.output, /background/);
  let bgPid = 0;
  t.after(() => {
    if (bgPid) {
      try {
        process.kill(bgPid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    cleanup(dir);
  });
  await waitForFile(pid);
  bgPid = Number(readFileSync(pid, 'utf8').trim());
  assert.ok(bgPid > 0);
  process.kill(bgPid, 0);
  process.kill(bgPid, 'SIGTERM');
  await waitForFile(pid, false);
  bgPid = 0;
});

test('-l s reaches the system log socket', { skip: syslogSkip }, async (t) => {
  const dir = tempDir();
  writeFiles(join(dir, 'modules'), { 'testsvc.ts': TESTSVC });
  const sock = join(dir, 'log.sock');
  const syslog = await syslogListener(t, sock);
  const server = startServer(['-F', '-l', 's', '-s', join(dir, 'nobackend.sock'), '-m', join(dir, 'modules'), '-p', join(dir, 'pid')], {
    CLIXON_TSAPI_SYSLOG_SOCKET: sock,
  });
  t.after(async () => {
    await server.stop();
    cleanup(dir);
  });
  await syslog.until('modules loaded', (m) => m.some((x) => /clixon_server\[\d+\]: .*modules loaded/.test(x)));
  assert.match(syslog.messages.join('\n'), /<30>.*clixon_server\[\d+\]: .*modules loaded: testsvc/);
  // Nothing of it on stdout.
  assert.equal(server.grep(/modules loaded/).length, 0);
});
