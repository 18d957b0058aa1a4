/**
 * Replays every case in test/fixtures/fuzz/: inputs that once broke the framing decoders,
 * the XML parser or the service server (saved by scripts/fuzz.ts --save, or written from
 * an issue), each against its property in oracles.ts.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEADLINE_MS } from '../deadline.ts';
import { checkFraming, checkXml, runHostile, type FuzzCase } from './oracles.ts';

const CORPUS = fileURLToPath(new URL('../fixtures/fuzz/', import.meta.url));
const files = readdirSync(CORPUS)
  .filter((f) => f.endsWith('.json'))
  .sort();

test('the corpus is there', () => {
  assert.ok(files.length > 0, `no cases in ${CORPUS}`);
});

for (const file of files) {
  const c = JSON.parse(readFileSync(join(CORPUS, file), 'utf8')) as FuzzCase;
  test(`${file}: ${c.note ?? c.kind}`, async () => {
    if (c.kind === 'framing') assert.equal(checkFraming(c), undefined);
    else if (c.kind === 'xml') assert.equal(checkXml(c), undefined);
    else {
      const { failures } = await runHostile(c, { deadlineMs: DEADLINE_MS });
      assert.deepEqual(failures, []);
    }
  });
}
