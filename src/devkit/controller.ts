/**
 * The controller's side of one services-commit, offline, through the simulator's own code:
 * the data model read from YANG, the config the server reads (narrowed by the modules'
 * SERVICE_XPATH, as the server's get-config is), and the server's edit-configs merged into
 * the actions datastore with the creator-tag bookkeeping, as the simulated controller does.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { parseString, registerListKeys, type XmlNode } from '../xml/index.ts';
import { applyEdit, canonical, SimRpcError } from '../sim/edit.ts';
import { Schema } from '../sim/datamodel.ts';
import type { SchemaSet } from '../yang/schemaset.ts';
import { parseXml, SNode } from '../sim/tree.ts';
import { filterTree } from '../sim/xpath.ts';

/** The controller would refuse an edit-config the modules' changes make (e.g. create of an existing node). */
export class EditRejectedError extends Error {
  constructor(
    readonly errorTag: string,
    message: string,
  ) {
    super(`the controller would reject the edit-config: ${errorTag}: ${message}`);
    this.name = 'EditRejectedError';
  }
}

/**
 * The data model: the simulator's built-in controller model, and the YANG already
 * compiled for validation, else the `.yang` files directly in each module folder and
 * every `.yang` below `yangDirs`. Its controller and service list keys are registered for
 * entry matching (entryKey, the diff).
 */
export function loadSchema(moduleDirs: readonly string[], yangDirs: readonly string[] = [], compiled?: SchemaSet): Schema {
  const schema = compiled ? new Schema().add(compiled) : Schema.fromDirs(yangFilesOf(moduleDirs).concat(yangDirs));
  registerListKeys(Object.fromEntries(schema.registryKeys));
  return schema;
}

/** The `.yang` files directly in each folder. */
function yangFilesOf(moduleDirs: readonly string[]): string[] {
  const files: string[] = [];
  for (const dir of moduleDirs) {
    let names: string[];
    try {
      names = readdirSync(dir);
    } catch {
      continue;
    }
    for (const n of names) if (n.endsWith('.yang')) files.push(join(dir, n));
  }
  return files;
}

/** A config tree as a datastore: canonical nodes (namespaces declared where they change, no other attributes). */
function toDatastore(root: XmlNode): SNode {
  const doc = new SNode('');
  for (const c of parseXml(root.dumps()).children) doc.append(canonical(c, ''));
  return doc;
}

function fromDatastore(doc: SNode): XmlNode {
  return parseString(doc.toXml());
}

/** What a get-config with the modules' XPath returns of `root` ('/' or none: all of it). */
export function narrow(root: XmlNode, filter: { xpath: string; namespaces: Record<string, string> }, schema: Schema): XmlNode {
  if (filter.xpath === '/' || filter.xpath === '') return root.copy();
  return fromDatastore(filterTree(toDatastore(root), filter.xpath, filter.namespaces, schema));
}

// The server's RPC declares these prefixes; the edit bodies use them.
const EDIT_PREFIXES = 'xmlns:cl="http://clicon.org/lib" xmlns:nc="urn:ietf:params:xml:ns:netconf:base:1.0"';

/**
 * The actions datastore after the server's edit-configs (default-operation merge), as the
 * simulated controller applies them: creator tags become the instances' `created` paths.
 * Throws EditRejectedError where the controller would answer rpc-error.
 */
export function commitEdits(actions: XmlNode, edits: readonly string[], schema: Schema): XmlNode {
  let doc = toDatastore(actions);
  for (const body of edits) {
    const config = parseXml(`<config ${EDIT_PREFIXES}>${body}</config>`).children[0]!;
    try {
      doc = applyEdit(doc, config, 'merge', schema);
    } catch (err) {
      if (err instanceof SimRpcError) throw new EditRejectedError(err.errorTag, err.message);
      throw err;
    }
  }
  return fromDatastore(doc);
}
