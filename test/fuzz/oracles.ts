/**
 * What the fuzzer (scripts/fuzz.ts) checks, and what the corpus test replays: a case of
 * each kind, the property it must keep, and the check, returning what went wrong (or
 * nothing). Kept apart from the generators so that a saved case replays exactly.
 *
 * - framing: a byte stream decoded in one read, in the saved reads, and a byte at a time
 *   gives the same messages and the same FramingError code, and no other exception.
 * - xml: parseString returns a tree or throws XmlParseError, nothing else; what dumps()
 *   writes parses back to the same text.
 * - hostile: the service server (in this process) against the fake controller
 *   misbehaving once per commit: each commit gets at most one answer taken, never a
 *   second after transaction-actions-done, exactly one when the fake neither hung up nor
 *   bent the answer itself; a tid left unanswered is said in the log; the next commit
 *   is served; no handler fails.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createConsola } from 'consola';
import { createDecoder, encodeFrame, FramingError, type FramingMode } from '../../src/netconf/index.ts';
import { parseString, XmlParseError } from '../../src/xml/index.ts';
import { ServiceServer } from '../../src/service/server.ts';
import { FakeController, OK, type Action, type Request } from '../service/fake-controller.ts';
import { TESTSVC } from '../service/harness.ts';

export interface FramingCase {
  kind: 'framing';
  mode: FramingMode;
  maxMessageBytes?: number;
  /** The stream, base64. */
  stream: string;
  /** Where the reads end (offsets into the stream, ascending). */
  cuts: number[];
  note?: string;
}

export interface XmlCase {
  kind: 'xml';
  text: string;
  note?: string;
}

/** The request of a transaction a hostile step bends. */
export type HostileOp = 'get' | 'get-config:running' | 'get-config:actions' | 'edit-config' | 'transaction-actions-done' | 'transaction-error' | 'create-subscription';

export type HostileAction =
  | 'stall'
  | 'close'
  | 'data'
  | 'wrong-id'
  | 'bad-xml'
  | 'rpc-error'
  | 'oversize'
  | 'duplicate'
  | 'notification-first'
  | 'dribble'
  | 'slow'
  | 'commit-with-reply'
  | { garbage: string; close?: boolean }
  | { truncate: number; close?: boolean };

export interface HostileStep {
  op: HostileOp;
  action: HostileAction;
}

export interface HostileCase {
  kind: 'hostile';
  steps: HostileStep[];
  note?: string;
}

export type FuzzCase = FramingCase | XmlCase | HostileCase;

// ---------------------------------------------------------------- framing

interface Decoded {
  messages: string[];
  error?: string;
}

function decode(mode: FramingMode, max: number | undefined, reads: Buffer[]): Decoded {
  const d = createDecoder(mode, max !== undefined ? { maxMessageBytes: max } : {});
  const messages: string[] = [];
  try {
    for (const r of reads) messages.push(...d.push(r));
    d.end();
    return { messages };
  } catch (err) {
    if (!(err instanceof FramingError)) throw err;
    return { messages: [...messages, ...err.messages], error: err.code };
  }
}

function same(a: Decoded, b: Decoded): boolean {
  return a.error === b.error && a.messages.length === b.messages.length && a.messages.every((m, i) => m === b.messages[i]);
}

function summary(d: Decoded): string {
  return `${d.messages.length} messages${d.error ? `, ${d.error}` : ''}`;
}

/** Byte-at-a-time decoding is skipped past this size (it is slow, and the saved reads cover splits). */
const BYTEWISE_MAX = 64 * 1024;

export function checkFraming(c: FramingCase): string | undefined {
  const stream = Buffer.from(c.stream, 'base64');
  const reads: Buffer[] = [];
  let from = 0;
  for (const cut of [...c.cuts, stream.length]) {
    if (cut > from) reads.push(stream.subarray(from, cut));
    from = Math.max(from, cut);
  }
  try {
    const whole = decode(c.mode, c.maxMessageBytes, [stream]);
    const split = decode(c.mode, c.maxMessageBytes, reads);
    if (!same(whole, split)) return `split reads differ: whole ${summary(whole)}, split ${summary(split)}`;
    if (stream.length <= BYTEWISE_MAX) {
      const bytes = Array.from({ length: stream.length }, (_, i) => stream.subarray(i, i + 1));
      const bytewise = decode(c.mode, c.maxMessageBytes, bytes);
      if (!same(whole, bytewise)) return `byte-at-a-time differs: whole ${summary(whole)}, bytewise ${summary(bytewise)}`;
    }
    return undefined;
  } catch (err) {
    return `foreign exception: ${err instanceof Error ? `${err.name}: ${err.message}` : String(err)}`;
  }
}

