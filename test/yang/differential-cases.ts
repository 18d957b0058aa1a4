/**
 * What the yanglint differential (scripts/yang-differential.ts records it, differential.test.ts
 * replays it) runs on: the OpenConfig fixture models, the modules given to both judges, the
 * recorded file and its cases.
 */
import { fileURLToPath } from 'node:url';
import { YangContext } from '../../src/yang/compile.ts';
import { SchemaSet } from '../../src/yang/validate.ts';

/** The OpenConfig fixtures, and beside them openconfig-bgp-policy (one of the few OpenConfig models with a must). */
export const DIFFERENTIAL_DIRS = [fileURLToPath(new URL('../fixtures/yang/differential', import.meta.url)), fileURLToPath(new URL('../fixtures/yang/openconfig', import.meta.url))];
// Gzipped: the documents repeat each other (1 MB of JSON, 50 KB compressed).
export const DIFFERENTIAL_FIXTURE = fileURLToPath(new URL('../fixtures/yang/differential.json.gz', import.meta.url));

/** Loaded by both judges (yanglint with -i -i: what they import is implemented too, as our reader has it). */
export const DIFFERENTIAL_MODULES = [
  'openconfig-interfaces', 'openconfig-if-ethernet', 'openconfig-if-ip', 'openconfig-vlan', 'openconfig-if-aggregate',
  'iana-if-type', 'openconfig-system', 'openconfig-acl', 'openconfig-routing-policy', 'openconfig-lldp', 'openconfig-network-instance',
  'openconfig-bgp-policy',
];

/** The modules whose top-level nodes documents are generated from. */
export const DIFFERENTIAL_TOPS = ['openconfig-interfaces', 'openconfig-system', 'openconfig-acl', 'openconfig-routing-policy', 'openconfig-lldp', 'openconfig-network-instance'];

export interface DifferentialCase {
  id: string;
  /** 'none' for a generated document, else the one defect put into a valid one. */
  defect: string;
  doc: string;
  /** yanglint's verdict: true when it accepted the document. */
  yanglint: boolean;
  yanglintMessage: string;
}

/** Our schemas for the differential: the same modules, and what they import. */
export function differentialSchemas(): SchemaSet {
  const ctx = new YangContext(DIFFERENTIAL_DIRS);
  ctx.load(DIFFERENTIAL_MODULES);
  return new SchemaSet(ctx, DIFFERENTIAL_DIRS);
}
