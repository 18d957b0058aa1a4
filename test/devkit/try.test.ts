// The `try` command, spawned as a user runs it: diff output for add, change and delete,
// --edit and --json, errors and exit status, and --watch picking up saves.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEADLINE_MS } from '../deadline.ts';

const here = (p: string): string => fileURLToPath(new URL(p, import.meta.url));
const REPO = here('../../');
const TRY = here('../../src/try.ts');
const MODULE = here('./fixtures/testsvc.ts');
const RUNNING = here('./fixtures/running.xml');
const LIMIT_MS = DEADLINE_MS;

function start(args: string[]): ChildProcess {
  return spawn(process.execPath, ['--import', 'tsx', TRY, ...args], {
    cwd: REPO,
    env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

/** Runs `try` to its end (killed past the limit). */
function runTry(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = start(args);
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`try did not finish: ${stderr}`));
    }, LIMIT_MS);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

const table = (lines: string[]): string => ['   <table xmlns="urn:example:clixon">', ...lines, '   </table>'].join('\n');
const entry = (sign: string, name: string, value: string): string[] => [
  `${sign}      <parameter>`,
  `${sign}         <name>${name}</name>`,
  `${sign}         <value>${value}</value>`,
  `${sign}      </parameter>`,
];
const bothDevices = (text: string): string => `dev1:\n${text}\ndev2:\n${text}\nOK\n`;

test('add: a new instance prints + lines per device, exit 0; --save writes the committed config', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'devkit-try-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const saved = join(dir, 'after.xml');
  const r = await runTry([MODULE, RUNNING, 'testsvc', 's2', '--save', saved]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, bothDevices(table(entry('+', 'a', 's2'))));
  assert.match(readFileSync(saved, 'utf8'), /<name>s2<\/name>\n\s*<params>a<\/params>\n\s*<created>\n\s*<path>\/devices\/device\[name="dev1"\]\/config\/table\/parameter\[name="a"\]<\/path>/);
});

test('change: the instance\'s old objects go, the new ones come', async () => {
  const r = await runTry([MODULE, RUNNING, "testsvc[name='s1']"]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, bothDevices(table([...entry('-', 'p2', 's1'), ...entry('+', 'p3', 's1')])));
});

test('delete: --delete removes what the instance created', async () => {
  const r = await runTry([MODULE, RUNNING, 'testsvc s1', '--delete']);
  assert.equal(r.code, 0, r.stderr);
  const removed = ['-   <table xmlns="urn:example:clixon">', ...entry('-', 'p1', 's1'), ...entry('-', 'p2', 's1'), '-   </table>'].join('\n');
  assert.equal(r.stdout, bothDevices(removed));
});

test('--edit prints the edit-config the server would send; --json the whole result', async () => {
  const edit = await runTry([MODULE, RUNNING, 'testsvc s2', '--edit']);
  assert.equal(edit.code, 0, edit.stderr);
  assert.match(edit.stdout, /^<edit-config>\n {2}<target>\n {4}<actions xmlns="http:\/\/clicon.org\/controller"\/>/);
  assert.match(edit.stdout, /<default-operation>merge<\/default-operation>/);
  assert.match(edit.stdout, /<parameter cl:creator="testsvc\[name='s2'\]"/);
  const json = await runTry([MODULE, RUNNING, 'testsvc s2', '--json']);
  assert.equal(json.code, 0, json.stderr);
  const out = JSON.parse(json.stdout) as { ok: boolean; entries: string[]; devices: Record<string, string>; edits: string[]; calls: { fn: string; instance: string }[] };
  assert.equal(out.ok, true);
  assert.deepEqual(out.entries, ["testsvc[name='s2']"]);
  assert.deepEqual(Object.keys(out.devices), ['dev1', 'dev2']);
  assert.equal(out.devices.dev1, table(entry('+', 'a', 's2')) + '\n');
  assert.equal(out.edits.length, 1);
  assert.deepEqual(out.calls.map((c) => [c.fn, c.instance]), [['setup', 's2']]);
});

test('a module that throws: the error with the module\'s file and line on stderr, exit 1', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'devkit-try-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const cfg = join(dir, 'boom.xml');
  writeFileSync(cfg, readFileSync(RUNNING, 'utf8').replace('<name>s2</name>', '<name>boom</name>'));
  const line = readFileSync(MODULE, 'utf8').split('\n').findIndex((l) => l.includes("throw new Error('boom requested')")) + 1;
  const r = await runTry([MODULE, cfg, 'testsvc boom']);
  assert.equal(r.code, 1);
  assert.equal(r.stdout, '');
  assert.match(r.stderr, /error: setup of testsvc \(.*testsvc\.ts\) failed: boom requested/);
  assert.match(r.stderr, new RegExp(`at ${MODULE.replace(/[.]/g, '\\.')}:${line}:\\d+`));
  const json = await runTry([MODULE, cfg, 'testsvc boom', '--json']);
  assert.equal(json.code, 1);
  const out = JSON.parse(json.stdout) as { ok: boolean; error: { kind: string; at: { file: string; line: number } } };
  assert.equal(out.ok, false);
  assert.deepEqual([out.error.kind, out.error.at.file, out.error.at.line], ['module', MODULE, line]);
});

test('bad input: a missing config or a missing argument exits 2', async () => {
  const missing = await runTry([MODULE, join(tmpdir(), 'no-such-config.xml')]);
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /cannot read config/);
  const noArgs = await runTry([MODULE]);
  assert.equal(noArgs.code, 2);
});