// ---------------------------------------------------------------- xml

export function checkXml(c: XmlCase): string | undefined {
  let first: string;
  try {
    first = parseString(c.text).dumps();
  } catch (err) {
    if (err instanceof XmlParseError) return undefined;
    return `foreign exception from parseString or dumps: ${err instanceof Error ? `${err.name}: ${err.message}` : String(err)}`;
  }
  try {
    const again = parseString(first).dumps();
    if (again !== first) return `dumps() output does not parse back to itself: ${JSON.stringify(first.slice(0, 200))} → ${JSON.stringify(again.slice(0, 200))}`;
  } catch (err) {
    return `dumps() output does not parse: ${err instanceof Error ? `${err.name}: ${err.message}` : String(err)}; output ${JSON.stringify(first.slice(0, 200))}`;
  }
  return undefined;
}

// ---------------------------------------------------------------- hostile

const NC = 'urn:ietf:params:xml:ns:netconf:base:1.0';
/** The fake controller's wait: the server's requests get its 1 s floor, so a stall costs about a second. */
const SERVICE_TIMEOUT_S = 2;

function opOf(req: Request): HostileOp | undefined {
  if (req.op === 'get-config') return req.source === 'running' ? 'get-config:running' : 'get-config:actions';
  return ['get', 'edit-config', 'transaction-actions-done', 'transaction-error', 'create-subscription'].includes(req.op) ? (req.op as HostileOp) : undefined;
}

/** Whether the fake hangs up, so that the controller (not the server) decides the tid. */
function hangsUp(action: HostileAction): boolean {
  return action === 'close' || (typeof action === 'object' && action.close === true);
}

/** The fake's action for `step`, answering `req`. */
function fakeAction(step: HostileStep, fake: FakeController, probeTid: () => string): Action {
  const a = step.action;
  switch (a) {
    case 'stall':
      return 'stall';
    case 'close':
      return 'close';
    case 'data':
      return { frames: ['<data/>'] };
    case 'wrong-id':
      return { frames: [`<rpc-reply xmlns="${NC}" message-id="7"><ok/></rpc-reply>`] };
    case 'bad-xml':
      return { frames: [`<rpc-reply xmlns="${NC}"><ok></rpc-reply>`] };
    case 'rpc-error':
      return { frames: [`<rpc-reply xmlns="${NC}"><rpc-error><error-type>application</error-type><error-tag>operation-failed</error-tag><error-severity>error</error-severity><error-message>fuzz</error-message></rpc-error></rpc-reply>`] };
    case 'oversize':
      return { raw: Buffer.from('\n#300000000\n<rpc-reply') };
    case 'duplicate':
      return { answer: { repeat: 2 } };
    case 'notification-first':
      return { answer: { before: [FakeController.servicesCommit('0').replace('<services-commit', '<other-event').replace('</services-commit>', '</other-event>')] } };
    case 'dribble':
      return { answer: { dribble: true } };
    case 'slow':
      return { answer: { delayMs: 200 } };
    case 'commit-with-reply':
      return { answer: { after: [fake.begin(probeTid())] } };
  }
  if ('garbage' in a) return { raw: Buffer.from(a.garbage, 'base64'), ...(a.close ? { close: true } : {}) };
  const frame = encodeFrame(OK, 'chunked');
  return { raw: frame.subarray(0, Math.max(1, Math.min(a.truncate, frame.length - 1))), ...(a.close ? { close: true } : {}) };
}

/** A server log line that settles tid without an answer taken. */
function settledInLog(lines: readonly string[], tid: string): boolean {
  const re = new RegExp(`tid ${tid}: (not answered: |transaction-actions-done sent, but|the controller refused|could not send)`);
  return lines.some((l) => re.test(l));
}

export interface HostileResult {
  failures: string[];
  commits: number;
}

/**
 * Runs the steps against one server: for each, a commit whose request `op` the fake bends
 * with `action` (for create-subscription: the fake hangs up and the commit rides in the
 * next subscription's reply), then a clean probe commit that must be answered done.
 */
