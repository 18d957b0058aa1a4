/**
 * Element-by-element comparison of a simulator message with a recorded one: names,
 * namespaces (as declared attributes), attributes, text and child order all count.
 * Ignored, because they legitimately differ between runs: the text of eventTime,
 * timestamp, timestamp0, conn-state-timestamp, session-id and tid (tids are compared
 * through the mapping the replay keeps, not here).
 */
import { xmlDifferences } from './fidelity.ts';

const VOLATILE = new Set(['eventTime', 'timestamp', 'timestamp0', 'conn-state-timestamp', 'session-id', 'tid']);

/** Returns '' when equal, else where the first difference is. */
export function compareXml(actual: string, expected: string): string {
  return xmlDifferences(actual, expected, VOLATILE)[0] ?? '';
}
