/**
 * Device models on the real controller. A service on the network writes only into the
 * devices that carry its model (ctx.models, from each device's module-set): with a device
 * of another kind on the rig (oc1, an OpenConfig device whose models the controller fetches itself)
 * that one is skipped and the commit succeeds. Issue 19's proof: the server given only the
 * socket (no controller.xml, no --yang) refuses a module's misspelled device leaf with the
 * module's file:line, before the controller's own edit-config error. And `clixon-tsapi
 * models` saves every set, with what fetching and compiling each took.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { ServerProcess } from '../service/harness.ts';
import { client, cli, configure, DEVICES, deviceParams, moduleDir, REPO, reset, serve, SOCK } from './rig.ts';

/** testsvc writing clixon-example's table where the device has it; instance `typo` misspells `value`. */
const MODULE = `import type { ServiceModule } from 'clixon-tsapi';
export const SERVICE = 'testsvc';
export const setup: ServiceModule['setup'] = (root, log, ctx) => {
  const skipped: string[] = [];
  for (const inst of root.services?.getElements('testsvc') ?? []) {
    const name = String(inst.child('name')?.getData());
    if (ctx.instance !== undefined && name !== ctx.instance) continue;
    for (const dev of root.devices?.getElements('device') ?? []) {
      const device = String(dev.child('name')?.getData());
      if (!ctx.models.hasModel(device, 'clixon-example')) { skipped.push(device); continue; }
      const cfg = dev.child('config') ?? dev.create('config');
      const table = cfg.child('table') ?? cfg.create('table', { attributes: { xmlns: 'urn:example:clixon' } });
      for (const p of inst.getElements('params')) {
        const param = table.create('parameter', { attributes: { 'xmlns:cl': 'http://clicon.org/lib', 'cl:creator': "testsvc[name='" + name + "']" } });
        param.create('name', { data: String(p.getData()) });
        param.create(name === 'typo' ? 'valeu' : 'value', { data: name });
      }
    }
  }
  log.info('skipped: ' + (skipped.join(',') || 'none'));
};
`;
const TYPO_LINE = MODULE.split('\n').findIndex((l) => l.includes("'valeu'")) + 1;

describe('device models on the real controller', () => {
  const dir = moduleDir({ 'testsvc.ts': MODULE });
  let server: ServerProcess;
  let others: string[] = [];

  before(async () => {
    // Only the socket: the models come from the controller (serve adds -d: validation on).
    server = await serve(dir);
    await reset();
    await using cx = await client({ readOnly: true });
    others = (await cx.showDevices()).map((d) => d.name).filter((n) => !DEVICES.includes(n));
  });

  after(async () => {
    await reset().catch(() => undefined);
    await server?.stop();
  });

  it('a service on the network: the devices with its model get it, the others are skipped, the commit succeeds', async (t) => {
    const from = server.lines.length;
    await configure('set', 'services', 'testsvc', 'm1', 'params', 'mp1');
    assert.match(await configure('commit'), /OK/);
    assert.deepEqual(await deviceParams(), { dev1: ['mp1=m1'], dev2: ['mp1=m1'] });
    const line = await server.waitFor(/tid \d+: done in/, from);
    assert.match(line, new RegExp(`models loaded from ${SOCK.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: set [0-9a-f]{12} \\(dev1, dev2[,;]`));
    const skipped = await server.waitFor(/skipped: /, from);
    assert.ok(skipped.endsWith(`skipped: ${others.join(',') || 'none'}`), skipped);
    if (others.length === 0) {
      t.skip('no device of another kind on the rig: the mixed network is not covered (add a device of another kind, e.g. an OpenConfig one, to the controller)');
      return;
    }
    await using cx = await client({ source: 'running', readOnly: true });
    for (const d of others) assert.equal(await cx.getRoot({ path: `devices/device[name='${d}']/config/table` }), undefined, `${d} got no table`);
    t.diagnostic(`devices of another kind skipped: ${others.join(', ')}; ${line.replace(/.*models loaded/, 'models loaded')}`);
  });

  it("issue 19: a misspelled device leaf is refused with the module's file:line; no edit-config reaches the controller", async () => {
    const from = server.lines.length;
    await configure('set', 'services', 'testsvc', 'typo', 'params', 'tp1');
    const r = await cli('-m', 'configure', 'commit');
    await configure('discard');
    assert.match(r.output, /failed in tsapi/, r.output);
    assert.match(r.output, /\/devices\/device\[name='dev1'\]\/config\/table\/parameter\[name='tp1'\]\/valeu: unknown element valeu/, r.output);
    assert.ok(r.output.includes(`${join(dir, 'testsvc.ts')}:${TYPO_LINE}`), r.output);
    await server.waitFor(/tid \d+: failed in/, from);
    assert.deepEqual(server.grep(/send: .*<edit-config>/, from), [], 'nothing was sent to the controller');
    assert.deepEqual(await deviceParams(), { dev1: ['mp1=m1'], dev2: ['mp1=m1'] });
  });

  it('clixon-tsapi models saves every module-set and says what fetching and compiling it took', async (t) => {
    const out = join(dirname(dir), 'models');
    const r = await new Promise<{ code: number; stdout: string }>((resolve) =>
      execFile(process.execPath, ['--import', 'tsx', join(REPO, 'src/cli.ts'), 'models', '-s', SOCK, '-o', out], { cwd: REPO, timeout: 300_000 }, (err, stdout, stderr) =>
        resolve({ code: err === null ? 0 : typeof err.code === 'number' ? err.code : 1, stdout: stdout + stderr }),
      ),
    );
    assert.equal(r.code, 0, r.stdout);
    assert.match(r.stdout, /^set [0-9a-f]{12}: dev1, dev2(, [^;]+)?; \d+ modules; fetch \d+ ms, compile \d+ ms$/m);
    const saved = JSON.parse(readFileSync(join(out, 'models.json'), 'utf8')) as { devices: Record<string, string> };
    assert.deepEqual(Object.keys(saved.devices).sort(), [...DEVICES, ...others].sort());
    assert.equal(saved.devices.dev1, saved.devices.dev2);
    for (const d of others) assert.notEqual(saved.devices[d], saved.devices.dev1, `${d} has a set of its own`);
    for (const l of r.stdout.trim().split('\n')) t.diagnostic(l);
  });
});
