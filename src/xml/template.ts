/**
 * Templates: XML text with `${NAME}` / `{{NAME}}` variables, filled in and parsed. Values
 * are XML-escaped (unlike clixon-pyapi, which splices raw text), and substitution is one
 * pass, so a value can neither inject markup nor expand another variable.
 */
import { readFileSync } from 'node:fs';
import { escapeAttr, type Element, type XmlNode } from './element.ts';
import { parseString } from './parser.ts';
import { selectPath } from './path.ts';

export type TemplateVars = Record<string, string | number | boolean>;

/** A template needs variables that were not given. */
export class TemplateVariableError extends Error {
  override name = 'TemplateVariableError';
  constructor(readonly missing: string[]) {
    super(`Missing template variable${missing.length > 1 ? 's' : ''}: ${missing.join(', ')}`);
  }
}

/** No template of that name under /devices/template. */
export class TemplateNotFoundError extends Error {
  override name = 'TemplateNotFoundError';
  constructor(readonly template: string) {
    super(`Template ${template} not found`);
  }
}

const VARIABLE = /\$\{([A-Za-z0-9_-]+)\}|\{\{([A-Za-z0-9_-]+)\}\}/g;

function lookup(vars: TemplateVars, name: string): string | number | boolean | undefined {
  if (Object.hasOwn(vars, name)) return vars[name];
  // `-` in a template name matches `_` in the variable (JS identifiers have no `-`)
  const alt = name.replace(/-/g, '_');
  return Object.hasOwn(vars, alt) ? vars[alt] : undefined;
}

/** Fills in the variables (escaped) and returns the XML text; throws TemplateVariableError. */
export function fillTemplate(xml: string, vars: TemplateVars): string {
  const missing = new Set<string>();
  const out = xml.replace(VARIABLE, (whole, a: string | undefined, b: string | undefined) => {
    const name = (a ?? b)!;
    const v = lookup(vars, name);
    if (v === undefined) {
      missing.add(name);
      return whole;
    }
    // attribute escaping covers text too, and quotes keep attribute values closed
    return escapeAttr(String(v)).replace(/'/g, '&apos;');
  });
  if (missing.size > 0) throw new TemplateVariableError([...missing]);
  return out;
}

/** Fills in a template and parses it: a document root holding the template's elements. */
export function parseTemplate(xml: string, vars: TemplateVars = {}): XmlNode {
  return parseString(fillTemplate(xml, vars));
}

export function parseTemplateFile(path: string, vars: TemplateVars = {}): XmlNode {
  return parseTemplate(readFileSync(path, 'utf8'), vars);
}

/**
 * A template stored in the config tree, `/devices/template[name=…]/config`, filled in:
 * the result's children are the elements under that `config`.
 */
export function parseTemplateConfig(root: Element, name: string, vars: TemplateVars = {}): XmlNode {
  const tpl = selectPath(root, '/devices/template', false).find((t) => t.child('name')?.getData() === name);
  if (!tpl) throw new TemplateNotFoundError(name);
  const config = tpl.child('config');
  const body = config ? config.getChildren().map((c) => c.dumps()).join('') : '';
  return parseTemplate(body, vars);
}
