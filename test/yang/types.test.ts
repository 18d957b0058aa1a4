/**
 * Generated types: the examples' committed declarations are what the generator makes from
 * their YANG and openconfig-system today, the example type-checks, and a copy with
 * a misspelled leaf is rejected by tsc (the TypeScript API, in memory).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { YangContext, indexYangFiles } from '../../src/yang/index.ts';
import { generateTypes } from '../../src/yang/typegen.ts';
import { withController } from '../../src/yang/validate.ts';

const repo = fileURLToPath(new URL('../../', import.meta.url));
const bannerDir = join(repo, 'modules/banner');
const sshDir = join(repo, 'modules/ssh-users');
const ocDir = join(repo, 'test/fixtures/yang/openconfig');

test('modules/types/config.d.ts is what the generator makes now (npm run types:modules)', () => {
  const given = [join(bannerDir, 'banner@2026-01-01.yang'), join(sshDir, 'ssh-users@2023-05-22.yang'), join(ocDir, 'openconfig-system.yang')];
  const ctx = new YangContext(withController([bannerDir, sshDir, ocDir]));
  const names = [...indexYangFiles(given).keys()];
  ctx.load(names);
  const text = generateTypes(ctx, { modules: names, elementImport: 'clixon-tsapi' });
  assert.equal(`${text}\n`, readFileSync(join(repo, 'modules/types/config.d.ts'), 'utf8'));
});

/** tsc's errors for the banner module with `edit` applied to its source, checked as a file beside it. */
function typeErrors(edit: (src: string) => string): string[] {
  const cfg = ts.readConfigFile(join(repo, 'tsconfig.json'), (p) => ts.sys.readFile(p));
  const { options } = ts.parseJsonConfigFileContent(cfg.config, ts.sys, repo);
  const file = join(bannerDir, 'banner.typecheck.ts');
  const text = edit(readFileSync(join(bannerDir, 'banner.ts'), 'utf8'));
  const host = ts.createCompilerHost(options);
  const getSourceFile = host.getSourceFile.bind(host);
  host.getSourceFile = (name, lang, ...rest) => (name === file ? ts.createSourceFile(name, text, lang) : getSourceFile(name, lang, ...rest));
  const fileExists = host.fileExists.bind(host);
  host.fileExists = (name) => name === file || fileExists(name);
  const program = ts.createProgram([file], options, host);
  return ts.getPreEmitDiagnostics(program).map((d) => `${d.file ? dirname(d.file.fileName) === bannerDir ? 'banner' : d.file.fileName : ''}: ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`);
}

test('the banner example type-checks with its generated types', () => {
  assert.deepEqual(typeErrors((s) => s), []);
});

test('tsc rejects a misspelled leaf in the banner example', () => {
  const errors = typeErrors((s) => {
    assert.ok(s.includes('sysConfig.login_banner'));
    return s.replace('sysConfig.login_banner', 'sysConfig.login_baner');
  });
  assert.equal(errors.length, 1, errors.join('\n'));
  assert.match(errors[0]!, /^banner: Property 'login_baner' does not exist on type .*DevSystemConfig/);
});
