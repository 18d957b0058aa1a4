/**
 * RPC builders: each message equals what clixon-pyapi sent the real controller (the
 * recordings), values are escaped so none can inject XML, and the reply helpers.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { defaultUser, replyOk, replyTid, rpc } from '../../src/netconf/index.ts';
import { controllerXpath } from '../../src/netconf/rpc.ts';
import { parseString, type XmlNode } from '../../src/xml/index.ts';
import { WIRE } from '../wire.ts';

const recorded = new Set<string>();
for (const f of ['session-pyapi.jsonl', 'session-client.jsonl', 'session-client-templates.jsonl', 'session-extra.jsonl']) {
  for (const line of readFileSync(join(WIRE, f), 'utf8').split('\n')) {
    if (!line) continue;
    const m = JSON.parse(line) as { from: string; xml: string };
    if (m.from === 'client') recorded.add(m.xml);
  }
}

/** Attribute order inside start tags does not matter to XML: sort it to compare. */
function canonical(xml: string): string {
  return xml.replace(/<([\w:.-]+)((?:\s+[\w:.-]+="[^"]*")*)\s*(\/?)>/g, (_m, name: string, attrs: string, slash: string) => {
    const list = attrs.match(/[\w:.-]+="[^"]*"/g) ?? [];
    return `<${name}${list.sort().map((a) => ` ${a}`).join('')}${slash}>`;
  });
}

const u = { user: 'root' };
const reason = '\nService module testsvc returned an error:\n\nboom requested';

describe('builders match the recorded messages exactly', () => {
  const cases: [string, string][] = [
    ['hello', rpc.hello(u)],
    ['create-subscription services-commit', rpc.createSubscription({ ...u, stream: 'services-commit' })],
    ['create-subscription controller-transaction', rpc.createSubscription({ ...u, stream: 'controller-transaction' })],
    ['transactions query by tid', rpc.transactionsQuery({ ...u, tid: 3 })],
    ['transactions query, tid as string', rpc.transactionsQuery({ ...u, tid: '12' })],
    ['get-config actions', rpc.getConfig({ ...u, source: 'actions' })],
    ['get-config running', rpc.getConfig({ ...u, source: 'running', xpath: '/' })],
    ['get-config running /services (ctrl: prefix added)', rpc.getConfig({ ...u, source: 'running', xpath: '/services' })],
    ['devices state query', rpc.devicesQuery(u)],
    ['lock', rpc.lock(u)],
    ['unlock', rpc.unlock({ ...u, target: 'candidate' })],
    ['datastore-diff compare', rpc.datastoreDiff({ ...u, format: 'text', dsref1: 'ds:running', dsref2: 'ds:candidate' })],
    ['datastore-diff transient', rpc.datastoreDiff({ ...u, device: '*', configType1: 'TRANSIENT', configType2: 'RUNNING' })],
    ['datastore-diff running/actions', rpc.datastoreDiff({ ...u, configType1: 'RUNNING', configType2: 'ACTIONS' })],
    ['discard-changes', rpc.discardChanges(u)],
    ['close-session', rpc.closeSession(u)],
    ['commit', rpc.commit(u)],
    ['controller-commit push', rpc.controllerCommit({ ...u, push: 'COMMIT' })],
    ['config-pull dev1', rpc.configPull({ ...u, device: 'dev1' })],
    ['config-pull transient', rpc.configPull({ ...u, transient: true })],
    ['connection-change', rpc.connectionChange({ ...u, operation: 'OPEN', device: 'dev1' })],
    ['transaction-actions-done with services', rpc.transactionActionsDone({ ...u, tid: 9, services: ['testsvc'] })],
    ['transaction-actions-done, all', rpc.transactionActionsDone({ ...u, tid: 11n })],
    ['transaction-error', rpc.transactionError({ ...u, tid: 5, origin: 'pyapi', reason })],
    ['device-template-apply CONFIG', rpc.deviceTemplateApply({ ...u, device: 'dev1', template: 'param', variables: { NAME: 'tp1', VALUE: 'tv1' } })],
    ['device-template-apply RPC', rpc.deviceTemplateApply({ ...u, type: 'RPC', device: 'dev1', template: 'stats', variables: { MODULES: 'false' } })],
    ['device-rpc-result', rpc.deviceRpcResult({ ...u, tid: 30 })],
    ['edit-config candidate', rpc.editConfig({ ...u, target: 'candidate', config: '<devices xmlns="http://clicon.org/controller"/>' })],
  ];
  for (const [name, xml] of cases) {
    it(name, () => assert.ok(recorded.has(xml), `not in the recordings:\n${xml}`));
  }

  it('controller-commit applying a service, with the header it was recorded with', () => {
    const xml = rpc.controllerCommit({ ...u, header: 'base', actions: 'FORCE', serviceInstance: "testsvc[service-name='s2']", source: 'ds:candidate' });
    assert.ok(recorded.has(xml), `not in the recordings:\n${xml}`);
  });

  it('controller-commit applying a service: same elements; header as the recorded push', () => {
    // pyapi opened this one with another attribute order and without the (unused) nc prefix.
    const xml = rpc.controllerCommit({ ...u, actions: 'FORCE', serviceInstance: "testsvc[service-name='s2']", source: 'ds:candidate' });
    const want = [...recorded].find((r) => r.includes('<service-instance>')) as string;
    const nc = / xmlns:nc="[^"]*"/;
    assert.equal(canonical(xml.replace(nc, '')), canonical(want));
  });

  it('edit-config with a 1 MB body (the recorded script client) and to actions (the server)', () => {
    const body = (r: string): string => /<config>(.*)<\/config><\/edit-config>/s.exec(r)?.[1] as string;
    const big = [...recorded].find((r) => r.includes('<edit-config><target><candidate/>') && r.length > 1e6) as string;
    assert.equal(rpc.editConfig({ ...u, target: 'candidate', config: body(big) }), big);
    const actions = [...recorded].filter((r) => r.includes('<edit-config><target><actions'));
    assert.ok(actions.length > 3, `${actions.length} recorded edit-configs to actions`);
    for (const r of actions) assert.equal(rpc.editConfig({ ...u, target: 'actions', config: body(r) }), r);
  });
});

