/**
 * Logging: one consola instance per component, tagged, so every folder logs the same way.
 * Level follows the process: `-d` on the server sets debug (4); tests stay quiet unless
 * CLIXON_TSAPI_LOG is set.
 */
import { createConsola, type ConsolaInstance } from 'consola';

export type { ConsolaInstance };

const envLevel = process.env.CLIXON_TSAPI_LOG;
const root = createConsola({
  level: envLevel !== undefined ? Number(envLevel) : process.env.NODE_TEST_CONTEXT ? 1 : 3,
});

/** A logger tagged with the component name, e.g. `logger('server')`. */
export function logger(tag: string): ConsolaInstance {
  const log = root.withTag(tag);
  tagged.push(log);
  return log;
}

// withTag copies the level, so a level change must reach every tagged instance.
const tagged: ConsolaInstance[] = [];

/** Sets the level of every logger made by `logger()` (0 silent … 4 debug, 5 trace). */
export function setLogLevel(level: number): void {
  root.level = level;
  for (const log of tagged) log.level = level;
}
