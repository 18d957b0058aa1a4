/**
 * `npm run test:controller`: the suite under test/controller/ against a running real
 * Clixon controller, given by CLIXON_CONTROLLER_CONFIG (its controller.xml). Without one
 * it says so in one line and exits 0: CI has no controller. Given one that does not
 * answer, it fails (exit 1) saying why: a suite asked for that cannot run is no pass.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { Session } from '../../src/netconf/index.ts';
import { readControllerConfig } from '../../src/service/config.ts';

const here = fileURLToPath(new URL('.', import.meta.url));
const config = process.env.CLIXON_CONTROLLER_CONFIG;

async function reachable(sock: string): Promise<string | undefined> {
  try {
    const s = await Session.connect({ path: sock, timeout: 10_000 });
    await s.close();
    return undefined;
  } catch (err) {
    return err instanceof Error ? err.message : String(err);
  }
}

async function main(): Promise<number> {
  if (!config) {
    console.log('test:controller skipped: CLIXON_CONTROLLER_CONFIG is not set (the controller.xml of a running Clixon controller, devices OPEN)');
    return 0;
  }
  let sock: string | undefined;
  try {
    sock = readControllerConfig(config).sock;
  } catch (err) {
    console.error(`test:controller FAILED: cannot read CLIXON_CONTROLLER_CONFIG=${config}: ${err instanceof Error ? err.message : String(err)}`);
    return 1;
  }
  const problem = sock === undefined ? `no CLICON_SOCK in ${config}` : await reachable(sock);
  if (problem !== undefined) {
    console.error(`test:controller FAILED: CLIXON_CONTROLLER_CONFIG is set, but the controller of ${config} does not answer (${problem}); start it, or unset the variable to skip the suite`);
    return 1;
  }
  const files = readdirSync(here).filter((f) => f.endsWith('.test.ts')).sort().map((f) => join(here, f));
  // One file at a time: the controller takes one services-commit subscriber.
  const r = spawnSync(process.execPath, ['--import', 'tsx', '--test', '--test-concurrency=1', ...files], { stdio: 'inherit' });
  return r.status ?? 1;
}

process.exitCode = await main();