describe('escaping', () => {
  const evil = `a"b'c<d>e&f\tg\nh\ri</rpc><kill-session/>`;

  function parse(xml: string): XmlNode {
    return parseString(xml).child('rpc') as XmlNode;
  }

  it('text values come back as given and add no element', () => {
    const r = parse(rpc.transactionError({ user: evil, tid: 1, origin: evil, reason: evil }));
    const te = r.child('transaction-error') as XmlNode;
    assert.equal(te.child('origin')?.getData(), evil);
    assert.equal(te.child('reason')?.getData(), evil);
    assert.deepEqual(
      te.getChildren().map((c) => c.getName()),
      ['tid', 'origin', 'reason'],
    );
    assert.equal(r.getChildren().length, 1);
  });

  it('attribute values (user, xpath, namespace URIs) come back as given', () => {
    const r = parse(rpc.getConfig({ user: evil, source: 'running', xpath: `/a[b=${evil}]`, namespaces: { x: evil } }));
    assert.equal(r.getAttribute('username'), evil);
    const filter = r.child('get-config')?.child('nc:filter') ?? r.child('get-config')?.getChildren()[1];
    assert.equal(filter?.getAttribute('nc:select'), `/a[b=${evil}]`);
    assert.equal(filter?.getAttribute('xmlns:x'), evil);
  });

  it('every builder escapes its string options', () => {
    const all = [
      rpc.createSubscription({ user: evil, stream: evil }),
      rpc.controllerCommit({ user: evil, device: evil, source: evil, serviceInstance: evil }),
      rpc.configPull({ user: evil, deviceGroup: evil }),
      rpc.connectionChange({ user: evil, operation: 'CLOSE', device: evil }),
      rpc.transactionActionsDone({ user: evil, tid: 1, services: [evil, evil] }),
      rpc.datastoreDiff({ user: evil, xpath: evil, dsref1: evil, dsref2: evil }),
      rpc.deviceTemplateApply({ user: evil, deviceGroup: evil, template: evil, variables: { [evil]: evil } }),
      rpc.get({ user: evil, xpath: evil, namespaces: { p: evil } }),
      rpc.hello({ user: evil, transport: evil }),
    ];
    for (const xml of all) {
      const top = parseString(xml).getChildren();
      assert.equal(top.length, 1);
      assert.ok(!xml.includes('<kill-session/>'), xml);
    }
  });

  it('names that become markup must be XML names', () => {
    assert.throws(() => rpc.getConfig({ source: 'running', namespaces: { 'x="y"': 'u' } }), TypeError);
    assert.throws(() => rpc.lock({ target: 'candidate/><kill-session' as 'candidate' }), TypeError);
    assert.throws(() => rpc.transactionsQuery({ tid: "1']|//*[x='" }), TypeError);
  });

  it('characters XML cannot carry are refused, not sent', () => {
    assert.throws(() => rpc.transactionError({ tid: 1, reason: 'a\u0000b' }), TypeError);
    assert.throws(() => rpc.createSubscription({ stream: 'x\u001b' }), TypeError);
  });

  it('xmlCarriable makes relayed text sendable: only the characters XML cannot carry change', () => {
    const reason = rpc.xmlCarriable('\u001b[31mboom\u001b[0m <b> & \ud800 ok');
    assert.equal(reason, '\ufffd[31mboom\ufffd[0m <b> & \ufffd ok');
    const sent = parseString(rpc.transactionError({ ...u, tid: 7, origin: 'tsapi', reason })).find('rpc/transaction-error/reason')!.getData();
    assert.equal(sent, reason);
  });

  it('device and device-group exclude each other; template and inline too', () => {
    assert.throws(() => rpc.configPull({ device: 'a', deviceGroup: 'g' }), TypeError);
    assert.throws(() => rpc.deviceTemplateApply({ device: 'a' }), TypeError);
    assert.throws(() => rpc.deviceTemplateApply({ device: 'a', template: 't', inline: '<x/>' }), TypeError);
  });
});