export async function runHostile(c: HostileCase, opts: { deadlineMs: number }): Promise<HostileResult> {
  const dir = mkdtempSync(join(tmpdir(), 'tsapi-fuzz-'));
  writeFileSync(join(dir, 'package.json'), '{"type":"module"}');
  writeFileSync(join(dir, 'testsvc.ts'), TESTSVC);
  const fake = await FakeController.start({ serviceTimeoutS: SERVICE_TIMEOUT_S });
  const lines: string[] = [];
  const log = createConsola({
    level: 4,
    reporters: [
      {
        log: (o) => {
          lines.push(o.args.map(String).join(' '));
          fake.recheck();
        },
      },
    ],
  });
  const server = new ServiceServer({
    sockPath: fake.path,
    modulePaths: [dir],
    watch: false,
    reconnectMinMs: 10,
    reconnectMaxMs: 200,
    connectTimeoutMs: 2_000,
    log,
    logLevel: 1,
    onModuleLog: () => undefined,
  });
  const failures: string[] = [];
  let commits = 0;
  let tid = 0;
  const until = (what: string, cond: () => boolean): Promise<void> => fake.until(what, cond, opts.deadlineMs);
  /**
   * Waits until tid is answered or settled in the log: 'lost' when the connection it went
   * on closed first and the server never saw it (it hung up just then: the controller
   * would time that one out itself).
   */
  const settle = async (tid: string, conn: number | undefined): Promise<'settled' | 'lost'> => {
    const seen = (): boolean => lines.some((l) => l.startsWith(`services-commit tid ${tid}:`));
    const lost = (): boolean => conn !== undefined && !fake.isOpen(conn) && !seen();
    await until(`tid ${tid} settled`, () => fake.answers.some((a) => a.tid === tid) || settledInLog(lines, tid) || lost());
    if (fake.answers.some((a) => a.tid === tid) || settledInLog(lines, tid)) return 'settled';
    return 'lost';
  };
  try {
    await server.start();
    await fake.subscribed();
    for (const [i, step] of c.steps.entries()) {
      const hostile = String(++tid);
      let armed: HostileStep | undefined = step;
      fake.script = (req) => {
        if (!armed || opOf(req) !== armed.op) return undefined;
        const action = fakeAction(armed, fake, () => hostile);
        armed = undefined;
        return action;
      };
      const where = `step ${i} (${step.op} ${JSON.stringify(step.action)}), tid ${hostile}`;
      let conn: number | undefined;
      if (step.op === 'create-subscription') {
        const before = fake.connections;
        fake.dropAll();
        await until(`a new subscriber after ${where}`, () => fake.connections > before);
        // A bent subscription that does not carry the commit leaves it waiting for nobody: send it once subscribed.
        if (step.action !== 'commit-with-reply') {
          await fake.subscribed(before + 1);
          conn = fake.commit(hostile);
        }
      } else {
        await fake.subscribed(fake.connections);
        conn = fake.commit(hostile);
      }
      commits++;
      let outcome: 'settled' | 'lost';
      try {
        outcome = await settle(hostile, conn);
      } catch (err) {
        failures.push(`${where}: ${(err as Error).message}\n${lines.join('\n')}`);
        break;
      }
      armed = undefined;
      const taken = fake.answers.filter((a) => a.tid === hostile);
      const sent = fake.requests.filter((r) => r.tid === hostile && r.op.startsWith('transaction-')).map((r) => r.op);
      if (taken.length > 1) failures.push(`${where}: ${taken.length} answers taken`);
      const done = sent.indexOf('transaction-actions-done');
      if (done >= 0 && done < sent.length - 1) failures.push(`${where}: ${sent.join(', ')} sent`);
      const bendsAnswer = step.op === 'transaction-actions-done' || step.op === 'transaction-error';
      if (outcome === 'settled' && !hangsUp(step.action) && !bendsAnswer && taken.length === 0 && !settledInLog(lines, hostile)) failures.push(`${where}: no answer`);

      // The next commit is served. A probe sent while the server hangs up over the step's fallout (a reply
      // nobody asked for, say) may itself be left unanswered or answered with an error: another follows.
      let served = false;
      for (let attempt = 0; attempt < 3 && !served; attempt++) {
        const probe = String(++tid);
        try {
          await fake.subscribed(fake.connections);
          const on = fake.commit(probe);
          commits++;
          if ((await settle(probe, on)) === 'lost') continue;
        } catch (err) {
          failures.push(`${where}: the next commit was not served: ${(err as Error).message}\n${lines.join('\n')}`);
          break;
        }
        const answers = fake.answers.filter((a) => a.tid === probe);
        if (answers.length > 1) failures.push(`${where}: probe tid ${probe}: ${answers.length} answers taken`);
        served = answers[0]?.kind === 'done';
      }
      if (!served && failures.length === 0) failures.push(`${where}: three commits after it, none served:\n${lines.join('\n')}`);
      if (failures.length > 0) break;
    }
    for (const l of lines) if (/notification handling failed/.test(l)) failures.push(`handler failed: ${l}`);
  } finally {
    await server.stop();
    await fake.close();
    rmSync(dir, { recursive: true, force: true });
  }
  return { failures, commits };
}
