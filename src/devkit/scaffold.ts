/**
 * The service skeleton of `clixon-tsapi new <service>`: a module folder with the module
 * (setup with creator tags), its YANG (a list augmenting the controller's services, with
 * created-by-service), a test through runService() and a sample config for `try`. And,
 * when the project has none, a package.json whose `npm test` runs that test and a
 * tsconfig.json that finds this package's types.
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The service name or the target cannot be used. */
export class ScaffoldError extends Error {
  override name = 'ScaffoldError';
}

export interface ScaffoldOptions {
  /** The module folder the service folder goes in (default `modules`). */
  dir?: string;
  /** The project root, where package.json and tsconfig.json go when missing (default: cwd). */
  root?: string;
  /** The YANG revision date (default today, UTC). */
  date?: Date;
}

const PACKAGE_ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** Writes the skeleton; returns the files written, relative to the project root. */
export function scaffold(service: string, opts: ScaffoldOptions = {}): string[] {
  // A YANG identifier that is also safe in a file name, a TypeScript string and an XPath.
  if (!/^[A-Za-z_][A-Za-z0-9_.-]*$/.test(service)) throw new ScaffoldError(`service name ${service}: use letters, digits, '-', '_' and '.', starting with a letter or '_'`);
  const root = opts.root ?? process.cwd();
  const dir = join(root, opts.dir ?? 'modules');
  const folder = join(dir, service);
  if (existsSync(folder)) throw new ScaffoldError(`${folder} already exists`);
  const revision = (opts.date ?? new Date()).toISOString().slice(0, 10);
  const files: Record<string, string> = {
    [join(folder, `${service}.ts`)]: moduleText(service),
    [join(folder, `${service}@${revision}.yang`)]: yangText(service, revision),
    [join(folder, `${service}.test.ts`)]: testText(service),
    [join(folder, `${service}.xml`)]: configText(service),
  };
  const testDir = relative(root, dir) || '.';
  if (!existsSync(join(root, 'package.json'))) files[join(root, 'package.json')] = packageText(testDir);
  if (!existsSync(join(root, 'tsconfig.json'))) files[join(root, 'tsconfig.json')] = tsconfigText();
  mkdirSync(folder, { recursive: true });
  for (const [file, text] of Object.entries(files)) writeFileSync(file, text);
  return Object.keys(files).map((f) => relative(root, f));
}

const namespace = (service: string): string => `urn:example:${service}`;

function moduleText(service: string): string {
  return `/**
 * The ${service} service: every instance sets its text as the message of the day on its
 * devices (every device when it lists none) that carry openconfig-system: a network is
 * mixed, and ctx.models says which model each device has (its module-set). What it creates
 * carries the instance as creator (cl:creator), so the controller removes it when the
 * instance goes or changes.
 */
import { parseTemplate, type ServiceModule, type XmlNode } from 'clixon-tsapi';

export const SERVICE = '${service}';

const OPENCONFIG_SYSTEM = 'http://openconfig.net/yang/system';
const MODEL = 'openconfig-system';
/** What an instance sets on a device; parseTemplate escapes the values. */
const MOTD = \`<motd-banner xmlns:cl="http://clicon.org/lib" cl:creator="${service}[name='{{NAME}}']">{{TEXT}}</motd-banner>\`;

/** The child named \`name\`, created when missing. */
const ensure = (parent: XmlNode, name: string, attributes?: Record<string, string>): XmlNode =>
  parent.child(name) ?? parent.create(name, attributes ? { attributes } : {});

/** The devices an instance sets the motd on: those it lists, or every device. */
const targets = (instance: XmlNode, devices: string[]): string[] => {
  const listed = instance.getElements('device').map((d) => d.getData());
  return listed.length === 0 ? devices : devices.filter((d) => listed.includes(d));
};

export const setup: ServiceModule['setup'] = (root, log, ctx) => {
  const instances = root.services?.getElements(SERVICE) ?? [];
  const devices = ctx.models.withModel(root.devices?.getElements('device') ?? [], MODEL, log);
  const deviceNames = devices.map((d) => d.child('name')?.getData() ?? '');
  for (const instance of instances) {
    const name = instance.child('name')?.getData() ?? '';
    // ctx.instance: the instance committed; undefined when every instance is re-applied.
    if (ctx.instance !== undefined && name !== ctx.instance) continue;
    const mine = targets(instance, deviceNames);
    // One motd per device: a second instance would overwrite it (the last commit wins) or
    // share it (deleting either removes it), so it is refused; \`clixon-tsapi check\` finds this.
    for (const other of instances) {
      const shared = other === instance ? undefined : targets(other, deviceNames).find((d) => mine.includes(d));
      if (shared !== undefined) throw new Error(\`\${name} and \${other.child('name')?.getData()} both set the motd of \${shared}\`);
    }
    for (const device of devices) {
      const deviceName = device.child('name')?.getData() ?? '';
      if (!mine.includes(deviceName)) continue;
      const system = ensure(ensure(device, 'config'), 'system', { xmlns: OPENCONFIG_SYSTEM });
      ensure(system, 'config').add(parseTemplate(MOTD, { NAME: name, TEXT: instance.child('text')?.getData() ?? '' }));
      log.info(\`\${name}: motd on \${deviceName}\`);
    }
  }
};
`;
}

