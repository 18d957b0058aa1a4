/**
 * The one info line the server logs per transaction: where its time went (the controller's
 * time per RPC, the parse, the modules, the serialize) and what it read and sent, from the
 * server's TransactionReport.
 */
import { groupDigits } from './framelog.ts';
import type { TransactionReport } from './server.ts';
import { listDevices } from '../models/snapshot.ts';

// More calls of one RPC than this are summed instead of listed one by one.
const CALLS_LISTED = 8;

/**
 * `tid 112: done in 3312 ms; controller get 5 ms, get-config 812 ms, edit-config 602+580 ms,
 * transaction-actions-done 1298 ms; read 12 315 016 bytes, parse 412 ms, modules 20 ms,
 * serialize 180 ms; sent 2 edit-config, 21 509 bytes`
 */
export function transactionLine(r: TransactionReport): string {
  const ms = (x: number): string => `${Math.round(x)} ms`;
  // The calls of one RPC (the edit-config batches) go together, in the order of their first.
  const byName = new Map<string, number[]>();
  for (const rpc of r.rpcs) byName.set(rpc.name, [...(byName.get(rpc.name) ?? []), rpc.waitMs]);
  const controller = [...byName].map(([name, times]) => `${name} ${callTimes(times)}`);
  const parts = [`tid ${r.tid}: ${r.outcome === 'done' ? 'done' : 'failed'} in ${ms(r.totalMs)}`];
  if (controller.length > 0) parts.push(`controller ${controller.join(', ')}`);
  const work: string[] = [];
  if (r.configBytes > 0) work.push(`read ${groupDigits(r.configBytes)} bytes`);
  if (r.timings) {
    work.push(`parse ${ms(r.timings.parseMs)}`, `modules ${ms(r.timings.modulesMs)}`);
    if (r.timings.validateMs !== undefined) work.push(`validate ${ms(r.timings.validateMs)}${r.timings.validateNote ? ` (${r.timings.validateNote})` : ''}`);
    else if (r.timings.validateOff !== undefined) work.push(`validate off (${r.timings.validateOff})`);
    work.push(`serialize ${ms(r.timings.serializeMs)}`);
  }
  // Devices not judged by models of their own, by reason: many devices with one reason make one short entry.
  const byWhy = new Map<string, string[]>();
  for (const [device, why] of Object.entries(r.modelsUse?.off ?? {})) byWhy.set(why, [...(byWhy.get(why) ?? []), device === '*' ? 'every device' : device]);
  for (const [why, devices] of byWhy) work.push(`no device models for ${listDevices(devices)} (${why})`);
  if (work.length > 0) parts.push(work.join(', '));
  const models = modelsLoaded(r);
  if (models) parts.push(models);
  parts.push(`sent ${r.edits} edit-config, ${groupDigits(r.editBytes)} bytes`);
  return parts.join('; ');
}

/** `602 ms`, `602+580 ms`, or past CALLS_LISTED `40× 23456 ms`. */
function callTimes(times: readonly number[]): string {
  if (times.length > CALLS_LISTED) return `${times.length}× ${Math.round(times.reduce((a, x) => a + x, 0))} ms`;
  return `${times.map((x) => Math.round(x)).join('+')} ms`;
}

/**
 * `models loaded from /run/controller.sock: set 1a2b3c4d5e6f (dev1, dev2; 22 modules) fetch 16 ms, compile 130 ms`:
 * when a module-set's YANG was fetched or compiled for this transaction, where from and what it took.
 */
function modelsLoaded(r: TransactionReport): string | undefined {
  const fetched = new Map((r.models?.loads ?? []).map((l) => [l.set, l]));
  const compiled = new Map((r.modelsUse?.compiled ?? []).map((c) => [c.set, c]));
  const sets = [...new Set([...fetched.keys(), ...compiled.keys()])];
  if (sets.length === 0) return undefined;
  const each = sets.map((set) => {
    const f = fetched.get(set);
    const c = compiled.get(set);
    const devices = f?.devices ?? c?.devices ?? [];
    const shown = listDevices(devices);
    const cost = [f ? `fetch ${Math.round(f.fetchMs)} ms` : '', c && c.why === undefined ? `compile ${Math.round(c.ms)} ms` : ''].filter((x) => x !== '').join(', ');
    return `set ${set} (${shown}; ${f?.modules ?? c?.modules ?? 0} modules)${cost ? ` ${cost}` : ''}`;
  });
  return `models loaded${r.models ? ` from ${r.models.from}` : ''}: ${each.join('; ')}`;
}
