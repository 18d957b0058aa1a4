/**
 * Logging to the system log (`-l s`): one long-lived `logger` process (util-linux) fed a
 * line per message with its priority prefix, so messages reach syslog/journald through
 * /dev/log as any daemon's do. Node has no Unix datagram sockets, hence the helper process.
 *
 * A syslog message holds SYSLOG_MESSAGE_BYTES (logger's default, RFC 3164's limit); logger
 * itself splits a longer line at that byte count, mid-character if need be. So a log line
 * longer than that is cut here to its head and size, and text written whole (frames asked
 * for whole) is split here on character boundaries.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { inspect } from 'node:util';
import type { ConsolaReporter, LogObject } from 'consola';
import { headOf, utf8End } from './framelog.ts';

/** syslog facility daemon (3): this is a system service (the Python server's handler logs as user). */
const FACILITY = 3;

/** The bytes of one message after the `ident[pid]: ` header. */
export const SYSLOG_MESSAGE_BYTES = 1024;

export interface SyslogOptions {
  ident: string;
  /** A Unix socket other than /dev/log (tests point this at their own listener). */
  socket?: string;
  /** Where to report that logger itself failed. */
  onError?: (err: Error) => void;
}

export interface SyslogReporter extends ConsolaReporter {
  /**
   * Writes `text` at a consola level without consola, a message per line, each line
   * whole: split over as many messages as it needs.
   */
  write(level: number, tag: string, text: string): void;
  /** Flushes and ends the logger process. */
  close(): Promise<void>;
}

/** A consola reporter writing to syslog; each line of a log call is one message, cut to fit. */
export function createSyslogReporter(opts: SyslogOptions): SyslogReporter {
  const args = ['-t', opts.ident, `--id=${process.pid}`, '--prio-prefix'];
  if (opts.socket) args.push('-u', opts.socket);
  let child: ChildProcess | undefined = spawn('logger', args, { stdio: ['pipe', 'ignore', 'inherit'] });
  child.on('error', (err) => {
    child = undefined;
    opts.onError?.(err);
  });
  child.stdin?.on('error', () => undefined);
  // One message per line: logger reads lines.
  const send = (level: number, tag: string, text: string, whole: boolean): void => {
    const stdin = child?.stdin;
    if (!stdin?.writable) return;
    const label = tag ? `${tag}: ` : '';
    const head = `<${FACILITY * 8 + severity(level)}>${label}`;
    const room = syslogRoom(tag);
    for (const line of text.split('\n')) {
      if (line.trim() === '') continue;
      if (!whole) {
        const cut = headOf(line, room);
        stdin.write(`${head}${cut ? `${cut.head} ${cut.note}` : line}\n`);
        continue;
      }
      for (let at = 0; at < line.length; ) {
        const end = utf8End(line, at, room);
        stdin.write(`${head}${line.slice(at, end)}\n`);
        at = end;
      }
    }
  };
  return {
    log(obj: LogObject) {
      send(obj.level, obj.tag, obj.args.map((a) => (typeof a === 'string' ? a : inspect(a))).join(' '), false);
    },
    write(level, tag, text) {
      send(level, tag, text, true);
    },
    close() {
      const c = child;
      child = undefined;
      if (!c?.stdin) return Promise.resolve();
      return new Promise<void>((resolve) => {
        c.once('close', () => resolve());
        c.stdin!.end();
      });
    },
  };
}

/** The bytes left for the text of a message that carries `tag`. */
export function syslogRoom(tag: string): number {
  // A few bytes at least, so that splitting always moves on.
  return Math.max(8, SYSLOG_MESSAGE_BYTES - (tag ? Buffer.byteLength(`${tag}: `) : 0));
}

/** consola level → syslog severity. */
function severity(level: number): number {
  if (level <= 0) return 3; // error
  if (level === 1) return 4; // warning
  if (level === 2) return 5; // notice
  if (level === 3) return 6; // info
  return 7; // debug, trace
}
