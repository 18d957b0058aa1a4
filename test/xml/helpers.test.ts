/**
 * Helpers: service instances, devices, groups, values, properties, creator tags, the
 * vendor interface-address lookups, and list-entry keys.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  element,
  entryKey,
  getData,
  getDevice,
  getDeviceConfig,
  getDevices,
  getDevicesFromGroup,
  getJunosInterfaceAddress,
  getListKeys,
  getOpenconfigInterfaceAddress,
  getProperties,
  getServiceInstance,
  getServiceInstances,
  getValue,
  isJuniper,
  MissingValueError,
  parseInstanceRef,
  parseString,
  registerListKeys,
  setCreatorAttributes,
} from '../../src/xml/index.ts';

const JUNOS = 'http://yang.juniper.net/junos/conf/root';
const root = parseString(
  '<services xmlns="http://clicon.org/controller">' +
    '<testsvc xmlns="urn:example:test"><name>s1</name><params>a</params></testsvc>' +
    '<testsvc xmlns="urn:example:test"><name>s2</name></testsvc>' +
    '<ssh-users><service-name>u1</service-name></ssh-users>' +
    '<legacy><instance>i1</instance></legacy>' +
    '<keyed><id>7</id></keyed>' +
    '<properties><bgp><as-number>65000</as-number><router-id>1.1.1.1</router-id></bgp></properties>' +
    '</services>' +
    '<devices xmlns="http://clicon.org/controller">' +
    `<device><name>j1</name><config><configuration xmlns="${JUNOS}"><interfaces>` +
    '<interface><name>ge-0/0/0</name><unit><name>0</name><family>' +
    '<inet><address><name>10.0.0.1/24</name><primary/></address><address><name>10.0.0.2/24</name></address></inet>' +
    '<inet6><address><name>2001:db8::1/64</name><primary/></address></inet6>' +
    '</family></unit></interface></interfaces></configuration></config></device>' +
    '<device><name>c1</name><config><system/></config></device>' +
    '<device-group><name>core</name><device-name>j1</device-name><device-group>edge</device-group></device-group>' +
    '<device-group><name>edge</name><device-name>c1</device-name><device-name>j1</device-name><device-group>core</device-group></device-group>' +
    '</devices>',
);

test('parseInstanceRef: the one reader of svc[key=value] for entries, creator tags and lookups', () => {
  assert.deepEqual(parseInstanceRef("testsvc[name='s1']"), { service: 'testsvc', key: 'name', instance: 's1' });
  assert.deepEqual(parseInstanceRef(' ssh-users[ts:instance="a b"] '), { service: 'ssh-users', key: 'instance', instance: 'a b' });
  assert.deepEqual(parseInstanceRef("svc[name='x]y']"), { service: 'svc', key: 'name', instance: 'x]y' });
  assert.equal(parseInstanceRef('testsvc'), undefined);
  assert.equal(parseInstanceRef("testsvc[name='s1\"]"), undefined);
});

test('getServiceInstance: the controller form names its key', () => {
  assert.equal(getServiceInstance(root, "testsvc[name='s2']")?.name?.getData(), 's2');
  assert.equal(getServiceInstance(root, 'testsvc[name="s1"]')?.params?.getData(), 'a');
  assert.equal(getServiceInstance(root, "ssh-users[service-name='u1']")?.getName(), 'ssh-users');
  assert.equal(getServiceInstance(root, "testsvc[name='s9']"), undefined);
  assert.equal(getServiceInstance(root, "keyed[id='7']")?.id?.getData(), '7');
  assert.equal(getServiceInstance(root, "test:testsvc[test:name='s2']")?.name?.getData(), 's2');
});

test('getServiceInstance: service and instance, by registered key or the usual names', () => {
  assert.equal(getServiceInstance(root, 'testsvc', 's1')?.name?.getData(), 's1');
  assert.equal(getServiceInstance(root, 'ssh-users', 'u1')?.getName(), 'ssh-users');
  assert.equal(getServiceInstance(root, 'legacy', 'i1')?.getName(), 'legacy');
  assert.equal(getServiceInstance(root, 'keyed', '7'), undefined);
  registerListKeys({ keyed: ['id'] });
  assert.equal(getServiceInstance(root, 'keyed', '7')?.getName(), 'keyed');
  assert.equal(getServiceInstance(root, 'testsvc'), undefined);
});

test('getServiceInstances lists every instance', () => {
  assert.deepEqual(getServiceInstances(root, 'testsvc').map((s) => s.name?.getData()), ['s1', 's2']);
  assert.deepEqual(getServiceInstances(root, 'nope'), []);
  assert.deepEqual(getServiceInstances(parseString('<devices/>'), 'testsvc'), []);
});

test('getDevices, getDevice, getDeviceConfig', () => {
  assert.deepEqual(getDevices(root).map((d) => d.name?.getData()), ['j1', 'c1']);
  assert.equal(getDevice(root, 'c1')?.config?.system?.getName(), 'system');
  assert.equal(getDevice(root, 'zz'), undefined);
  assert.equal(getDeviceConfig(root, 'c1')?.system?.getName(), 'system');
  assert.equal(getDeviceConfig(root)?.configuration?.getName(), 'configuration');
  assert.deepEqual(getDevices(parseString('<services/>')), []);
});

test('getDevicesFromGroup follows nested groups once', () => {
  assert.deepEqual(getDevicesFromGroup(root, 'core'), ['j1', 'c1']);
  assert.deepEqual(getDevicesFromGroup(root, 'edge'), ['c1', 'j1']);
  assert.deepEqual(getDevicesFromGroup(root, 'none'), []);
});

test('getValue / getData: value, default, required, missing', () => {
  const dev = getDevice(root, 'j1')!;
  assert.equal(getValue(dev, 'name', { required: true }), 'j1');
  assert.equal(getValue(dev, 'description'), undefined);
  assert.equal(getValue(dev, 'description', { default: 'none' }), 'none');
  assert.throws(() => getValue(dev, 'description', { required: true }), (e: unknown) => e instanceof MissingValueError && e.message === 'Value description must be configured');
  assert.equal(getData(dev, 'name'), 'j1');
  const s = root.services!.ssh_users!;
  assert.equal(getValue(s, 'service_name'), 'u1');
});

test('getProperties gives both name forms', () => {
  assert.deepEqual(getProperties(root, 'bgp'), { 'as-number': '65000', as_number: '65000', 'router-id': '1.1.1.1', router_id: '1.1.1.1' });
  assert.equal(getProperties(root, 'none'), undefined);
});

test('setCreatorAttributes tags a node for the controller', () => {
  const el = element('parameter');
  setCreatorAttributes(el, "testsvc[name='s1']");
  assert.deepEqual(el.getAttributes(), { 'cl:creator': "testsvc[name='s1']", 'nc:operation': 'create', 'xmlns:cl': 'http://clicon.org/lib' });
  assert.ok(el.isModified());
  const legacy = element('x');
  setCreatorAttributes(legacy, 'ssh-users', 'u1', { operation: 'merge' });
  assert.equal(legacy.getAttribute('cl:creator'), "ssh-users[service-name='u1']");
  assert.equal(legacy.getAttribute('nc:operation'), 'merge');
  registerListKeys({ testsvc: ['name'] });
  const keyed = element('x', { attributes: { xmlns: 'urn:a' } });
  setCreatorAttributes(keyed, 'testsvc', 's2');
  assert.equal(keyed.dumps(), '<x xmlns="urn:a" cl:creator="testsvc[name=\'s2\']" nc:operation="create" xmlns:cl="http://clicon.org/lib"/>');
  setCreatorAttributes(keyed, 'svc', 'v', { key: 'id' });
  assert.equal(keyed.getAttribute('cl:creator'), "svc[id='v']");
});

test('isJuniper looks at the configuration namespace', () => {
  assert.ok(isJuniper(getDevice(root, 'j1')!));
  assert.ok(!isJuniper(getDevice(root, 'c1')!));
});

test('getJunosInterfaceAddress: primary only by default, inet6, missing', () => {
  assert.deepEqual(getJunosInterfaceAddress(root, 'j1', 'ge-0/0/0', '0'), ['10.0.0.1/24']);
  assert.deepEqual(getJunosInterfaceAddress(root, 'j1', 'ge-0/0/0', '0', 'inet', false), ['10.0.0.1/24', '10.0.0.2/24']);
  assert.deepEqual(getJunosInterfaceAddress(root, 'j1', 'ge-0/0/0', '0', 'inet6'), ['2001:db8::1/64']);
  assert.equal(getJunosInterfaceAddress(root, 'j1', 'ge-0/0/0', '9'), undefined);
  assert.equal(getJunosInterfaceAddress(root, 'c1', 'ge-0/0/0', '0'), undefined);
});

test('getOpenconfigInterfaceAddress: first address of the unit, any device or one', () => {
  assert.equal(getOpenconfigInterfaceAddress(root, 'ge-0/0/0', '0', 'j1'), '10.0.0.1/24');
  assert.equal(getOpenconfigInterfaceAddress(root, 'ge-0/0/0', '0'), '10.0.0.1/24');
  assert.equal(getOpenconfigInterfaceAddress(root, 'ge-0/0/0', '0', '', 'inet6'), '2001:db8::1/64');
  assert.equal(getOpenconfigInterfaceAddress(root, 'ge-0/0/0', '0', 'c1'), '');
});

test('entryKey: registered keys, else name, leaf text, container empty', () => {
  const t = parseString(
    '<r><route><prefix>10/8</prefix><vrf>a</vrf><hop>x</hop></route><user><name>bob</name><uid>1</uid></user>' +
      '<param>v1</param><box><c/></box><cl:thing xmlns:cl="u"><k>1</k></cl:thing></r>',
  );
  registerListKeys({ route: ['vrf', 'prefix'], thing: ['k'] });
  assert.deepEqual(getListKeys('route'), ['vrf', 'prefix']);
  assert.deepEqual(getListKeys('x:route'), ['vrf', 'prefix']);
  assert.equal(entryKey(t.r!.route!), 'a\u000010/8');
  assert.equal(entryKey(t.r!.user!), 'bob');
  assert.equal(entryKey(t.r!.param!), 'v1');
  assert.equal(entryKey(t.r!.box!), '');
  assert.equal(entryKey(t.r!.cl_thing!), '1');
});