describe('controllerXpath', () => {
  it("prefixes the controller's own steps down to a device's config, keys included, each union branch alone", () => {
    const cases: [string, string][] = [
      ['/', '/'],
      ['/devices', '/ctrl:devices'],
      ['/services/ts:testsvc', '/ctrl:services/ts:testsvc'],
      ['/devices/device/name', '/ctrl:devices/ctrl:device/ctrl:name'],
      ["/devices/device[name='dev1']/config/ex:table", "/ctrl:devices/ctrl:device[ctrl:name='dev1']/ctrl:config/ex:table"],
      ['/devices/device-group/name', '/ctrl:devices/ctrl:device-group/ctrl:name'],
      ['/services/ts:x | /devices/device/name', '/ctrl:services/ts:x | /ctrl:devices/ctrl:device/ctrl:name'],
      ['/ctrl:devices/ctrl:device', '/ctrl:devices/ctrl:device'],
      ['/devices/device/config/table', '/ctrl:devices/ctrl:device/ctrl:config/table'],
      ['/system', '/system'],
      ["/devices/device[name='a/b']/config/x:y", "/ctrl:devices/ctrl:device[ctrl:name='a/b']/ctrl:config/x:y"],
      ['/devices/device[name="r/1"]/config/x:y/x:z', '/ctrl:devices/ctrl:device[ctrl:name="r/1"]/ctrl:config/x:y/x:z'],
    ];
    for (const [given, sent] of cases) assert.equal(controllerXpath(given), sent, given);
  });
});

describe('other builders', () => {
  it('the user defaults as getpass.getuser(): LOGNAME, USER, LNAME, USERNAME, then the account', (t) => {
    const saved = Object.fromEntries(['LOGNAME', 'USER', 'LNAME', 'USERNAME'].map((k) => [k, process.env[k]]));
    t.after(() => {
      for (const [k, v] of Object.entries(saved)) {
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
      }
    });
    for (const k of Object.keys(saved)) delete process.env[k];
    assert.equal(defaultUser(), os.userInfo().username);
    process.env.USERNAME = 'from-username';
    assert.equal(defaultUser(), 'from-username');
    process.env.LNAME = 'from-lname';
    assert.equal(defaultUser(), 'from-lname');
    process.env.USER = 'from-user';
    assert.equal(defaultUser(), 'from-user');
    process.env.LOGNAME = 'sudo-e-user';
    assert.equal(defaultUser(), 'sudo-e-user');
    assert.ok(rpc.commit().includes('username="sudo-e-user"'));
  });

  it('device-template-apply to a group with an inline template', () => {
    const r = parseString(rpc.deviceTemplateApply({ user: 'u', deviceGroup: 'g1', inline: '<table xmlns="urn:x"/>' })).child('rpc') as XmlNode;
    const apply = r.child('device-template-apply') as XmlNode;
    assert.deepEqual(
      apply.getChildren().map((c) => c.getName()),
      ['type', 'device-group', 'inline'],
    );
    assert.equal(apply.child('inline')?.child('config')?.child('table')?.getAttribute('xmlns'), 'urn:x');
  });

  it('get with content and with-defaults, and without either', () => {
    assert.match(rpc.get({ user: 'u', content: 'config', withDefaults: 'trim' }), /<get cl:content="config" xmlns:cl="http:\/\/clicon.org\/lib"><with-defaults xmlns="[^"]+">trim<\/with-defaults><\/get>/);
    assert.match(rpc.get({ user: 'u' }), /<get><\/get><\/rpc>$/);
  });

  it('all transactions when no tid', () => {
    assert.match(rpc.transactionsQuery({ user: 'u' }), /nc:select="co:transactions"/);
  });
});

describe('reply helpers', () => {
  it('replyTid and replyOk read the recorded replies', () => {
    const tid = parseString('<rpc-reply xmlns="urn:ietf:params:xml:ns:netconf:base:1.0"><tid xmlns="http://clicon.org/controller">15</tid></rpc-reply>').child('rpc-reply') as XmlNode;
    const ok = parseString('<rpc-reply xmlns="urn:ietf:params:xml:ns:netconf:base:1.0"><ok/></rpc-reply>').child('rpc-reply') as XmlNode;
    assert.equal(replyTid(tid), '15');
    assert.equal(replyTid(ok), undefined);
    assert.equal(replyOk(ok), true);
    assert.equal(replyOk(tid), false);
  });
});
