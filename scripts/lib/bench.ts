/**
 * What the commit benchmarks share: a temp folder with the bench service's YANG and module,
 * a config of devices × interfaces held by the simulated controller, and an operator
 * session that changes the bench instance, commits, and waits for the transaction's outcome.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Session, rpc } from '../../src/netconf/index.ts';
import { startSimulator, type Simulator } from '../../src/sim/index.ts';
import type { XmlNode } from '../../src/xml/index.ts';

const CTRL = 'http://clicon.org/controller';

// The bench module, reading the whole config or narrowed to what it needs (SERVICE_XPATH):
// one creator-tagged leaf per device.
const moduleText = (narrow: boolean): string => `export const SERVICE = 'bench';
${narrow ? `export const SERVICE_XPATH = "/ctrl:services/b:bench | /ctrl:devices/ctrl:device/ctrl:name";
export const SERVICE_NAMESPACES = { ctrl: '${CTRL}', b: 'urn:example:bench' };` : ''}
export function setup(root: any, _log: unknown, ctx: { instance?: string }): void {
  for (const inst of root.services.getElements('bench')) {
    const name = inst.child('name').getData();
    if (ctx.instance !== undefined && ctx.instance !== name) continue;
    const contact = inst.child('contact').getData();
    for (const dev of root.devices.getElements('device')) {
      const cfg = dev.child('config') ?? dev.create('config');
      const sys = cfg.child('system') ?? cfg.create('system', { attributes: { xmlns: 'urn:example:sys' } });
      sys.create('contact', { data: contact, attributes: { 'cl:creator': "bench[name='" + name + "']", 'xmlns:cl': 'http://clicon.org/lib' } });
    }
  }
}
`;

function deviceXml(i: number, interfaces: number): string {
  let ifs = '';
  for (let k = 0; k < interfaces; k++) {
    ifs += `<interface><name>eth${k}</name><description>uplink ${k} of device ${i}</description><type>ethernetCsmacd</type><enabled>true</enabled><mtu>1500</mtu></interface>`;
  }
  return (
    `<device><name>dev${i}</name><enabled>true</enabled><description>bench device ${i}</description><user>admin</user><conn-type>NETCONF_SSH</conn-type><port>830</port><addr>127.0.0.1</addr>` +
    `<config><interfaces xmlns="urn:ietf:params:xml:ns:yang:ietf-interfaces">${ifs}</interfaces></config></device>`
  );
}

/** The bench's datastore: `devices` × `interfaces` (about 16 KB a device at 100 interfaces), and a service-timeout. */
export function benchConfig(devices: number, interfaces: number): string {
  // The controller waits services/service-timeout for the server: ample, so a slow round is measured, not failed.
  let config = `<services xmlns="${CTRL}"><service-timeout>600</service-timeout></services><devices xmlns="${CTRL}">`;
  for (let i = 0; i < devices; i++) config += deviceXml(i, interfaces);
  return config + '</devices>';
}

export interface BenchStack {
  dir: string;
  sock: string;
  /** The folder the service server loads modules from. */
  modules: string;
  configBytes: number;
  sim: Simulator;
  /** Writes the bench module, reading the whole config or only what it needs. */
  writeModule(narrow: boolean): void;
  /** Changes the bench instance, commits, and waits for the controller-transaction. */
  commit(): Promise<{ tid: string; outcome: XmlNode; wallMs: number }>;
  close(): Promise<void>;
}

/** The simulated controller holding `devices` × `interfaces`, and the operator's session. */
export async function startBenchStack(opts: { devices: number; interfaces: number }): Promise<BenchStack> {
  const dir = mkdtempSync(join(tmpdir(), 'tsapi-bench-'));
  const modules = join(dir, 'modules');
  mkdirSync(join(dir, 'yang'));
  mkdirSync(modules);
  writeFileSync(join(modules, 'package.json'), '{"type":"module"}');
  writeFileSync(
    join(dir, 'yang', 'bench@2026-01-01.yang'),
    `module bench { yang-version 1.1; namespace "urn:example:bench"; prefix b; import clixon-controller { prefix ctrl; }
  augment "/ctrl:services" { list bench { key name; leaf name { type string; } leaf contact { type string; } uses ctrl:created-by-service; } } }`,
  );
  // The device model the module writes into, for bench-commit's --validate round.
  writeFileSync(
    join(dir, 'yang', 'sys@2026-01-01.yang'),
    'module sys { yang-version 1.1; namespace "urn:example:sys"; prefix s; container system { leaf contact { type string { length "1..64"; pattern "[^@]+@[^@]+"; } } } }',
  );
  const config = benchConfig(opts.devices, opts.interfaces);
  const sock = join(dir, 'controller.sock');
  const sim = await startSimulator({ path: sock, config, yangDirs: [join(dir, 'yang')] });

  const s = await Session.connect({ path: sock, user: 'admin', timeout: 600_000 });
  const outcomes = new Map<string, (n: XmlNode) => void>();
  s.on('notification', (n) => {
    const ct = n.child('controller-transaction');
    const tid = ct?.child('tid')?.getData();
    if (ct && tid !== undefined) outcomes.get(tid)?.(ct);
  });
  await s.rpc(rpc.createSubscription({ user: 'admin', stream: 'controller-transaction' }));
  let round = 0;

  return {
    dir,
    sock,
    modules,
    configBytes: config.length,
    sim,
    writeModule: (narrow) => writeFileSync(join(modules, 'bench.ts'), moduleText(narrow)),
    async commit() {
      round += 1;
      await s.rpc(
        rpc.editConfig({
          user: 'admin',
          target: 'candidate',
          config: `<services xmlns="${CTRL}"><bench xmlns="urn:example:bench"><name>b</name><contact>noc-${round}@example.com</contact></bench></services>`,
        }),
      );
      const wall0 = performance.now();
      const reply = await s.rpc(rpc.controllerCommit({ user: 'admin', push: 'COMMIT', actions: 'CHANGE', source: 'ds:candidate' }));
      const tid = reply.child('tid')?.getData() ?? '';
      const outcome = await new Promise<XmlNode>((resolve) => outcomes.set(tid, resolve));
      return { tid, outcome, wallMs: performance.now() - wall0 };
    },
    async close() {
      await s.close();
      await sim.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