function yangText(service: string, revision: string): string {
  return `module ${service} {
    yang-version 1.1;
    namespace "${namespace(service)}";
    prefix ${service};
    import clixon-controller { prefix ctrl; }
    revision ${revision} {
        description "The ${service} service, from the clixon-tsapi skeleton";
    }
    augment "/ctrl:services" {
        list ${service} {
            description "Each instance sets its text as the message of the day on its devices";
            key name;
            leaf name {
                type string;
            }
            leaf text {
                type string;
                mandatory true;
            }
            leaf-list device {
                description "The devices to configure; none: every device";
                type string;
            }
            uses ctrl:created-by-service;
        }
    }
}
`;
}

function testText(service: string): string {
  return `// The ${service} module on the sample config, as the server runs it for a commit.
// Run: clixon-tsapi test (or npm test)
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { check, formatCheck, runService } from 'clixon-tsapi/testing';

const here = (name: string): string => fileURLToPath(new URL(name, import.meta.url));
const MODULE = here('./${service}.ts');
const CONFIG = readFileSync(here('./${service}.xml'), 'utf8');
const INSTANCE = "${service}[name='example']";

test('an instance sets the motd on its devices only', async () => {
  const r = await runService(MODULE, CONFIG, { instance: INSTANCE });
  assert.deepEqual([...r.diff.keys()], ['dev1']);
  assert.match(r.diff.get('dev1') ?? '', /^\\+\\s+<motd-banner>Hello from clixon-tsapi<\\/motd-banner>$/m);
});

test('a device without openconfig-system (dev3 here) is skipped', async () => {
  const all = CONFIG.replace('<device>dev1</device>', '');
  const r = await runService(MODULE, all, { instance: INSTANCE });
  assert.deepEqual([...r.diff.keys()], ['dev1', 'dev2']);
});

test('deleting the instance removes what it created', async () => {
  const created = await runService(MODULE, CONFIG, { instance: INSTANCE });
  const r = await runService(MODULE, created.running, { instance: INSTANCE, delete: true });
  assert.match(r.diff.get('dev1') ?? '', /^-\\s+<motd-banner>Hello from clixon-tsapi<\\/motd-banner>$/m);
});

// Determinism, idempotence, clean delete, no conflicts, order: on the sample config and on
// instances generated from the YANG (a new seed each run; a failure prints it to run again).
test('check: the module keeps its properties', async () => {
  const r = await check(MODULE, CONFIG);
  assert.ok(r.ok, formatCheck(r));
});
`;
}

function configText(service: string): string {
  return `<!-- A config as get-config returns it, for the test and for:
     clixon-tsapi try ${service}.ts ${service}.xml ${service} example -->
<services xmlns="http://clicon.org/controller">
  <${service} xmlns="${namespace(service)}">
    <name>example</name>
    <text>Hello from clixon-tsapi</text>
    <device>dev1</device>
  </${service}>
</services>
<!-- Each device's module-set says which models it carries (the controller has it for
     every device; clixon-tsapi try --models <dir|socket> takes your network's instead). -->
<devices xmlns="http://clicon.org/controller">
  <device>
    <name>dev1</name>
    <module-set>
      <module><name>openconfig-system</name><namespace>http://openconfig.net/yang/system</namespace></module>
    </module-set>
    <config>
      <system xmlns="http://openconfig.net/yang/system">
        <config>
          <hostname>r1</hostname>
        </config>
      </system>
    </config>
  </device>
  <device>
    <name>dev2</name>
    <module-set>
      <module><name>openconfig-system</name><namespace>http://openconfig.net/yang/system</namespace></module>
    </module-set>
    <config/>
  </device>
  <device>
    <name>dev3</name>
    <module-set>
      <module><name>clixon-example</name><namespace>urn:example:clixon</namespace></module>
    </module-set>
    <config/>
  </device>
</devices>
`;
}

function packageText(testDir: string): string {
  const pkg = { private: true, type: 'module', scripts: { test: `clixon-tsapi test ${testDir}` } };
  return `${JSON.stringify(pkg, null, 2)}\n`;
}

/**
 * What an editor needs to type-check a module against this package, wherever it is
 * installed: its sources for the package names, and the Node types it depends on.
 */
function tsconfigText(): string {
  const src = (file: string): string => join(PACKAGE_ROOT, 'src', file);
  const nodeTypes = dirname(createRequire(import.meta.url).resolve('@types/node/package.json'));
  const config = {
    compilerOptions: {
      target: 'ES2022',
      lib: ['ES2023', 'ESNext.Disposable'],
      module: 'NodeNext',
      moduleResolution: 'NodeNext',
      allowImportingTsExtensions: true,
      noEmit: true,
      strict: true,
      skipLibCheck: true,
      types: ['node'],
      typeRoots: [dirname(nodeTypes)],
      paths: { 'clixon-tsapi': [src('index.ts')], 'clixon-tsapi/testing': [src('devkit/index.ts')] },
    },
  };
  return `${JSON.stringify(config, null, 2)}\n`;
}
