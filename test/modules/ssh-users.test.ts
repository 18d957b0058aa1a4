// The ssh-users module (modules/ssh-users), run offline with the devkit as the server would run it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { readFileSync } from 'node:fs';
import { runService } from '../../src/devkit/index.ts';
import { registerListKeys } from '../../src/xml/index.ts';

const SSH_USERS = fileURLToPath(new URL('../../modules/ssh-users', import.meta.url));
const OC = 'http://openconfig.net/yang/system';
// The device's OpenConfig list key (its YANG is on the devices, not beside the module).
registerListKeys({ user: ['username'] });

interface User {
  name: string;
  key?: string;
  role: string;
}

const userXml = (u: User): string => `<user><username>${u.name}</username><config><username>${u.name}</username>${u.key ? `<ssh-key>${u.key}</ssh-key>` : ''}<role>${u.role}</role></config></user>`;
const userPath = (dev: string, name: string): string => `/devices/device[name="${dev}"]/config/system/aaa/authentication/users/user[username="${name}"]`;

/** The `admins` instance with `users`; dev1 and dev2 already holding `existing` (created by the instance). */
function config(users: User[], existing: User[] = []): string {
  const created = existing.length ? `<created>${['dev1', 'dev2'].flatMap((d) => existing.map((u) => `<path>${userPath(d, u.name)}</path>`)).join('')}</created>` : '';
  const svc = users.map((u) => `<username><name>${u.name}</name>${u.key ? `<ssh-key>${u.key}</ssh-key>` : ''}<role>${u.role}</role></username>`).join('');
  const sys = existing.length ? `<system xmlns="${OC}"><aaa><authentication><users>${existing.map(userXml).join('')}</users></authentication></aaa></system>` : '';
  const dev = (n: string): string => `<device><name>${n}</name><module-set><module><name>openconfig-system</name><namespace>${OC}</namespace></module></module-set><config>${sys}</config></device>`;
  return `<services xmlns="http://clicon.org/controller"><ssh-users xmlns="http://clicon.org/ssh-users"><instance>admins</instance>${svc}${created}</ssh-users></services><devices xmlns="http://clicon.org/controller">${dev('dev1')}${dev('dev2')}</devices>`;
}

const alice: User = { name: 'alice', key: 'AAAA', role: 'admin' };
const bob: User = { name: 'bob', role: 'operator' };

test('ssh-users: a new instance adds every user to every device (key `instance` read from the YANG beside the module)', async () => {
  const r = await runService(SSH_USERS, config([alice, bob]), { instance: 'ssh-users admins' });
  assert.deepEqual(r.entries.map((e) => e.raw), ["ssh-users[instance='admins']"]);
  assert.deepEqual([...r.diff.keys()], ['dev1', 'dev2']);
  assert.equal(
    r.diff.get('dev1'),
    [
      `+   <system xmlns="${OC}">`,
      '+      <aaa>',
      '+         <authentication>',
      '+            <users>',
      '+               <user>',
      '+                  <username>alice</username>',
      '+                  <config>',
      '+                     <username>alice</username>',
      '+                     <ssh-key>AAAA</ssh-key>',
      '+                     <role>admin</role>',
      '+                  </config>',
      '+               </user>',
      '+               <user>',
      '+                  <username>bob</username>',
      '+                  <config>',
      '+                     <username>bob</username>',
      '+                     <role>operator</role>',
      '+                  </config>',
      '+               </user>',
      '+            </users>',
      '+         </authentication>',
      '+      </aaa>',
      '+   </system>',
      '',
    ].join('\n'),
  );
  assert.equal((r.edits.join('').match(/cl:creator="ssh-users\[instance='admins'\]"/g) ?? []).length, 4);
});

test('ssh-users: a user removed from the instance goes from every device; the others stay', async () => {
  const r = await runService(SSH_USERS, config([alice], [alice, bob]), { instance: "ssh-users[instance='admins']" });
  const expected = [
    '            <users xmlns="http://openconfig.net/yang/system">',
    '-               <user>',
    '-                  <username>bob</username>',
    '-                  <config>',
    '-                     <username>bob</username>',
    '-                     <role>operator</role>',
    '-                  </config>',
    '-               </user>',
    '            </users>',
    '',
  ].join('\n');
  assert.equal(r.diff.get('dev1'), expected);
  assert.equal(r.diff.get('dev2'), expected);
});

test('ssh-users: a changed role shows as a leaf change under the user', async () => {
  const r = await runService(SSH_USERS, config([{ ...alice, role: 'operator' }], [alice]), { instance: 'ssh-users admins' });
  assert.equal(
    r.diff.get('dev1'),
    // The leaf sits at level 7: clixon pads `-<` to 7·3 columns, so 19 spaces follow the sign.
    [`${' '.repeat(18)}<config xmlns="${OC}">`, `-${' '.repeat(19)}<role>admin</role>`, `+${' '.repeat(19)}<role>operator</role>`, `${' '.repeat(18)}</config>`, ''].join('\n'),
  );
});

test('ssh-users: deleting the instance removes all its users', async () => {
  const r = await runService(SSH_USERS, config([alice, bob], [alice, bob]), { instance: 'ssh-users admins', delete: true });
  assert.match(r.diff.get('dev1')!, /^- {3}<system xmlns="http:\/\/openconfig.net\/yang\/system">\n/);
  assert.equal((r.diff.get('dev1')!.match(/^- +<user>$/gm) ?? []).length, 2);
  assert.deepEqual(r.edits, []);
});

test('ssh-users: the example config (test/modules/ssh-users.xml) adds alice to both devices', async () => {
  const cfg = readFileSync(fileURLToPath(new URL('./ssh-users.xml', import.meta.url)), 'utf8');
  const r = await runService(SSH_USERS, cfg, { instance: 'ssh-users admins' });
  assert.deepEqual([...r.diff.keys()], ['dev1', 'dev2']);
  assert.match(r.diff.get('dev2')!, /^\+ {18}<username>alice<\/username>$/m);
});

test('ssh-users: a user another instance defines is refused, naming both (they would fight over it, and deleting either removes it)', async () => {
  const both = config([alice]).replace('</ssh-users></services>', `</ssh-users><ssh-users xmlns="http://clicon.org/ssh-users"><instance>ops</instance><username><name>alice</name><role>operator</role></username></ssh-users></services>`);
  await assert.rejects(runService(SSH_USERS, both, { instance: 'ssh-users ops' }), /ssh-users ops and admins both define user alice: a user belongs to one instance/);
});
