/**
 * Logging to the system log (`-l s`): one long-lived `logger` process (util-linux) fed a
 * line per message with its priority prefix, so messages reach syslog/journald through
 * /dev/log as any daemon's do. Node has no Unix datagram sockets, hence the helper process.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { inspect } from 'node:util';
import type { ConsolaReporter, LogObject } from 'consola';

/** syslog facility daemon (3): this is a system service (the Python server's handler logs as user). */
const FACILITY = 3;

export interface SyslogOptions {
  ident: string;
  /** A Unix socket other than /dev/log (tests point this at their own listener). */
  socket?: string;
  /** Where to report that logger itself failed. */
  onError?: (err: Error) => void;
}

/** A consola reporter writing to syslog; `close()` flushes and ends the logger process. */
export function createSyslogReporter(opts: SyslogOptions): ConsolaReporter & { close(): Promise<void> } {
  const args = ['-t', opts.ident, `--id=${process.pid}`, '--prio-prefix'];
  if (opts.socket) args.push('-u', opts.socket);
  let child: ChildProcess | undefined = spawn('logger', args, { stdio: ['pipe', 'ignore', 'inherit'] });
  child.on('error', (err) => {
    child = undefined;
    opts.onError?.(err);
  });
  child.stdin?.on('error', () => undefined);
  return {
    log(obj: LogObject) {
      if (!child?.stdin?.writable) return;
      const text = obj.args.map((a) => (typeof a === 'string' ? a : inspect(a))).join(' ');
      const prefix = obj.tag ? `${obj.tag}: ` : '';
      const pri = FACILITY * 8 + severity(obj.level);
      // One message per line: logger reads lines.
      for (const line of text.split('\n')) if (line.trim() !== '') child.stdin.write(`<${pri}>${prefix}${line}\n`);
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

/** consola level → syslog severity. */
function severity(level: number): number {
  if (level <= 0) return 3; // error
  if (level === 1) return 4; // warning
  if (level === 2) return 5; // notice
  if (level === 3) return 6; // info
  return 7; // debug, trace
}
