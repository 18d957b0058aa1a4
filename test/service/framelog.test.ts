/**
 * Frame logging for -d: the cut format, whole frames, the -P indenter on a multi-MB frame,
 * syslog's message size, and that frames never pass through consola (whose formatting of
 * a big frame never ends): the logged bytes of a multi-MB frame are bounded and reach the
 * sink straight from the session's frame hook.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createConsola } from 'consola';
import { createSyslogReporter, SYSLOG_MESSAGE_BYTES } from '../../src/service/syslog.ts';
import { formatFrame, formatSize, headOf, indentXml, utf8End } from '../../src/service/framelog.ts';
import { transactionLine } from '../../src/service/report.ts';
import { parseString } from '../../src/xml/index.ts';
import { syslogListener, syslogSkip } from './harness.ts';

/** A get-config reply of about `devices` × 85 bytes, with non-ASCII text. */
function bigReply(devices: number): string {
  let xml = '<rpc-reply xmlns="urn:ietf:params:xml:ns:netconf:base:1.0"><data><devices xmlns="http://clicon.org/controller">';
  for (let i = 0; i < devices; i++) xml += `<device><name>dev${i}</name><config><a x="1&gt;0">é ${i}</a><b/></config></device>`;
  return xml + '</devices></data></rpc-reply>';
}

test('formatSize: decimal unit and the exact bytes, digits grouped', () => {
  assert.equal(formatSize(12_315_016), '12.3 MB, 12 315 016 bytes');
  assert.equal(formatSize(21_509), '21.5 kB, 21 509 bytes');
  assert.equal(formatSize(999), '999 bytes');
});

test('a frame that fits is logged whole; a longer one is its head and its size, within the limit', () => {
  const small = '<rpc><get-config><source><actions/></source></get-config></rpc>';
  assert.equal(formatFrame('send', small, { whole: false, pretty: false, maxBytes: 2000 }), `send: ${small}`);

  const xml = bigReply(40_000);
  const bytes = Buffer.byteLength(xml);
  const line = formatFrame('recv', xml, { whole: false, pretty: false, maxBytes: 2000 });
  const m = /^recv: (.*) … (\d+\.\d) MB, ([\d ]+) bytes$/s.exec(line);
  assert.ok(m, line.slice(-100));
  assert.ok(xml.startsWith(m[1]!), 'the head is the start of the frame');
  assert.equal(Number(m[3]!.replaceAll(' ', '')), bytes);
  assert.equal(m[2], (bytes / 1e6).toFixed(1));
  assert.ok(Buffer.byteLength(line) <= 2000 && Buffer.byteLength(line) > 1900, `${Buffer.byteLength(line)} bytes`);
});

test('-d -d: the frame whole, however big', () => {
  const xml = bigReply(40_000);
  assert.equal(formatFrame('recv', xml, { whole: true, pretty: false, maxBytes: 2000 }), `recv: ${xml}`);
});

test('cutting counts UTF-8 bytes and never splits a character', () => {
  const text = 'é'.repeat(600) + '😀'.repeat(300);
  const end = utf8End(text, 0, 1201);
  assert.equal(end, 600, 'the 601st byte would split an é');
  assert.equal(utf8End(text, 600, 7), 602, 'a surrogate pair is one 4-byte character');
  const cut = headOf(text, 1024)!;
  assert.ok(Buffer.byteLength(`${cut.head} ${cut.note}`) <= 1024);
  assert.equal(Buffer.from(cut.head).toString(), cut.head, 'valid UTF-8');
  assert.equal(headOf('é'.repeat(512), 1024), undefined);
  assert.notEqual(headOf('é'.repeat(513), 1024), undefined);
});

test('-P: one element per line, leaves on one line; quoted >, comments, CDATA, a cut tag', () => {
  assert.equal(indentXml('<a><b>1</b><c/></a>'), '<a>\n  <b>1</b>\n  <c/>\n</a>');
  assert.equal(
    indentXml('<?xml version="1.0"?><a x="1>2"><!-- c > --><b><![CDATA[x<y]]></b><d></d>\n  <e>t</e></a>'),
    '<?xml version="1.0"?>\n<a x="1>2">\n  <!-- c > -->\n  <b><![CDATA[x<y]]></b>\n  <d></d>\n  <e>t</e>\n</a>',
  );
  assert.equal(indentXml('<r><data><x a="unfinish'), '<r>\n  <data>\n    <x a="unfinish');
});

test('-P on a multi-MB frame: only indentation added, the same tree, one element or leaf per line', () => {
  const xml = bigReply(60_000);
  assert.ok(xml.length > 5e6);
  const pretty = indentXml(xml);
  assert.equal(pretty.replace(/\n */g, ''), xml);
  assert.equal(parseString(pretty).dumps(), parseString(xml).dumps());
  const lines = pretty.split('\n');
  // rpc-reply, data, devices (open and close) and per device: device, name, config, a, b, /config, /device.
  assert.equal(lines.length, 6 + 60_000 * 7);
  assert.equal(lines[4], '        <name>dev0</name>');
  assert.equal(lines[7], '          <b/>');
});

test('-P with a cut frame: the head indented, the size on its own line', () => {
  const xml = bigReply(40_000);
  const text = formatFrame('recv', xml, { whole: false, pretty: true, maxBytes: 600 });
  const lines = text.split('\n');
  assert.equal(lines[0], 'recv: <rpc-reply xmlns="urn:ietf:params:xml:ns:netconf:base:1.0">');
  assert.equal(lines[1], '  <data>');
  assert.match(lines.at(-1)!, /^… 3\.\d MB, [\d ]+ bytes$/);
  assert.ok(text.length < 1200);
});

