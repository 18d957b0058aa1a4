/**
 * How long a transaction's modules may run, and how long each request to the controller
 * may wait for its reply: less than the controller waits for our answer, so that our
 * transaction-error naming the module or the request reaches the user before the
 * controller's generic "Timeout waiting for service daemon".
 *
 * Facts from clixon-controller (src/controller.h, controller_backend.c, controller_rpc.c):
 * the controller starts its wait when it sends services-commit; it waits
 * `services/service-timeout` seconds once that leaf has been written, else
 * CONTROLLER_SERVICE_TIMEOUT_DEFAULT = 10 s (the YANG default of 300 s is never read).
 */

export { CONTROLLER_SERVICE_TIMEOUT_DEFAULT_MS, parseServiceTimeout } from '../netconf/index.ts';

/** Kept back from the controller's wait for the error reply and the controller's own work: 2 s, or a tenth of long waits. */
export function answerMarginMs(controllerTimeoutMs: number): number {
  return Math.max(2_000, controllerTimeoutMs / 10);
}

/** How long the modules may run, and where that figure comes from (said when they overrun it). */
export interface ModuleBudget {
  ms: number;
  why: string;
}

const secs = (ms: number): string => `${Math.round(ms / 100) / 10} s`;

/**
 * The modules' budget for one transaction: what is left of the controller's wait after
 * `elapsedMs` (since the notification arrived: reads, a module load still under way) and the
 * margin, capped by the operator's `--timeout`; never below a second, so a module always gets
 * to start. `controllerTimeoutSet`: the wait came from services/service-timeout, not the
 * controller's built-in default.
 */
export function moduleBudget(opts: { controllerTimeoutMs: number; controllerTimeoutSet: boolean; elapsedMs: number; capMs?: number | undefined }): ModuleBudget {
  const margin = answerMarginMs(opts.controllerTimeoutMs);
  const left = opts.controllerTimeoutMs - margin - opts.elapsedMs;
  if (opts.capMs !== undefined && opts.capMs < left) return { ms: opts.capMs, why: `the server's --timeout ${secs(opts.capMs)}` };
  const wait = opts.controllerTimeoutSet
    ? `services/service-timeout ${secs(opts.controllerTimeoutMs)}`
    : `the controller's default wait of ${secs(opts.controllerTimeoutMs)} (services/service-timeout is not set)`;
  const spent = opts.elapsedMs >= 50 ? `, less ${secs(opts.elapsedMs)} spent before the modules started` : '';
  const floor = left < 1_000 ? ', but never under 1 s' : '';
  const why = `${wait}, less ${secs(margin)} kept for our answer${spent}${floor}; raise services/service-timeout to give the modules longer`;
  return { ms: Math.max(1_000, left), why };
}

/**
 * How long a request of the transaction may still wait for its reply: until the
 * controller's wait less half the margin, so that when no reply comes the other half is
 * left to hang up, connect again and send transaction-error; never below a second.
 */
export function requestBudgetMs(opts: { controllerTimeoutMs: number; elapsedMs: number }): number {
  const left = opts.controllerTimeoutMs - answerMarginMs(opts.controllerTimeoutMs) / 2 - opts.elapsedMs;
  return Math.max(1_000, Math.round(left));
}
