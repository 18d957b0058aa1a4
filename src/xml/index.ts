/**
 * The config-tree API: Element and XmlNode, parse and serialize, paths, list keys,
 * templates and the helpers service modules use.
 */
export { Element, XmlTreeError, element, underscoreName, type XmlNode, type JsonValue, type CreateOptions, type GetElementsOptions, type ToXmlOptions } from './element.ts';
export { parseString, parseFile, XmlParseError } from './parser.ts';
export { XmlPathError } from './path.ts';
export { entryKey, registerListKeys, getListKeys } from './keys.ts';
