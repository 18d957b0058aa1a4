/**
 * Where the tests find the recordings of the real controller: `test/fixtures/wire`, inside
 * the checkout, so that a lone clone runs them (README.md there says what each file holds).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export const WIRE = join(import.meta.dirname, 'fixtures/wire');

/** A recorded file's text. */
export function wireFile(name: string): string {
  return readFileSync(join(WIRE, name), 'utf8');
}

/** The YANG of the rig's devices (clixon-example) and the controller's own (clixon-controller, clixon-lib, what they import). */
export const CLIXON_EXAMPLE_YANG = join(import.meta.dirname, 'fixtures/yang/clixon-example');
export const CLIXON_YANG = join(import.meta.dirname, 'fixtures/yang/clixon');
/** clixon-example and what it imports, for a simulator that knows the model without a device kind (list keys, module names). */
export const CLIXON_EXAMPLE_MODELS = [CLIXON_EXAMPLE_YANG, join(CLIXON_YANG, 'clixon-autocli@2025-12-01.yang')];
export const OPENCONFIG_YANG = join(import.meta.dirname, 'fixtures/yang/openconfig');

/**
 * The rig's kinds of device for the simulator: clixon-example routers (dev*: the Clixon
 * example backend's models) and OpenConfig devices (oc*: every OpenConfig model of the
 * fixtures, as the rig's oc1 publishes all of them).
 */
export const RIG_KINDS = {
  'clixon-example': {
    yangDirs: [CLIXON_EXAMPLE_YANG, CLIXON_YANG],
    // What the rig's dev1 publishes, as far as the fixtures hold it (get-device-schema on clixon-controller 1.8).
    modules: ['clixon-example', 'clixon-lib', 'ietf-datastores', 'ietf-netconf', 'ietf-netconf-acm', 'ietf-netconf-monitoring', 'ietf-yang-library', 'ietf-yang-metadata'],
    devices: ['dev*'],
  },
  openconfig: { yangDirs: [OPENCONFIG_YANG], devices: ['oc*'] },
};