test('config wrapped in <config>, <data> or a whole <rpc-reply>: the same diff, OK, exit 0', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'devkit-try-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const running = readFileSync(RUNNING, 'utf8');
  const expected = bothDevices(table(entry('+', 'a', 's2')));
  const wrapped: Record<string, string> = {
    'config.xml': `<config>\n${running}</config>\n`,
    'data.xml': `<data xmlns="urn:ietf:params:xml:ns:netconf:base:1.0">${running}</data>`,
    'reply.xml': `<rpc-reply xmlns="urn:ietf:params:xml:ns:netconf:base:1.0"><data>${running}</data></rpc-reply>`,
  };
  for (const [name, text] of Object.entries(wrapped)) {
    writeFileSync(join(dir, name), text);
    const r = await runTry([MODULE, join(dir, name), 'testsvc', 's2']);
    assert.equal(r.code, 0, `${name}: ${r.stderr}`);
    assert.equal(r.stdout, expected, name);
  }
});

test('no OK for the wrong input: another top element, a missing instance, a service no module serves, no instance at all; exit 2', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'devkit-try-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const running = readFileSync(RUNNING, 'utf8');
  const file = (name: string, text: string): string => {
    writeFileSync(join(dir, name), text);
    return join(dir, name);
  };
  const cases: [string[], RegExp][] = [
    [[file('foo.xml', `<foo>${running}</foo>`), 'testsvc', 's2'], /^error: config: expected <services>\/<devices> at the top or inside <config>\/<data>\/<rpc-reply>, found <foo>$/m],
    [[RUNNING, 'testsvc', 'nope'], /^error: no testsvc\[name='nope'\] in the config's services \(it has testsvc\[name='s1'\], testsvc\[name='s2'\]\)$/m],
    [[RUNNING, 'banner', 'motd'], /^error: no module serves banner \(the modules serve testsvc\)$/m],
    [[file('devices.xml', running.slice(running.indexOf('<devices')))], /^error: no instance of testsvc in the config's services: no module has anything to do$/m],
  ];
  for (const [args, message] of cases) {
    const r = await runTry([MODULE, ...args]);
    assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.equal(r.stdout, '', 'no OK');
    assert.match(r.stderr, message);
  }
});

/** Collects a running child's output and waits for it to match. */
class Output {
  text = '';
  err = '';
  private waiters: (() => void)[] = [];
  constructor(child: ChildProcess) {
    const wake = (): void => {
      for (const w of this.waiters.splice(0)) w();
    };
    child.stdout!.on('data', (d: Buffer) => {
      this.text += d.toString();
      wake();
    });
    child.stderr!.on('data', (d: Buffer) => {
      this.err += d.toString();
      wake();
    });
  }
  /** Resolves once `test` holds for (stdout, stderr); rejects past the limit. */
  async until(what: string, cond: (out: string, err: string) => boolean): Promise<void> {
    const deadline = Date.now() + LIMIT_MS;
    while (!cond(this.text, this.err)) {
      if (Date.now() > deadline) throw new Error(`waited in vain for ${what}; stdout:\n${this.text}\nstderr:\n${this.err}`);
      await new Promise<void>((r) => {
        const t = setTimeout(r, 1000);
        this.waiters.push(() => {
          clearTimeout(t);
          r();
        });
      });
    }
  }
}

test('--watch re-runs on saves of the module, a file it imports and the config; errors show and the next save runs', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'devkit-watch-'));
  const mod = join(dir, 'mod.ts');
  const helper = join(dir, 'helper.ts');
  const cfg = join(dir, 'config.xml');
  writeFileSync(join(dir, 'package.json'), '{"type":"module"}');
  writeFileSync(helper, "export const VALUE = 'v1';\n");
  const moduleText = (tag: string): string =>
    `import { VALUE } from './helper.ts';
export const SERVICE = 'testsvc';
export function setup(root: any): void {
  for (const d of root.devices.getElements('device')) d.config.create('${tag}', { data: VALUE });
}
`;
  writeFileSync(mod, moduleText('x'));
  writeFileSync(cfg, readFileSync(RUNNING, 'utf8'));
  // The module writes <x> in the controller's namespace, which no device model has: not what this test is about.
  const child = start([mod, cfg, '--watch', '--no-validate']);
  const out = new Output(child);
  t.after(() => {
    child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });
  // The last complete run (a save may trigger more than one run; only the latest counts).
  const lastRun = (): string => out.text.split('OK\n').slice(0, -1).at(-1) ?? '';
  const after = (what: string, re: RegExp): Promise<void> => out.until(what, () => re.test(lastRun()));

  await after('the first run', /^dev1:\n\+ {3}<x>v1<\/x>\ndev2:/);

  writeFileSync(helper, "export const VALUE = 'v2';\n");
  await after('a run after the imported file changed', /\+ {3}<x>v2<\/x>/);

  writeFileSync(mod, moduleText('y'));
  await after('a run after the module changed', /\+ {3}<y>v2<\/y>/);

  writeFileSync(cfg, readFileSync(RUNNING, 'utf8').replaceAll('dev2', 'dev9'));
  await after('a run after the config changed', /dev9:\n\+ {3}<y>v2<\/y>/);

  writeFileSync(mod, moduleText('y').replace("d.config.create('y', { data: VALUE });", "throw new Error('broken on purpose');"));
  await out.until('the error of the throwing module', (_, err) => /broken on purpose/.test(err));
  assert.match(out.err, new RegExp(`at ${mod.replace(/[.]/g, '\\.')}:4:\\d+`));

  writeFileSync(mod, moduleText('z'));
  await after('a run after the module was fixed', /\+ {3}<z>v2<\/z>/);

  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  child.kill('SIGTERM');
  assert.equal(await exited, 0);
});
