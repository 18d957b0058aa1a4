/**
 * Where the tests find the recordings of the real controller: `../shared/clixon-wire`
 * beside the checkout, as the developers' machines and CI lay it out.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export const WIRE = join(import.meta.dirname, '../../shared/clixon-wire');

/** A recorded file's text. */
export function wireFile(name: string): string {
  return readFileSync(join(WIRE, name), 'utf8');
}
