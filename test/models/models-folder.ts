/**
 * A models folder as `clixon-tsapi models` writes it, built from the replies recorded from
 * a real controller: dev1 with dev1's module-set (clixon-example), dev2 with oc1's
 * (OpenConfig, openconfig-system among them). Written once per test process, removed at exit.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseString } from '../../src/xml/index.ts';
import { moduleSetKey, parseDeviceSchemaReply, parseDeviceSchemaTexts, snapshotOf, writeModelsFile } from '../../src/models/index.ts';
import { recordedReply } from './fixtures.ts';

function build(): string {
  const dir = mkdtempSync(join(tmpdir(), 'tsapi-models-'));
  process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
  const sets = new Map<string, ReturnType<typeof parseDeviceSchemaReply>>();
  for (const [device, recorded] of [['dev1', 'dev1'], ['dev2', 'oc1']] as const) {
    const modules = parseDeviceSchemaReply(parseString(recordedReply(`get-device-schema-${recorded}.xml`)));
    sets.set(device, modules);
    const setDir = join(dir, moduleSetKey(modules));
    mkdirSync(setDir, { recursive: true });
    for (const [file, { text }] of parseDeviceSchemaTexts(parseString(recordedReply(`get-device-schema-${recorded}-detail.xml`)))) writeFileSync(join(setDir, `${file}.yang`), text);
  }
  writeModelsFile(dir, snapshotOf('recorded', sets, new Map()));
  return dir;
}

export const MODELS_DIR = build();
