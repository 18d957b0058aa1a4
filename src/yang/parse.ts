/**
 * YANG text to statements: the tokenizer (comments, unquoted/single/double-quoted strings,
 * `+` concatenation, RFC 7950 6.1.3 indentation trimming) and the statement tree, each
 * statement with its file:line:column. Meaning is given to statements in `compile.ts`.
 */
import { readFileSync } from 'node:fs';

/** A YANG file that cannot be read or understood; the message starts with file:line:column. */
export class YangError extends Error {
  constructor(
    message: string,
    readonly file: string,
    readonly line: number,
    readonly column: number,
  ) {
    super(`${file}:${line}:${column}: ${message}`);
    this.name = 'YangError';
  }
}

export interface Stmt {
  /** The keyword; extension statements keep their prefix (`oc-ext:openconfig-version`). */
  keyword: string;
  arg: string | undefined;
  subs: Stmt[];
  /** The statement this one is written in; undefined for the module or submodule. */
  parent?: Stmt;
  file: string;
  line: number;
  col: number;
}

interface Token {
  text: string;
  quoted: boolean;
  line: number;
  col: number;
}

/** Drops the spaces and tabs at the end of the text the parts make so far. */
function trimLineEnd(parts: string[]): void {
  while (parts.length) {
    const last = parts[parts.length - 1]!;
    let e = last.length;
    while (e > 0 && (last[e - 1] === ' ' || last[e - 1] === '\t')) e--;
    if (e > 0) {
      parts[parts.length - 1] = last.slice(0, e);
      return;
    }
    parts.pop();
  }
}

function tokenize(src: string, file: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  let line = 1;
  let lineStart = 0;
  const n = src.length;
  const err = (msg: string): never => {
    throw new YangError(msg, file, line, i - lineStart + 1);
  };
  while (i < n) {
    const c = src[i]!;
    if (c === '\n') {
      line++;
      i++;
      lineStart = i;
      continue;
    }
    if (c === ' ' || c === '\t' || c === '\r') {
      i++;
      continue;
    }
    if (c === '/' && src[i + 1] === '/') {
      while (i < n && src[i] !== '\n') i++;
      continue;
    }
    if (c === '/' && src[i + 1] === '*') {
      const end = src.indexOf('*/', i + 2);
      if (end < 0) err('unterminated comment');
      for (let j = i; j < end; j++) if (src[j] === '\n') {
        line++;
        lineStart = j + 1;
      }
      i = end + 2;
      continue;
    }
    const tokLine = line;
    const tokCol = i - lineStart + 1;
    if (c === '{' || c === '}' || c === ';' || c === '+') {
      tokens.push({ text: c, quoted: false, line: tokLine, col: tokCol });
      i++;
      continue;
    }
    if (c === '"') {
      // Continuation lines lose whitespace up to the column after the opening quote, and
      // each line its trailing whitespace. Built from slices of the source: a long
      // description costs one pass, not a copy per line.
      const indent = tokCol;
      const parts: string[] = [];
      i++;
      let from = i;
      for (;;) {
        if (i >= n) err('unterminated double-quoted string');
        const d = src[i]!;
        if (d === '"') break;
        if (d === '\\') {
          const e = src[i + 1];
          parts.push(src.slice(from, i), e === 'n' ? '\n' : e === 't' ? '\t' : e === '"' ? '"' : e === '\\' ? '\\' : `\\${e}`);
          i += 2;
          from = i;
          continue;
        }
        if (d === '\n') {
          parts.push(src.slice(from, i));
          trimLineEnd(parts);
          parts.push('\n');
          line++;
          i++;
          lineStart = i;
          let col = 0;
          while (i < n && col < indent && (src[i] === ' ' || src[i] === '\t')) {
            col += src[i] === '\t' ? 8 : 1;
            i++;
          }
          from = i;
          continue;
        }
        i++;
      }
      parts.push(src.slice(from, i));
      i++;
      tokens.push({ text: parts.join(''), quoted: true, line: tokLine, col: tokCol });
      continue;
    }
    if (c === "'") {
      const end = src.indexOf("'", i + 1);
      if (end < 0) err('unterminated single-quoted string');
      const text = src.slice(i + 1, end);
      for (let j = i; j < end; j++) if (src[j] === '\n') {
        line++;
        lineStart = j + 1;
      }
      i = end + 1;
      tokens.push({ text, quoted: true, line: tokLine, col: tokCol });
      continue;
    }
    const start = i;
    while (i < n) {
      const d = src[i]!;
      if (d === ' ' || d === '\t' || d === '\n' || d === '\r' || d === ';' || d === '{' || d === '}') break;
      if (d === '/' && (src[i + 1] === '/' || src[i + 1] === '*')) break;
      i++;
    }
    tokens.push({ text: src.slice(start, i), quoted: false, line: tokLine, col: tokCol });
  }
  return tokens;
}

/** Parses YANG text into its one top-level statement (module or submodule). */
export function parseYang(src: string, file: string): Stmt {
  const toks = tokenize(src, file);
  let p = 0;
  const at = (t: Token | undefined, msg: string): never => {
    const last = toks[toks.length - 1];
    throw new YangError(msg, file, t?.line ?? last?.line ?? 1, t?.col ?? last?.col ?? 1);
  };
  const statement = (parent: Stmt | undefined): Stmt => {
    const kw = toks[p];
    if (!kw || kw.quoted || kw.text === '{' || kw.text === '}' || kw.text === ';' || kw.text === '+') {
      return at(kw, `expected a keyword, found ${kw ? `'${kw.text}'` : 'end of file'}`);
    }
    p++;
    let arg: string | undefined;
    const t = toks[p];
    if (t && (t.quoted || (t.text !== '{' && t.text !== ';' && t.text !== '}'))) {
      arg = t.text;
      p++;
      while (toks[p]?.text === '+' && !toks[p]!.quoted && toks[p + 1]?.quoted) {
        arg += toks[p + 1]!.text;
        p += 2;
      }
    }
    const stmt: Stmt = { keyword: kw.text, arg, subs: [], parent, file, line: kw.line, col: kw.col };
    const end = toks[p];
    if (end?.text === ';' && !end.quoted) {
      p++;
      return stmt;
    }
    if (end?.text === '{' && !end.quoted) {
      p++;
      while (!(toks[p]?.text === '}' && !toks[p]!.quoted)) {
        if (p >= toks.length) at(undefined, `missing '}' for ${kw.text} at line ${kw.line}`);
        stmt.subs.push(statement(stmt));
      }
      p++;
      return stmt;
    }
    return at(end, `expected ';' or '{' after ${kw.text}${arg !== undefined ? ` ${arg}` : ''}`);
  };
  const top = statement(undefined);
  if (top.keyword !== 'module' && top.keyword !== 'submodule') {
    throw new YangError(`expected module or submodule, found ${top.keyword}`, file, top.line, top.col);
  }
  if (p < toks.length) at(toks[p], 'text after the end of the module');
  return top;
}

export function parseYangFile(file: string): Stmt {
  return parseYang(readFileSync(file, 'utf8'), file);
}

export function sub(s: Stmt, keyword: string): Stmt | undefined {
  return s.subs.find((x) => x.keyword === keyword);
}

export function subs(s: Stmt, keyword: string): Stmt[] {
  return s.subs.filter((x) => x.keyword === keyword);
}

export function subArg(s: Stmt, keyword: string): string | undefined {
  return sub(s, keyword)?.arg;
}
