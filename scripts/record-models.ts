/**
 * Records what a real Clixon controller answers about its devices' models, for the tests
 * of src/models (and the simulator's get-device-schema): into test/fixtures/models/.
 *
 *   npx tsx scripts/record-models.ts [-f controller.xml] [-s socket] [-o dir]
 *
 * The controller needs dev1 OPEN (clixon-example) and, for the second module-set, oc1
 * OPEN (OpenConfig). Each reply is kept as received, except the YANG text inside a
 * detail reply: a module's prose is dropped (scripts/lib/yang-strip.ts, as every YANG
 * fixture here), and a module whose stripped text is already a file under
 * test/fixtures/yang/ is kept as `<data ref="…"/>`, the path of that file from the
 * output folder (test/models/fixtures.ts puts the text back).
 */
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { Session, RpcError, rpc as build, escapeText } from '../src/netconf/index.ts';
import { RecorderError, controllerSocket } from './lib/recording.ts';
import { parseString } from '../src/xml/index.ts';
import { withoutProse } from './lib/yang-strip.ts';

const { values: args } = parseArgs({
  options: {
    configfile: { type: 'string', short: 'f' },
    sockpath: { type: 'string', short: 's' },
    out: { type: 'string', short: 'o', default: 'test/fixtures/models' },
  },
});

const out = resolve(args.out!);
const FIXTURE_YANG = resolve('test/fixtures/yang');
/** Stripped texts of the YANG fixtures, to refer to instead of copying. */
const known = new Map<string, string>();
for (const sub of ['clixon', 'openconfig']) {
  const dir = join(FIXTURE_YANG, sub);
  for (const f of readdirSync(dir)) if (f.endsWith('.yang')) known.set(readFileSync(join(dir, f), 'utf8'), join(dir, f));
}

/** A detail reply with each module's text stripped of prose, or referred to by file. */
function stripDetail(reply: string): string {
  const doc = parseString(reply);
  let refs = 0;
  for (const schema of doc.child('rpc-reply')?.getElements('schema') ?? []) {
    const data = schema.child('data');
    const name = String(schema.child('name')?.getData() ?? '');
    if (!data) continue;
    const stripped = withoutProse(String(data.getData() ?? ''), `${name}.yang`);
    const file = known.get(stripped);
    if (file) {
      data.replace(parseString(`<data ref="${escapeText(relative(out, file))}"/>`).getChildren()[0]!);
      refs++;
    } else data.setData(stripped);
  }
  process.stderr.write(`  ${refs} module(s) referred to test/fixtures/yang\n`);
  const text = doc.dumps();
  // The controller sends one module asked for by name in CDATA (all of them, escaped): kept so.
  if (!reply.includes('<![CDATA[')) return text;
  return text.replace(/<data>([\s\S]*?)<\/data>/g, (_m, body: string) => `<data><![CDATA[${String(parseString(`<d>${body}</d>`).child('d')?.getData() ?? '')}]]></data>`);
}

const session = await Session.connect({ path: controllerSocket(args) });
const user = session.user;
mkdirSync(out, { recursive: true });
const save = (name: string, text: string): void => {
  writeFileSync(join(out, name), text.endsWith('\n') ? text : `${text}\n`);
  process.stderr.write(`${name}: ${text.length} bytes\n`);
};
const raw = async (xml: string): Promise<string> => {
  try {
    return await session.rpc(xml, { raw: true, timeout: 60_000 });
  } catch (err) {
    if (err instanceof RpcError) return `<rpc-reply xmlns="urn:ietf:params:xml:ns:netconf:base:1.0">${errorXml(err)}</rpc-reply>`;
    throw err;
  }
};

/** The rpc-error as the controller sent it (RpcError keeps its fields, not the text). */
function errorXml(err: RpcError): string {
  return (
    `<rpc-error><error-type>${err.errorType}</error-type><error-tag>${err.errorTag}</error-tag>` +
    `<error-severity>${err.severity}</error-severity><error-message>${escapeText(err.errorMessage)}</error-message></rpc-error>`
  );
}

const names = await raw(build.getConfig({ user, source: 'running', xpath: '/ctrl:devices/ctrl:device/ctrl:name | /ctrl:devices/ctrl:device/ctrl:module-set' }));
save('get-config-devices.xml', names);
const devices = [...names.matchAll(/<name>([^<]+)<\/name>/g)].map((m) => m[1]!);
if (!devices.includes('dev1')) throw new RecorderError(`the controller has no dev1 (devices: ${devices.join(', ') || 'none'})`);
save('get-device-schema-dev1.xml', await raw(build.getDeviceSchema({ user, device: 'dev1' })));
save('get-device-schema-dev1-detail.xml', stripDetail(await raw(build.getDeviceSchema({ user, device: 'dev1', detail: true }))));
save('get-device-schema-dev1-clixon-example.xml', stripDetail(await raw(build.getDeviceSchema({ user, device: 'dev1', name: 'clixon-example', detail: true }))));
save('get-device-schema-unknown-device.xml', await raw(build.getDeviceSchema({ user, device: 'nosuchdevice' })));
save('get-devices-config.xml', await raw(build.get({ user, xpath: '/ctrl:devices/ctrl:device/ctrl:config', namespaces: { ctrl: 'http://clicon.org/controller' } })));
if (devices.includes('oc1')) {
  save('get-device-schema-oc1.xml', await raw(build.getDeviceSchema({ user, device: 'oc1' })));
  save('get-device-schema-oc1-detail.xml', stripDetail(await raw(build.getDeviceSchema({ user, device: 'oc1', detail: true }))));
} else process.stderr.write('no oc1: its replies not recorded\n');
await session.close();
if (!existsSync(join(out, 'get-device-schema-dev1.xml'))) process.exitCode = 1;