test('the transaction line: total, controller time per RPC, read, parse, modules, serialize, sent', () => {
  const line = transactionLine({
    tid: '112', user: 'admin', outcome: 'done', served: ['s'], edits: 2, editBytes: 21_509, configBytes: 12_315_016, creators: 400,
    totalMs: 3312.4, socketMs: 3000,
    rpcs: [
      { name: 'get', waitMs: 4.6, parseMs: 0, bytesOut: 1, bytesIn: 1 },
      { name: 'get-config', waitMs: 812.2, parseMs: 0, bytesOut: 1, bytesIn: 1 },
      { name: 'edit-config', waitMs: 602, parseMs: 0, bytesOut: 1, bytesIn: 1 },
      { name: 'edit-config', waitMs: 580, parseMs: 0, bytesOut: 1, bytesIn: 1 },
      { name: 'transaction-actions-done', waitMs: 1298, parseMs: 0, bytesOut: 1, bytesIn: 1 },
    ],
    timings: { parseMs: 412, modulesMs: 20, serializeMs: 180 },
  });
  assert.equal(
    line,
    'tid 112: done in 3312 ms; controller get 5 ms, get-config 812 ms, edit-config 602+580 ms, transaction-actions-done 1298 ms; ' +
      'read 12 315 016 bytes, parse 412 ms, modules 20 ms, serialize 180 ms; sent 2 edit-config, 21 509 bytes',
  );
  // Many batches are summed; a transaction that failed before reading says so, without the figures it has not got.
  const failed = transactionLine({
    tid: '7', user: 'a', outcome: 'error', served: [], edits: 0, editBytes: 0, configBytes: 0, creators: 0, totalMs: 40, socketMs: 0,
    rpcs: Array.from({ length: 10 }, () => ({ name: 'edit-config', waitMs: 10, parseMs: 0, bytesOut: 1, bytesIn: 1 })),
  });
  assert.equal(failed, 'tid 7: failed in 40 ms; controller edit-config 10× 100 ms; sent 0 edit-config, 0 bytes');
  // With --validate (or -d) the check's time stands between the modules and the serialize.
  const validated = transactionLine({
    tid: '8', user: 'a', outcome: 'done', served: ['s'], edits: 1, editBytes: 10, configBytes: 100, creators: 1, totalMs: 50, socketMs: 10,
    rpcs: [],
    timings: { parseMs: 1, modulesMs: 2, validateMs: 3, serializeMs: 4 },
  });
  assert.match(validated, /parse 1 ms, modules 2 ms, validate 3 ms, serialize 4 ms;/);
  // Asked for but not possible, the line says why; a partial check says what it missed.
  const off = transactionLine({
    tid: '9', user: 'a', outcome: 'done', served: ['s'], edits: 1, editBytes: 10, configBytes: 100, creators: 1, totalMs: 50, socketMs: 10,
    rpcs: [],
    timings: { parseMs: 1, modulesMs: 2, serializeMs: 4, validateOff: 'YANG not usable: x' },
  });
  assert.match(off, /modules 2 ms, validate off \(YANG not usable: x\), serialize 4 ms;/);
  const partial = transactionLine({
    tid: '10', user: 'a', outcome: 'done', served: ['s'], edits: 1, editBytes: 10, configBytes: 100, creators: 1, totalMs: 50, socketMs: 10,
    rpcs: [],
    timings: { parseMs: 1, modulesMs: 2, validateMs: 3, serializeMs: 4, validateNote: '1 YANG problem(s) at load' },
  });
  assert.match(partial, /validate 3 ms \(1 YANG problem\(s\) at load\), serialize 4 ms;/);
});

test('syslog: a long log line is cut to one message with its size; text written whole is split, nothing lost', { skip: syslogSkip }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'tsapi-syslog-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const sock = join(dir, 'log.sock');
  const syslog = await syslogListener(t, sock);

  const reporter = createSyslogReporter({ ident: 'tsapi-test', socket: sock });
  const log = createConsola({ level: 4, reporters: [reporter] }).withTag('server');
  const long = 'é'.repeat(1000) + 'x'.repeat(3000) + 'END';
  log.info(long);
  reporter.write(4, 'server', `recv: ${long}`);
  await reporter.close();
  await syslog.until('the messages', (m) => m.some((x) => x.endsWith('END')));

  // Each message: "<pri>date ident[pid]: " then the text, which logger takes up to SYSLOG_MESSAGE_BYTES.
  const texts = syslog.messages.map((m) => m.slice(m.indexOf(']: ') + 3));
  for (const text of texts) assert.ok(Buffer.byteLength(text) <= SYSLOG_MESSAGE_BYTES, `${Buffer.byteLength(text)} bytes`);
  assert.match(texts[0]!, /^server: é+ … 5\.0 kB, 5 003 bytes$/);
  assert.equal(texts.slice(1).map((x) => x.slice('server: '.length)).join(''), `recv: ${long}`);
  assert.equal(texts.length, 1 + Math.ceil(Buffer.byteLength(`recv: ${long}`) / (SYSLOG_MESSAGE_BYTES - 'server: '.length)));
});
