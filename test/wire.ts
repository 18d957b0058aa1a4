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
