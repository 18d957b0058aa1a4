// Device diff text: byte-for-byte against the controller's recorded `commit diff`, plus
// change, delete, nested and leaf-list cases in the format clixon's xml_diff2cbuf prints.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseString, registerListKeys } from '../../src/xml/index.ts';
import { colorize, deviceDiff, diffText, formatDeviceDiff } from '../../src/xml/diff.ts';
import { wireFile as wire } from '../wire.ts';


const CL = 'xmlns:cl="http://clicon.org/lib" xmlns:nc="urn:ietf:params:xml:ns:netconf:base:1.0"';

/** A config with `table/parameter` entries (name → value) on dev1 and dev2, as the testsvc module writes them. */
function config(params: Record<string, string> | undefined, tagged = false): string {
  const tag = tagged ? ` cl:creator="testsvc[name='s1']" nc:operation="merge" ${CL}` : '';
  const table =
    params === undefined
      ? ''
      : `<table xmlns="urn:example:clixon">${Object.entries(params)
          .map(([k, v]) => `<parameter${tag}><name>${k}</name><value>${v}</value></parameter>`)
          .join('')}</table>`;
  const dev = (n: string): string => `<device><name>${n}</name><enabled>true</enabled><config>${table}</config></device>`;
  return `<services xmlns="http://clicon.org/controller"/><devices xmlns="http://clicon.org/controller">${dev('dev1')}${dev('dev2')}</devices>`;
}

function configOf(xml: string, device = 'dev1') {
  const root = parseString(xml);
  const dev = root.devices!.getChildren().find((d) => d.name?.getData() === device)!;
  return dev.config!;
}

test('entries added by a service: the recorded commit diff, byte for byte', () => {
  const before = parseString(config(undefined));
  const after = parseString(config({ k1: 'd1', k2: 'd1' }, true));
  assert.equal(formatDeviceDiff(deviceDiff(before, after)), wire('cli-commit-diff-add.txt'));
});

test('one entry replaced by another: the recorded commit diff, byte for byte', () => {
  const before = parseString(config({ k1: 'd1' }));
  const after = parseString(config({ k3: 'd1' }, true));
  assert.equal(formatDeviceDiff(deviceDiff(before, after)), wire('cli-commit-diff-change.txt'));
});

test('a changed leaf prints - old and + new under its entry and keys', () => {
  const text = diffText(configOf(config({ k1: 'd1', k2: 'd1' })), configOf(config({ k1: 'd2', k2: 'd1' })));
  assert.equal(
    text,
    [
      '      <parameter xmlns="urn:example:clixon">',
      '         <name>k1</name>',
      '-       <value>d1</value>',
      '+       <value>d2</value>',
      '      </parameter>',
      '',
    ].join('\n'),
  );
});

test('a deleted subtree prints every line with -', () => {
  const text = diffText(configOf(config({ k1: 'd1' })), configOf(config(undefined)));
  assert.equal(
    text,
    [
      '-   <table xmlns="urn:example:clixon">',
      '-      <parameter>',
      '-         <name>k1</name>',
      '-         <value>d1</value>',
      '-      </parameter>',
      '-   </table>',
      '',
    ].join('\n'),
  );
});

test('a leaf added inside an existing entry prints the entry as context, not its ancestors', () => {
  const before = parseString('<config><a xmlns="urn:x"><b><name>n1</name><c>1</c></b></a></config>').config!;
  const after = parseString('<config><a xmlns="urn:x"><b><name>n1</name><c>1</c><d><e>deep</e></d></b></a></config>').config!;
  assert.equal(
    diffText(before, after),
    ['      <b xmlns="urn:x">', '         <name>n1</name>', '+         <d>', '+            <e>deep</e>', '+         </d>', '      </b>', ''].join('\n'),
  );
});

