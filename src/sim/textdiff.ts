/**
 * The controller's curly-brace text diff (datastore-diff format text): what the CLI
 * prints for `show compare`. Followed clixon's text_diff2cbuf/text2cbuf for the layout:
 * 3 spaces a level, a parent header printed only at the level where a difference is,
 * `+`/`-` replacing the first column, `module:` before a node whose module differs from
 * its parent's, list keys after the list name, leaf-lists in `[ ]`. Siblings are paired
 * by identity rather than clixon's YANG-sorted lock-step.
 */
import type { SNode } from './tree.ts';
import type { Schema } from './datamodel.ts';
import { identity } from './edit.ts';

const INDENT = 3;

interface LeafListState {
  on: boolean;
  name: string | null;
}

export class TextDiff {
  private out: string[] = [];

  constructor(private readonly schema: Schema) {}

  /** Diff of two datastore roots (their children compared, the roots not printed). */
  static between(before: SNode, after: SNode, schema: Schema): string {
    const d = new TextDiff(schema);
    d.diff(before, after, 0, true);
    return d.out.join('');
  }

  private pad(n: number): string {
    return n > 0 ? ' '.repeat(n) : '';
  }

  private prefixOf(n: SNode): string | null {
    const p = n.parent;
    if (p && p.name !== '' && p.ns === n.ns) return null;
    return this.schema.moduleByNs.get(n.ns) ?? (n.ns.split(/[/:]/).filter(Boolean).pop() || null);
  }

  private keysText(n: SNode): string {
    const keys = this.schema.keysOf(n.localName, (k) => n.child(k) !== undefined);
    return keys.map((k) => ` ${n.childText(k) ?? ''}`).join('');
  }

  private isLeafList(n: SNode): boolean {
    if (n.children.length > 0) return false;
    if (this.schema.leafLists.has(n.localName)) return true;
    return (n.parent?.children.filter((c) => c.localName === n.localName).length ?? 0) > 1;
  }

  private header(n: SNode, level: number, space = true): void {
    const prefix = this.prefixOf(n);
    this.out.push(`${this.pad(level * INDENT)}${prefix ? prefix + ':' : ''}${n.localName}${this.keysText(n)}${space ? ' {' : '{'}\n`);
  }

  private diff(x0: SNode, x1: SNode, level: number, skiptop: boolean): void {
    let nr = 0;
    const st: LeafListState = { on: false, name: null };
    const head = (n: SNode, space = true): void => {
      if (nr === 0 && !skiptop) {
        this.header(n, level, space);
      }
      nr++;
    };
    const idx0 = new Map<string, number>();
    x0.children.forEach((c, i) => {
      const id = identity(c, this.schema);
      if (!idx0.has(id)) idx0.set(id, i);
    });
    const used = new Set<number>();
    let i0 = 0;
    const flushDeleted = (upto: number): void => {
      for (; i0 < upto; i0++) {
        if (used.has(i0)) continue;
        used.add(i0);
        head(x0);
        this.text(x0.children[i0]!, level + 1, '-', st);
      }
    };
    for (const b of x1.children) {
      const ai = idx0.get(identity(b, this.schema));
      if (ai === undefined || used.has(ai)) {
        head(x1);
        this.text(b, level + 1, '+', st);
        continue;
      }
      if (ai >= i0) flushDeleted(ai);
      used.add(ai);
      i0 = Math.max(i0, ai + 1);
      const a = x0.children[ai]!;
      const leaf = a.children.length === 0 && b.children.length === 0;
      if (leaf) {
        if ((a.text ?? '') !== (b.text ?? '')) {
          head(x0);
          const p = this.pad(level * INDENT + INDENT - 1);
          this.out.push(`-${p}${a.localName} "${a.text ?? ''}";\n`, `+${p}${b.localName} "${b.text ?? ''}";\n`);
        }
      } else this.diff(a, b, level + 1, false);
    }
    for (let i = 0; i < x0.children.length; i++) {
      if (used.has(i)) continue;
      used.add(i);
      head(x0, false);
      this.text(x0.children[i]!, level + 1, '-', st);
    }
    if (nr > 0 && !skiptop) this.out.push(`${this.pad(level * INDENT)}}\n`);
  }

  private text(n: SNode, level: number, prepend: string, st: LeafListState): void {
    const level1 = level * INDENT - prepend.length;
    const ll = this.isLeafList(n);
    if (st.on) {
      if (!(ll && st.name === n.localName)) {
        st.on = false;
        st.name = null;
        this.out.push(`${prepend}${this.pad(level1 - 1)}]\n`);
      }
    }
    const hasBody = n.children.length === 0 && n.text !== null && n.text !== '';
    if (n.children.length === 0 && !hasBody) {
      this.out.push(`${prepend}${this.pad(level1)}${n.localName}${this.keysText(n)};\n`);
      return;
    }
    const tleaf = hasBody;
    const continuing = st.on;
    if (!continuing) {
      const prefix = this.prefixOf(n);
      this.out.push(`${prepend}${this.pad(level1)}${prefix ? prefix + ':' : ''}${n.localName}`);
    }
    const keys = this.schema.keysOf(n.localName, (k) => n.child(k) !== undefined);
    this.out.push(keys.map((k) => ` ${n.childText(k) ?? ''}`).join(''));
    if (ll) {
      if (!continuing) {
        st.on = true;
        st.name = n.localName;
        this.out.push(' [\n');
      }
    } else if (!tleaf) this.out.push(' {\n');
    else this.out.push(' ');
    if (hasBody) {
      const v = n.text!.includes(' ') ? `"${n.text}"` : n.text!;
      if (st.on) this.out.push(`${prepend}${this.pad((level + 1) * INDENT - prepend.length)}${v}\n`);
      else this.out.push(`${v};\n`);
    }
    for (const c of n.children) {
      if (keys.includes(c.localName)) continue;
      this.text(c, level + 1, prepend, st);
    }
    if (!ll && st.on) {
      st.on = false;
      st.name = null;
      this.out.push(`${prepend}${this.pad(level1 + INDENT - 1)}]\n`);
    }
    if (!tleaf) this.out.push(`${prepend}${this.pad(level1)}}\n`);
  }
}
