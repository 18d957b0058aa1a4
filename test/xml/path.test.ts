/**
 * Path lookups: find, findAll and getPath with absolute and relative paths, predicates,
 * indexes, prefixes, and values holding path characters.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { element, getPath, getPaths, parseString, XmlPathError } from '../../src/xml/index.ts';

const root = parseString(
  '<devices xmlns="http://clicon.org/controller">' +
    '<device><name>r1</name><config><interface><name>ge-0/0/1</name><unit><name>0</name></unit></interface>' +
    '<interface><name>C:\\path]x</name><unit><name>1</name></unit></interface></config></device>' +
    '<device><name>r2</name><config><interface><name>it\'s q</name></interface></config></device>' +
    '<device-group><name>g</name><device-name>r1</device-name></device-group>' +
    '</devices><services><bgp-peer><name>p</name><peer-as>65000</peer-as></bgp-peer></services>',
);

test('getPath: absolute and relative paths', () => {
  assert.equal(getPath(root, '/devices/device')?.name?.getData(), 'r1');
  assert.equal(getPath(root, 'devices/device')?.name?.getData(), 'r1');
  const dev = root.devices!.device!;
  assert.equal(getPath(dev, 'config/interface/name')?.getData(), 'ge-0/0/1');
  // absolute from anywhere goes to the top of the tree
  assert.equal(getPath(dev, '/services/bgp-peer/peer-as')?.getData(), '65000');
  assert.equal(getPath(root, '/services/bgp_peer/peer_as')?.getData(), '65000');
  assert.equal(getPath(root, '/nothing/here'), undefined);
});

test('predicates: single and double quotes, values with / \\ ] and quotes', () => {
  assert.equal(getPath(root, "/devices/device[name='r2']/name")?.getData(), 'r2');
  assert.equal(getPath(root, '/devices/device[name="r2"]/name')?.getData(), 'r2');
  assert.equal(getPath(root, "/devices/device[name='r1']/config/interface[name='ge-0/0/1']/unit/name")?.getData(), '0');
  assert.equal(getPath(root, "/devices/device/config/interface[name='C:\\path]x']/unit/name")?.getData(), '1');
  assert.equal(getPath(root, `/devices/device[name='r2']/config/interface[name="it's q"]/name`)?.getData(), "it's q");
  // a value holding both quote characters cannot be written
  assert.throws(() => getPath(root, `/devices/device/config/interface[name='it's "q"']`), XmlPathError);
  assert.equal(getPath(root, "/devices/device[name = 'r9']"), undefined);
  assert.equal(getPath(root, "/devices/device[name='r1'][name='r2']"), undefined);
});

test('indexes count from 0 among the matches, after earlier predicates', () => {
  assert.equal(getPath(root, '/devices/device[1]/name')?.getData(), 'r2');
  assert.equal(getPath(root, '/devices/device[0]/name')?.getData(), 'r1');
  assert.equal(getPath(root, '/devices/device[5]'), undefined);
  assert.equal(getPath(root, "/devices/device[name='r2'][0]/name")?.getData(), 'r2');
});

test('prefixed steps match unprefixed elements; * . .. [.=] [@=]', () => {
  assert.equal(getPath(root, "/ctrl:devices/ctrl:device[ctrl:name='r2']")?.name?.getData(), 'r2');
  assert.equal(getPaths(root, '/devices/*').length, 3);
  assert.equal(getPath(root, '/devices/device/name/..')?.getName(), 'device');
  assert.equal(getPath(root, '/devices/./device/name')?.getData(), 'r1');
  assert.equal(getPath(root, "/devices/device/name[.='r1']")?.getData(), 'r1');
  assert.equal(getPath(root, "/devices[@xmlns='http://clicon.org/controller']")?.getName(), 'devices');
  assert.equal(getPath(root, "/devices[@xmlns='other']"), undefined);
});

test('find returns the first match, findAll every match across branches', () => {
  const devices = root.devices!;
  assert.equal(devices.find('device/config/interface/name')?.getData(), 'ge-0/0/1');
  assert.deepEqual(
    devices.findAll('device/config/interface/name').map((n) => n.getData()),
    ['ge-0/0/1', 'C:\\path]x', "it's q"],
  );
  assert.deepEqual(devices.findAll('device[name=\'r1\']/config/interface').length, 2);
  assert.deepEqual(devices.findAll('nothing'), []);
  assert.equal(devices.find('nothing'), undefined);
});

test('an absolute path on a detached tree starts at its top element', () => {
  const top = element('config');
  top.create('a').create('b', { data: '1' });
  assert.equal(top.a!.b!.find('/config/a/b')?.getData(), '1');
  assert.equal(top.find('/other/a'), undefined);
});

test('malformed paths throw XmlPathError', () => {
  for (const bad of ['/a//b', "a[name='x'", "a[name='x]", 'a[name=x]', 'a[]', 'a/', "a[='x']", 'a[x]b']) {
    assert.throws(() => getPath(root, bad), XmlPathError, bad);
  }
});
