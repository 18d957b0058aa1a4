/**
 * XML text to the config tree: the one-pass index (xmlindex.ts) behind a lazy tree, or the
 * shared scanner (scan.ts) with a builder that makes raw Elements directly; either way any
 * malformed input throws XmlParseError with line, column and an excerpt, never a partial
 * tree. Mixed content is kept (text concatenated).
 */
import { readFileSync } from 'node:fs';
import { internals, type Element, type XmlNode } from './element.ts';
import { scan, XmlParseError, type ScanOptions, type TreeBuilder } from './scan.ts';
import { indexXml } from './xmlindex.ts';

export { XmlParseError } from './scan.ts';

const { make, setChildren, setText } = internals;

const elementBuilder: TreeBuilder<Element> = {
  open: make,
  close(el, children, text) {
    if (children !== null) setChildren(el, children);
    if (text !== '') setText(el, text);
  },
};

const OPTIONS: ScanOptions = { mixedContent: true, names: 'xml' };

/**
 * Parses XML text; the result is a document root whose children are the top-level elements.
 * The text is checked whole at once (a malformed document throws before anything is built)
 * and indexed; elements are read from it as the tree is walked (see element.ts).
 */
export function parseString(xml: string): XmlNode {
  return internals.proxy(internals.lazyDocument(indexXml(xml)));
}

/**
 * parseString building every element at once with the scanner: the reference the lazy tree
 * is tested against, and the baseline of the tree benchmark.
 */
export function parseStringWhole(xml: string): XmlNode {
  const doc = internals.makeDocument();
  scan(xml, doc, elementBuilder, OPTIONS);
  return internals.proxy(doc);
}

/** Parses an XML file (UTF-8). */
export function parseFile(path: string): XmlNode {
  const xml = readFileSync(path, 'utf8');
  try {
    return parseString(xml);
  } catch (err) {
    if (err instanceof XmlParseError) {
      err.file = path;
      err.message = `${path}: ${err.message}`;
    }
    throw err;
  }
}
