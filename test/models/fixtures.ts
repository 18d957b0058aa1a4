/**
 * The replies recorded from a real controller in test/fixtures/models/ (scripts/record-models.ts),
 * with each `<data ref="…"/>` (a module kept as a file under test/fixtures/yang/) given its
 * text back, escaped as the controller sends a detail reply.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { escapeText } from '../../src/netconf/index.ts';

export const MODELS_FIXTURES = join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'models');

/** A recorded reply, as the controller sent it (module prose aside). */
export function recordedReply(name: string): string {
  return readFileSync(join(MODELS_FIXTURES, name), 'utf8')
    .trim()
    .replace(/<data ref="([^"]+)"\/>/g, (_m, ref: string) => `<data>${escapeText(readFileSync(join(MODELS_FIXTURES, ref), 'utf8'))}</data>`);
}
