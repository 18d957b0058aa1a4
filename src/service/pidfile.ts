/**
 * The pid file lock: one server per pid file. Created exclusively; a file naming a live
 * process refuses the second instance, a file left by a dead process is taken over.
 * Removed on release (only if it still names this process).
 */
import { closeSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';

export class PidFileLockedError extends Error {
  constructor(readonly path: string, readonly pid: number) {
    super(`another clixon_server (pid ${pid}) holds the pid file ${path}`);
    this.name = 'PidFileLockedError';
  }
}

export class PidFileError extends Error {
  constructor(readonly path: string, cause: unknown) {
    super(`cannot create the pid file ${path}: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
    this.name = 'PidFileError';
  }
}

/** Takes the pid file for this process; returns the function that releases it. */
export function acquirePidFile(path: string, pid: number = process.pid): () => void {
  for (let attempt = 0; attempt < 3; attempt++) {
    let fd: number;
    try {
      fd = openSync(path, 'wx', 0o644);
    } catch (err) {
      if (!isCode(err, 'EEXIST')) throw new PidFileError(path, err);
      const holder = readPid(path);
      if (holder !== undefined && holder !== pid && isAlive(holder)) throw new PidFileLockedError(path, holder);
      // Stale (dead process, or empty/garbled): take it over.
      try {
        unlinkSync(path);
      } catch (e) {
        if (!isCode(e, 'ENOENT')) throw new PidFileError(path, e);
      }
      continue;
    }
    writeSync(fd, `${pid}\n`);
    closeSync(fd);
    return () => {
      if (readPid(path) === pid) {
        try {
          unlinkSync(path);
        } catch {
          // Already gone: nothing to release.
        }
      }
    };
  }
  throw new PidFileError(path, new Error('kept changing while being taken over'));
}

function readPid(path: string): number | undefined {
  try {
    const n = Number.parseInt(readFileSync(path, 'utf8').trim(), 10);
    return Number.isInteger(n) && n > 0 ? n : undefined;
  } catch {
    return undefined;
  }
}

/** Whether a process with this pid exists (one of another user's counts). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it exists, owned by someone else.
    return isCode(err, 'EPERM');
  }
}

function isCode(err: unknown, code: string): boolean {
  return typeof err === 'object' && err !== null && 'code' in err && err.code === code;
}
