/**
 * The one info line the server logs per transaction: where its time went (the controller's
 * time per RPC, the parse, the modules, the serialize) and what it read and sent, from the
 * server's TransactionReport.
 */
import { groupDigits } from './framelog.ts';
import type { TransactionReport } from './server.ts';

// More edit-configs than this are summed instead of listed one by one.
const EDITS_LISTED = 8;

/**
 * `tid 112: done in 3312 ms; controller get 5 ms, get-config 812 ms, edit-config 602 ms,
 * transaction-actions-done 1298 ms; read 12 315 016 bytes, parse 412 ms, modules 20 ms,
 * serialize 180 ms; sent 1 edit-config, 21 509 bytes`
 */
export function transactionLine(r: TransactionReport): string {
  const ms = (x: number): string => `${Math.round(x)} ms`;
  const controller: string[] = [];
  const edits = r.rpcs.filter((x) => x.name === 'edit-config').map((x) => x.waitMs);
  // The edit-configs go together, where the first of them went.
  let editsShown = false;
  for (const rpc of r.rpcs) {
    if (rpc.name !== 'edit-config') controller.push(`${rpc.name} ${ms(rpc.waitMs)}`);
    else if (!editsShown) {
      controller.push(editTimes(edits));
      editsShown = true;
    }
  }
  const parts = [`tid ${r.tid}: ${r.outcome === 'done' ? 'done' : 'failed'} in ${ms(r.totalMs)}`];
  if (controller.length > 0) parts.push(`controller ${controller.join(', ')}`);
  const work: string[] = [];
  if (r.configBytes > 0) work.push(`read ${groupDigits(r.configBytes)} bytes`);
  if (r.timings) work.push(`parse ${ms(r.timings.parseMs)}`, `modules ${ms(r.timings.modulesMs)}`, `serialize ${ms(r.timings.serializeMs)}`);
  if (work.length > 0) parts.push(work.join(', '));
  parts.push(`sent ${r.edits} edit-config, ${groupDigits(r.editBytes)} bytes`);
  return parts.join('; ');
}

/** `edit-config 602 ms`, `edit-config 602+580 ms`, or past EDITS_LISTED `edit-config 40× 23456 ms`. */
function editTimes(times: readonly number[]): string {
  const total = times.reduce((a, x) => a + x, 0);
  if (times.length > EDITS_LISTED) return `edit-config ${times.length}× ${Math.round(total)} ms`;
  return `edit-config ${times.map((x) => Math.round(x)).join('+')} ms`;
}
