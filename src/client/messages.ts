/**
 * The script client's request messages, as clixon-pyapi's client sent them to a real
 * controller (shared/clixon-wire/session-client*.jsonl): same elements, attributes and
 * order, so a recorded session and ours can be compared line by line.
 */

export const NETCONF_NS = 'urn:ietf:params:xml:ns:netconf:base:1.0';
export const CONTROLLER_NS = 'http://clicon.org/controller';
export const CLIXON_LIB_NS = 'http://clicon.org/lib';
const NOTIFICATION_NS = 'urn:ietf:params:xml:ns:netmod:notification';
const WITH_DEFAULTS_NS = 'urn:ietf:params:xml:ns:yang:ietf-netconf-with-defaults';

/** Escapes text for an attribute value or element content. */
export function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

// pyapi used three header shapes; each message keeps the one it was recorded with.
const openUserNc = (user: string): string =>
  `<rpc xmlns="${NETCONF_NS}" username="${esc(user)}" xmlns:nc="${NETCONF_NS}" message-id="42">`;
const openIdUser = (user: string): string => `<rpc xmlns="${NETCONF_NS}" message-id="42" username="${esc(user)}">`;
const openClUser = (user: string): string =>
  `<rpc xmlns="${NETCONF_NS}" xmlns:nc="${NETCONF_NS}" cl:username="${esc(user)}" xmlns:cl="${CLIXON_LIB_NS}" message-id="42">`;

/** A datastore element in source/target: `actions` is the controller's own. */
function datastore(name: string): string {
  return name === 'actions' ? `<actions xmlns="${CONTROLLER_NS}"/>` : `<${name}/>`;
}

export function getConfig(user: string, source: string, xpath: string, namespaces: Record<string, string>): string {
  const ns = Object.entries(namespaces)
    .map(([p, uri]) => ` xmlns:${p}="${esc(uri)}"`)
    .join('');
  return `${openUserNc(user)}<get-config><source>${datastore(source)}</source><nc:filter nc:type="xpath" nc:select="${esc(xpath)}"${ns}/></get-config></rpc>`;
}

/** The body is the inside of `<config>`: top-level elements with their namespaces. */
export function editConfig(user: string, target: string, body: string): string {
  return `<rpc xmlns="${NETCONF_NS}" username="${esc(user)}" xmlns:nc="${NETCONF_NS}" message-id="42" xmlns:cl="${CLIXON_LIB_NS}"><edit-config><target>${datastore(target)}</target><default-operation>merge</default-operation><config>${body}</config></edit-config></rpc>`;
}

export function commit(user: string): string {
  return `${openUserNc(user)}<commit/></rpc>`;
}

export function discardChanges(user: string): string {
  return `${openClUser(user)}<discard-changes/></rpc>`;
}

export function closeSession(user: string): string {
  return `<rpc xmlns="${NETCONF_NS}" cl:username="${esc(user)}" xmlns:cl="${CLIXON_LIB_NS}" message-id="42"><close-session/></rpc>`;
}

export function lock(user: string, target: string): string {
  return `${openIdUser(user)}<lock><target><${target}/></target></lock></rpc>`;
}

export function unlock(user: string, target: string): string {
  return `${openIdUser(user)}<unlock><target><${target}/></target></unlock></rpc>`;
}

export function subscribe(user: string, stream: string): string {
  return `${openClUser(user)}<create-subscription xmlns="${NOTIFICATION_NS}"><stream>${esc(stream)}</stream><filter type="xpath" select=""/></create-subscription></rpc>`;
}

/** controller-commit as push: the running config to the devices, no service actions. */
export function push(user: string, device: string): string {
  return `${openUserNc(user)}<controller-commit xmlns="${CONTROLLER_NS}"><device>${esc(device)}</device><push>COMMIT</push><actions>NONE</actions><source>ds:running</source></controller-commit></rpc>`;
}

