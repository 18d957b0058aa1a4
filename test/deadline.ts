/**
 * How tests wait: for the thing they need (a reply, a log line, a file), with one
 * generous deadline as a safety net for a slow, busy machine. The deadline never decides
 * an outcome; reaching it means the awaited thing did not happen.
 */
import { existsSync } from 'node:fs';

export const DEADLINE_MS = 120_000;

/** Resolves once cond() holds, checked every 50 ms (or as it answers); rejects naming `what` past the deadline. */
export async function waitUntil(what: string, cond: () => boolean | Promise<boolean>, deadlineMs = DEADLINE_MS): Promise<void> {
  const end = Date.now() + deadlineMs;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`waited ${deadlineMs / 1000} s in vain for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Resolves once `path` exists (or, with `exists` false, is gone). */
export function waitForFile(path: string, exists = true): Promise<void> {
  return waitUntil(`${path} to ${exists ? 'appear' : 'go'}`, () => existsSync(path) === exists);
}
