/**
 * The config-tree API: Element and XmlNode, parse and serialize, paths, list keys,
 * templates and the helpers service modules use.
 */
export {
  Element,
  XmlTreeError,
  ForeignElementError,
  isElement,
  element,
  underscoreName,
  escapeText,
  escapeAttr,
  type XmlNode,
  type JsonValue,
  type CreateOptions,
  type GetElementsOptions,
  type ToXmlOptions,
} from './element.ts';
export { parseString, parseFile, XmlParseError } from './parser.ts';
export { XmlPathError } from './path.ts';
export { entryKey, registerListKeys, getListKeys, localName } from './keys.ts';
export {
  parseTemplate,
  parseTemplateFile,
  parseTemplateConfig,
  fillTemplate,
  TemplateVariableError,
  TemplateNotFoundError,
  type TemplateVars,
} from './template.ts';
export {
  getPath,
  getPaths,
  getServiceInstance,
  parseInstanceRef,
  type InstanceRef,
  getServiceInstances,
  getDevices,
  getDevice,
  getDeviceConfig,
  getDevicesFromGroup,
  getValue,
  getData,
  getProperties,
  setCreatorAttributes,
  isJuniper,
  getJunosInterfaceAddress,
  getOpenconfigInterfaceAddress,
  MissingValueError,
  type ValueOptions,
  type CreatorOptions,
} from './helpers.ts';
