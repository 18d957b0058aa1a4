/**
 * The controller's YANG folders read from controller.xml (what the server's --validate
 * adds to --yang): every CLICON_YANG_DIR, then the main and the domain folder.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readControllerConfig } from '../../src/service/config.ts';

test('readControllerConfig: the YANG folders, CLICON_YANG_DIR repeated', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'tsapi-cfg-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const f = join(dir, 'controller.xml');
  writeFileSync(
    f,
    `<clixon-config xmlns="http://clicon.org/config"><CLICON_YANG_DIR>/usr/local/share/clixon</CLICON_YANG_DIR><CLICON_YANG_DIR>/usr/local/share/controller/main</CLICON_YANG_DIR>
<CLICON_YANG_MAIN_DIR>/usr/local/share/controller/main</CLICON_YANG_MAIN_DIR><CLICON_YANG_DOMAIN_DIR>/usr/local/share/controller/mounts</CLICON_YANG_DOMAIN_DIR></clixon-config>`,
  );
  assert.deepEqual(readControllerConfig(f).yangDirs, [
    '/usr/local/share/clixon',
    '/usr/local/share/controller/main',
    '/usr/local/share/controller/main',
    '/usr/local/share/controller/mounts',
  ]);
  writeFileSync(f, '<clixon-config xmlns="http://clicon.org/config"><CLICON_SOCK>/s</CLICON_SOCK></clixon-config>');
  assert.equal(readControllerConfig(f).yangDirs, undefined);
});
