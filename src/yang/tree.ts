/**
 * The schema as an RFC 8340 tree diagram, in the layout `pyang -f tree` prints (no line
 * wrapping): how the tests compare our reading of real models with pyang's.
 */
import { subs } from './parse.ts';
import type { SchemaNode, YangModule } from './schema.ts';
import type { YangContext } from './compile.ts';

function status(n: SchemaNode): string {
  return n.status === 'deprecated' ? 'x' : n.status === 'obsolete' ? 'o' : '+';
}

type Mode = 'data' | 'input' | 'output' | 'notification' | 'rpc';

function flags(n: SchemaNode, mode: Mode): string {
  if (mode === 'input') return '-w';
  if (n.kind === 'rpc' || n.kind === 'action') return '-x';
  if (n.kind === 'notification') return '-n';
  if (n.config === true) return 'rw';
  if (n.config === false || mode === 'output' || mode === 'notification') return 'ro';
  return '';
}

function displayName(n: SchemaNode, module: YangModule): string {
  return n.module === module ? n.name : `${n.module.prefix}:${n.name}`;
}

function typeName(n: SchemaNode): string {
  const t = n.type;
  if (t) {
    if (t.name !== 'leafref' || t.leafrefPath === undefined) return t.name;
    // As pyang: drop the node's own prefix, and repeat a prefix only where it changes.
    let cur = n.module.prefix;
    const parts = t.leafrefPath.split('/').map((comp) => {
      const i = comp.indexOf(':');
      if (i < 0) return comp;
      const pfx = comp.slice(0, i);
      if (pfx === cur) return comp.slice(i + 1);
      cur = pfx;
      return comp;
    });
    return `-> ${parts.join('/')}`;
  }
  if (n.kind === 'anydata') return '<anydata>';
  if (n.kind === 'anyxml') return '<anyxml>';
  return '';
}

function width(nodes: readonly SchemaNode[], module: YangModule): number {
  let w = 0;
  for (const n of nodes) {
    const len = n.kind === 'choice' || n.kind === 'case' ? 3 + width(n.children, module) : displayName(n, module).length;
    if (len > w) w = len;
  }
  return w;
}

function isKey(n: SchemaNode): boolean {
  return n.kind === 'leaf' && n.parent?.kind === 'list' && n.parent.keys.includes(n.name);
}

function printChildren(out: string[], nodes: readonly SchemaNode[], module: YangModule, prefix: string, mode: Mode, w0 = 0): void {
  const w = w0 === 0 ? width(nodes, module) : w0;
  const last = nodes[nodes.length - 1];
  for (const n of nodes) {
    if ((n.kind === 'input' || n.kind === 'output') && n.children.length === 0) continue;
    const isLast = n === last || (last?.kind === 'output' && last.children.length === 0);
    const m: Mode = n.kind === 'input' ? 'input' : n.kind === 'output' ? 'output' : mode;
    printNode(out, n, module, prefix + (isLast ? '   ' : '  |'), m, w);
  }
}

function printNode(out: string[], n: SchemaNode, module: YangModule, prefix: string, mode: Mode, w: number): void {
  let line = `${prefix.slice(0, -1)}${status(n)}--`;
  let name = displayName(n, module);
  const f = flags(n, mode);
  if (n.kind === 'list') line += `${f} ${name}*`;
  else if (n.kind === 'container') line += `${f} ${name}${n.presence ? '!' : ''}`;
  else if (n.kind === 'choice') line += `${f} (${name})${n.mandatory ? '' : '?'}`;
  else if (n.kind === 'case') line += `:(${name})`;
  else {
    if (n.kind === 'leaf-list') name += '*';
    else if ((n.kind === 'leaf' && !isKey(n)) || n.kind === 'anydata' || n.kind === 'anyxml') {
      if (!n.mandatory) name += '?';
    }
    const t = typeName(n);
    line += t === '' ? `${f} ${name}` : `${f} ${name.padEnd(w + 1)}   ${t}`;
  }
  if (n.kind === 'list') line += n.keys.length ? ` [${n.keys.join(' ')}]` : ' []';
  const feats = [...n.ifFeatures];
  for (const a of n.augmentIfFeatures ?? []) if (!feats.includes(a)) feats.push(a);
  if (feats.length) line += ` {${feats.join(',')}}?`;
  out.push(line);
  if (n.kind === 'choice' || n.kind === 'case') printChildren(out, n.children, module, prefix, mode, w - 3);
  else printChildren(out, n.children, module, prefix, mode);
}

/** The tree diagram of one module, as `pyang -f tree <module>` prints it. */
export function printTree(ctx: YangContext, moduleName: string): string {
  const module = ctx.modules.get(moduleName);
  if (!module) throw new Error(`module ${moduleName} is not loaded`);
  const out: string[] = [];
  let header = false;
  const head = (): void => {
    if (!header) out.push(`module: ${module.name}`);
    header = true;
  };
  const data = module.nodes.filter((n) => n.kind !== 'rpc' && n.kind !== 'notification');
  if (data.length) {
    head();
    printChildren(out, data, module, '', 'data');
  }
  let delimited = false;
  for (const top of [module.stmt, ...module.submodules]) {
    for (const a of subs(top, 'augment')) {
      const target = ctx.augmentTarget(a);
      const added = ctx.augmentNodes(a);
      if (!target || !added || target.module === module) continue;
      head();
      if (!delimited) out.push('');
      delimited = true;
      out.push(`  augment ${a.arg}:`);
      const mode: Mode = target.kind === 'input' ? 'input' : target.kind === 'output' ? 'output' : target.kind === 'notification' ? 'notification' : 'data';
      printChildren(out, added, module, '  ', mode);
    }
  }
  for (const [kind, title] of [['rpc', 'rpcs'], ['notification', 'notifications']] as const) {
    const nodes = module.nodes.filter((n) => n.kind === kind);
    if (!nodes.length) continue;
    head();
    out.push('', `  ${title}:`);
    printChildren(out, nodes, module, '  ', kind === 'rpc' ? 'rpc' : 'notification');
  }
  return out.length ? `${out.join('\n')}\n` : '';
}