test('leaf-list entries are matched by value', () => {
  const before = parseString('<config><s xmlns="urn:x"><p>a</p><p>b</p></s></config>').config!;
  const after = parseString('<config><s xmlns="urn:x"><p>a</p><p>c</p><p>b</p></s></config>').config!;
  assert.equal(diffText(before, after), ['   <s xmlns="urn:x">', '+      <p>c</p>', '   </s>', ''].join('\n'));
  const removed = parseString('<config><s xmlns="urn:x"><p>b</p><p>c</p></s></config>').config!;
  assert.equal(diffText(before, removed), ['   <s xmlns="urn:x">', '-      <p>a</p>', '+      <p>c</p>', '   </s>', ''].join('\n'));
});

test('registered list keys identify entries and print as context', () => {
  registerListKeys({ route: ['prefix', 'vrf'] });
  const before = parseString('<config><r xmlns="urn:x"><route><prefix>10/8</prefix><vrf>a</vrf><hop>1</hop></route></r></config>').config!;
  const after = parseString('<config><r xmlns="urn:x"><route><prefix>10/8</prefix><vrf>a</vrf><hop>2</hop></route></r></config>').config!;
  assert.equal(
    diffText(before, after),
    ['      <route xmlns="urn:x">', '         <prefix>10/8</prefix>', '         <vrf>a</vrf>', '-       <hop>1</hop>', '+       <hop>2</hop>', '      </route>', ''].join('\n'),
  );
});

test('no change, or entries only reordered: no diff and the device is left out', () => {
  const a = parseString(config({ k1: 'd1', k2: 'd1' }));
  const b = parseString(config({ k2: 'd1', k1: 'd1' }, true));
  assert.equal(diffText(configOf(config({ k1: 'd1' })), configOf(config({ k1: 'd1' }, true))), '');
  assert.equal(deviceDiff(a, b).size, 0);
  assert.equal(formatDeviceDiff(deviceDiff(a, b)), 'OK\n');
});

test('a device only on one side diffs against an empty config', () => {
  const before = parseString('<devices><device><name>d</name><config><x>1</x></config></device></devices>');
  const after = parseString('<devices/>');
  assert.deepEqual([...deviceDiff(before, after)], [['d', '-   <x>1</x>\n']]);
});

test('indent option and text escaping', () => {
  const before = parseString('<config><a>x</a></config>').config!;
  const after = parseString('<config><a>x</a><b>1 &lt; 2 &amp; 3</b></config>').config!;
  assert.equal(diffText(before, after, { indent: 2 }), '+  <b>1 &lt; 2 &amp; 3</b>\n');
});

test('colour: - lines red, + lines green, context plain', () => {
  const text = '   <t>\n-      <a/>\n+      <b/>\n   </t>\n';
  assert.equal(colorize(text), '   <t>\n\x1b[31m-      <a/>\x1b[0m\n\x1b[32m+      <b/>\x1b[0m\n   </t>\n');
  assert.equal(formatDeviceDiff(new Map([['dev1', text]]), { color: true }), `dev1:\n${colorize(text)}OK\n`);
});

test('a container emptied on one side is the same container: its entries print as removed', () => {
  const before = configOf(config({ k1: 'd1' }));
  const after = parseString('<config><table xmlns="urn:example:clixon"/></config>').config!;
  assert.equal(
    diffText(before, after),
    ['   <table xmlns="urn:example:clixon">', '-      <parameter>', '-         <name>k1</name>', '-         <value>d1</value>', '-      </parameter>', '   </table>', ''].join('\n'),
  );
});

test('leafLists from YANG: a single changed leaf-list entry prints as - and + entries', () => {
  const before = parseString('<config><s xmlns="urn:x"><p>a</p></s></config>').config!;
  const after = parseString('<config><s xmlns="urn:x"><p>b</p></s></config>').config!;
  assert.equal(diffText(before, after), ['   <s xmlns="urn:x">', '-    <p>a</p>', '+    <p>b</p>', '   </s>', ''].join('\n'));
  assert.equal(diffText(before, after, { leafLists: new Set(['p']) }), ['   <s xmlns="urn:x">', '-      <p>a</p>', '+      <p>b</p>', '   </s>', ''].join('\n'));
});