/** controller-commit forcing one service instance's actions from candidate. */
export function applyService(user: string, service: string, instance: string, diff: boolean): string {
  const inst = `${service}[service-name='${instance}']`;
  return `${openIdUser(user)}<controller-commit xmlns="${CONTROLLER_NS}"><device>*</device><push>${diff ? 'NONE' : 'COMMIT'}</push><actions>FORCE</actions><service-instance>${esc(inst)}</service-instance><source>ds:candidate</source></controller-commit></rpc>`;
}

export function configPull(user: string, device: string, transient: boolean): string {
  const t = transient ? '<transient>true</transient>' : '';
  return `${openUserNc(user)}<config-pull xmlns="${CONTROLLER_NS}"><device>${esc(device)}</device>${t}</config-pull></rpc>`;
}

export function connectionOpen(user: string, device: string): string {
  return `${openIdUser(user)}<connection-change xmlns="${CONTROLLER_NS}"><operation>OPEN</operation><device>${esc(device)}</device></connection-change></rpc>`;
}

/** Text diff of two datastores (running vs candidate). */
export function datastoreCompare(user: string): string {
  return `${openIdUser(user)}<datastore-diff xmlns="${CONTROLLER_NS}"><format>text</format><dsref1>ds:running</dsref1><dsref2>ds:candidate</dsref2></datastore-diff></rpc>`;
}

/** Per-device diff of two of a device's configs (TRANSIENT, RUNNING, ACTIONS, …). */
export function deviceDiff(user: string, device: string, type1: string, type2: string): string {
  return `${openIdUser(user)}<datastore-diff xmlns="${CONTROLLER_NS}"><device>${esc(device)}</device><config-type1>${type1}</config-type1><config-type2>${type2}</config-type2></datastore-diff></rpc>`;
}

export interface TemplateApply {
  type: 'CONFIG' | 'RPC';
  device?: string;
  deviceGroup?: string;
  /** a template name, or (inline) the `<config>` element to apply */
  template?: string;
  inline?: string;
  variables?: Record<string, string>;
}

export function templateApply(user: string, t: TemplateApply): string {
  const target =
    t.deviceGroup !== undefined
      ? `<device-group>${esc(t.deviceGroup)}</device-group>`
      : `<device>${esc(t.device ?? '*')}</device>`;
  const body = t.inline !== undefined ? `<inline>${t.inline}</inline>` : `<template>${esc(t.template ?? '')}</template>`;
  const vars = Object.entries(t.variables ?? {});
  const variables = vars.length
    ? `<variables>${vars.map(([n, v]) => `<variable><name>${esc(n)}</name><value>${esc(v)}</value></variable>`).join('')}</variables>`
    : '';
  return `${openIdUser(user)}<device-template-apply xmlns="${CONTROLLER_NS}"><type>${t.type}</type>${target}${body}${variables}</device-template-apply></rpc>`;
}

export function deviceRpcResult(user: string, tid: string): string {
  return `${openIdUser(user)}<device-rpc-result xmlns="${CONTROLLER_NS}"><tid>${esc(tid)}</tid></device-rpc-result></rpc>`;
}

export function getTransactions(user: string, tid?: string): string {
  const select = tid !== undefined ? `/co:transactions/co:transaction[co:tid='${tid}']` : 'co:transactions';
  return `${openClUser(user)}<get cl:content="nonconfig" xmlns:cl="${CLIXON_LIB_NS}"><nc:filter nc:type="xpath" nc:select="${esc(select)}" xmlns:co="${CONTROLLER_NS}"/><with-defaults xmlns="${WITH_DEFAULTS_NS}">report-all</with-defaults></get></rpc>`;
}

export function getDevices(user: string): string {
  const select =
    'co:devices/co:device/co:name | co:devices/co:device/co:conn-state | co:devices/co:device/co:conn-state-timestamp | co:devices/co:device/co:logmsg';
  return `${openClUser(user)}<get cl:content="all" xmlns:cl="${CLIXON_LIB_NS}"><nc:filter nc:type="xpath" nc:select="${select}" xmlns:co="${CONTROLLER_NS}"/><with-defaults xmlns="${WITH_DEFAULTS_NS}">explicit</with-defaults></get></rpc>`;
}
