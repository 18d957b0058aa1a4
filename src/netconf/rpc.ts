/**
 * RPC builders: one function per message the service server and the script client send
 * to the Clixon backend, each returning the whole `<rpc>` text. Elements, attributes and
 * their order follow what clixon-pyapi sent to a real controller
 * (test/fixtures/wire/*.jsonl), so a recorded session and ours compare line by line.
 * The NETCONF user goes in the rpc's `username` attribute (the backend reads it by local
 * name, so pyapi's `cl:username` form is the same to it). Every text and attribute value
 * is escaped: a value can never inject XML. Bodies documented as XML (edit-config's
 * config, an inline template) are the caller's XML and go in as they are.
 */
import os from 'node:os';
import type { XmlNode } from '../xml/index.ts';
import { splitTopLevel } from '../xml/path.ts';
import { NetconfError } from './errors.ts';

export const NETCONF_NS = 'urn:ietf:params:xml:ns:netconf:base:1.0';
export const CONTROLLER_NS = 'http://clicon.org/controller';
/**
 * How long the controller waits for a services-commit answer when `services/service-timeout`
 * was never written, ms: CONTROLLER_SERVICE_TIMEOUT_DEFAULT in clixon-controller's
 * src/controller.h (its YANG default of 300 s is never read).
 */
export const CONTROLLER_SERVICE_TIMEOUT_DEFAULT_MS = 10_000;

/** `services/service-timeout` in seconds as the controller parses it (uint32), in ms; undefined when absent or not a number. */
export function parseServiceTimeout(text: string | undefined): number | undefined {
  if (text === undefined || !/^\s*\d+\s*$/.test(text)) return undefined;
  return Number(text) * 1000;
}
export const CLIXON_LIB_NS = 'http://clicon.org/lib';
export const NOTIFICATION_NS = 'urn:ietf:params:xml:ns:netmod:notification';
export const WITH_DEFAULTS_NS = 'urn:ietf:params:xml:ns:yang:ietf-netconf-with-defaults';

/** A datastore: the standard ones, or the controller's `actions`. */
export type Datastore = 'running' | 'candidate' | 'startup' | 'actions';
export type WithDefaults = 'report-all' | 'report-all-tagged' | 'trim' | 'explicit';
export type PushType = 'NONE' | 'VALIDATE' | 'COMMIT';
export type ActionsType = 'NONE' | 'CHANGE' | 'FORCE' | 'DELETE';
export type DeviceConfigType = 'RUNNING' | 'CANDIDATE' | 'ACTIONS' | 'SYNCED' | 'TRANSIENT';
export type TransactionId = string | number | bigint;

/** Options every builder takes: the NETCONF user (default: the OS user). */
export interface UserOption {
  user?: string;
}

/** Devices addressed by a controller RPC: a name (wildcards allowed) or a device group. */
export interface DeviceChoice {
  device?: string;
  deviceGroup?: string;
}

/**
 * The OS user as pyapi's `getpass.getuser()` finds it: LOGNAME, USER, LNAME, USERNAME,
 * then the account. The environment comes first so that `sudo -E` and containers name
 * the same user to the controller as the Python tools do.
 */
export function defaultUser(): string {
  for (const name of ['LOGNAME', 'USER', 'LNAME', 'USERNAME']) {
    const value = process.env[name];
    if (value) return value;
  }
  try {
    return os.userInfo().username;
  } catch {
    throw new NetconfError('cannot tell the OS user (no LOGNAME/USER and no passwd entry): give the NETCONF user explicitly');
  }
}

// XML 1.0 cannot carry these characters at all, escaped or not.
const FORBIDDEN = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/u;

function checkChars(s: string): void {
  const bad = FORBIDDEN.exec(s);
  if (bad) throw new TypeError(`value holds U+${bad[0].charCodeAt(0).toString(16).padStart(4, '0')}, which XML cannot carry`);
}

/** `s` with every character XML cannot carry replaced by U+FFFD: for text we relay but did not write (a module's error). */
export function xmlCarriable(s: string): string {
  return s.replace(new RegExp(FORBIDDEN.source, 'gu'), '\ufffd');
}

/** Escapes element text: `&`, `<`, `>` and CR (which a parser would otherwise turn into LF). */
export function escapeText(s: string): string {
  checkChars(s);
  return s.replace(/[&<>\r]/g, (c) => TEXT_ESCAPES[c] as string);
}

/** Escapes a double-quoted attribute value, whitespace included so it survives normalisation. */
export function escapeAttr(s: string): string {
  checkChars(s);
  return s.replace(/[&<>"\t\n\r]/g, (c) => ATTR_ESCAPES[c] as string);
}

const TEXT_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '\r': '&#13;' };
const ATTR_ESCAPES: Record<string, string> = { ...TEXT_ESCAPES, '"': '&quot;', '\t': '&#9;', '\n': '&#10;' };

const NAME = /^[A-Za-z_][A-Za-z0-9_.-]*$/;

/** A name used as an element or prefix name must be one: never markup. */
function xmlName(kind: string, name: string): string {
  if (!NAME.test(name)) throw new TypeError(`${kind} ${JSON.stringify(name)} is not an XML name`);
  return name;
}

const leaf = (name: string, value: string | number | bigint): string => `<${name}>${escapeText(String(value))}</${name}>`;
const userOf = (o: UserOption | undefined): string => escapeAttr(o?.user ?? defaultUser());

// pyapi opened its rpcs three ways; each builder keeps the one it was recorded with.
/** `username` then `xmlns:nc` (pyapi's rpc_header_get). */
const openUserNc = (o: UserOption | undefined, extra = ''): string =>
  `<rpc xmlns="${NETCONF_NS}" username="${userOf(o)}" xmlns:nc="${NETCONF_NS}" message-id="42"${extra}>`;
/** message-id then `username` (pyapi's BASE_ATTRIBUTES). */
const openIdUser = (o: UserOption | undefined): string => `<rpc xmlns="${NETCONF_NS}" message-id="42" username="${userOf(o)}">`;
/** `cl:username` in the Clixon library namespace. */
const openClUser = (o: UserOption | undefined): string =>
  `<rpc xmlns="${NETCONF_NS}" xmlns:nc="${NETCONF_NS}" cl:username="${userOf(o)}" xmlns:cl="${CLIXON_LIB_NS}" message-id="42">`;

/** A datastore element for source/target: `actions` lives in the controller namespace. */
function datastore(name: Datastore): string {
  return name === 'actions' ? `<actions xmlns="${CONTROLLER_NS}"/>` : `<${xmlName('datastore', name)}/>`;
}

function namespaceDecls(namespaces: Record<string, string>): string {
  return Object.entries(namespaces)
    .map(([prefix, uri]) => ` xmlns:${xmlName('namespace prefix', prefix)}="${escapeAttr(uri)}"`)
    .join('');
}

function xpathFilter(xpath: string, namespaces: Record<string, string>): string {
  return `<nc:filter nc:type="xpath" nc:select="${escapeAttr(xpath)}"${namespaceDecls(namespaces)}/>`;
}

function deviceChoice(d: DeviceChoice, fallback?: string): string {
  if (d.device !== undefined && d.deviceGroup !== undefined) throw new TypeError('give device or deviceGroup, not both');
  if (d.deviceGroup !== undefined) return leaf('device-group', d.deviceGroup);
  const device = d.device ?? fallback;
  return device === undefined ? '' : leaf('device', device);
}

/**
 * The client hello the service server sends: the user and `cl:transport` in the Clixon
 * library namespace (the backend answers with its own hello and a session-id).
 */
export function hello(opts: UserOption & { transport?: string } = {}): string {
  return (
    `<hello xmlns="${NETCONF_NS}" cl:username="${userOf(opts)}" cl:transport="${escapeAttr(opts.transport ?? 'ctrl:services')}" xmlns:cl="${CLIXON_LIB_NS}">` +
    `<capabilities><capability>urn:ietf:params:netconf:base:1.0</capability></capabilities></hello>`
  );
}

/**
 * Adds the `ctrl:` prefix where a path names the controller's own schema: a leading
 * `/services`, and `/devices` with every step below it down to a device's `config`
 * (`device`, `name`, `device-group`, …), list-key predicates included. The real
 * controller matches an unprefixed step to no namespace, so `/ctrl:devices/device` finds
 * nothing there. Below `services` and `config` are other modules' namespaces: those steps
 * need the caller's own prefixes. Each branch of a `|` union is treated alone.
 */
export function controllerXpath(xpath: string): string {
  return splitTopLevel(xpath, '|').map((branch) => {
    const m = /^(\s*)\/(services|devices)(?=$|[/[\s])(.*)$/s.exec(branch);
    if (!m) return branch;
    const [, lead, top, rest] = m as unknown as [string, string, string, string];
    if (top === 'services') return `${lead}/ctrl:services${rest}`;
    let inController = true;
    // Split outside predicates and quotes: a key value may hold a slash (`[name='a/b']`).
    const steps = splitTopLevel(rest, '/').map((step, i) => {
      const name = /^[A-Za-z_][\w.-]*(?=$|\[)/.exec(step)?.[0];
      if (i === 0 || !inController || name === undefined) {
        if (i > 0) inController = false;
        return step;
      }
      if (name === 'config') inController = false;
      return `ctrl:${step.replace(/\[\s*([A-Za-z_][\w.-]*)\s*=/g, '[ctrl:$1=')}`;
    });
    return `${lead}/ctrl:devices${steps.join('/')}`;
  }).join('|');
}

/**
 * get-config with an xpath filter (default `/`). The `ctrl` prefix is always declared;
 * `namespaces` adds (or overrides) prefixes used in the xpath. The controller's own steps
 * get the `ctrl:` prefix (controllerXpath), which pyapi did for the first step only.
 */
export function getConfig(opts: UserOption & { source: Datastore; xpath?: string; namespaces?: Record<string, string> }): string {
  const ns = { ctrl: CONTROLLER_NS, ...opts.namespaces };
  return (
    `${openUserNc(opts)}<get-config><source>${datastore(opts.source)}</source>` +
    `${xpathFilter(controllerXpath(opts.xpath ?? '/'), ns)}</get-config></rpc>`
  );
}

export interface GetOptions extends UserOption {
  xpath?: string;
  namespaces?: Record<string, string>;
  /** Clixon's `cl:content`: config, state (`nonconfig`) or both. */
  content?: 'all' | 'config' | 'nonconfig';
  withDefaults?: WithDefaults;
}

/** get, optionally filtered by xpath, with Clixon's content selector and with-defaults. */
export function get(opts: GetOptions = {}): string {
  const content = opts.content === undefined ? '' : ` cl:content="${escapeAttr(opts.content)}" xmlns:cl="${CLIXON_LIB_NS}"`;
  const filter = opts.xpath === undefined ? '' : xpathFilter(opts.xpath, opts.namespaces ?? {});
  const wd = opts.withDefaults === undefined ? '' : `<with-defaults xmlns="${WITH_DEFAULTS_NS}">${escapeText(opts.withDefaults)}</with-defaults>`;
  return `${openClUser(opts)}<get${content}>${filter}${wd}</get></rpc>`;
}

/**
 * The transactions state query: one transaction by tid (how the server learns the user
 * who committed), or all of them.
 */
export function transactionsQuery(opts: UserOption & { tid?: TransactionId } = {}): string {
  const xpath = opts.tid === undefined ? 'co:transactions' : `/co:transactions/co:transaction[co:tid='${tidText(opts.tid)}']`;
  return get({ ...opts, xpath, namespaces: { co: CONTROLLER_NS }, content: 'nonconfig', withDefaults: 'report-all' });
}

/** The devices state query: each device's name, connection state, its timestamp and log message. */
export function devicesQuery(opts: UserOption = {}): string {
  const xpath = ['name', 'conn-state', 'conn-state-timestamp', 'logmsg'].map((l) => `co:devices/co:device/co:${l}`).join(' | ');
  return get({ ...opts, xpath, namespaces: { co: CONTROLLER_NS }, content: 'all', withDefaults: 'explicit' });
}

/** A tid inside an xpath literal: digits only, so it cannot end the literal. */
function tidText(tid: TransactionId): string {
  const s = String(tid);
  if (!/^\d+$/.test(s)) throw new TypeError(`transaction id ${JSON.stringify(s)} is not a number`);
  return s;
}

/**
 * edit-config. `config` is the XML inside `<config>` (top-level elements with their
 * namespaces), sent as given. The `cl` prefix is declared on the rpc for creator tags.
 */
export function editConfig(
  opts: UserOption & { target: Datastore; config: string; defaultOperation?: 'merge' | 'replace' | 'none' },
): string {
  return (
    `${openUserNc(opts, ` xmlns:cl="${CLIXON_LIB_NS}"`)}<edit-config><target>${datastore(opts.target)}</target>` +
    `${leaf('default-operation', opts.defaultOperation ?? 'merge')}<config>${opts.config}</config></edit-config></rpc>`
  );
}

export function commit(opts: UserOption = {}): string {
  return `${openUserNc(opts)}<commit/></rpc>`;
}

export function discardChanges(opts: UserOption = {}): string {
  return `${openClUser(opts)}<discard-changes/></rpc>`;
}

export function lock(opts: UserOption & { target?: Datastore } = {}): string {
  return `${openIdUser(opts)}<lock><target>${datastore(opts.target ?? 'candidate')}</target></lock></rpc>`;
}

export function unlock(opts: UserOption & { target?: Datastore } = {}): string {
  return `${openIdUser(opts)}<unlock><target>${datastore(opts.target ?? 'candidate')}</target></unlock></rpc>`;
}

export function closeSession(opts: UserOption = {}): string {
  return `<rpc xmlns="${NETCONF_NS}" cl:username="${userOf(opts)}" xmlns:cl="${CLIXON_LIB_NS}" message-id="42"><close-session/></rpc>`;
}

/** create-subscription to a stream (`services-commit`, `controller-transaction`), unfiltered. */
export function createSubscription(opts: UserOption & { stream: string }): string {
  return (
    `${openClUser(opts)}<create-subscription xmlns="${NOTIFICATION_NS}">${leaf('stream', opts.stream)}` +
    `<filter type="xpath" select=""/></create-subscription></rpc>`
  );
}

export interface ControllerCommitOptions extends UserOption, DeviceChoice {
  /**
   * The rpc's start tag: 'nc' (default) username then xmlns:nc, as pyapi's push sent it;
   * 'base' message-id then username, as its apply-service did (session-client.jsonl seq 37).
   */
  header?: 'nc' | 'base';
  push?: PushType;
  actions?: ActionsType;
  /** A datastore reference such as `ds:running` (the default) or `ds:candidate`. */
  source?: string;
  /** e.g. `testsvc[service-name='s1']`; only with actions FORCE or DELETE. */
  serviceInstance?: string;
}

/**
 * controller-commit: push configuration to devices and/or run service actions. Devices
 * default to all (`*`); push, actions and source to the YANG defaults (NONE, NONE,
 * ds:running). The reply holds the tid; the outcome comes as a controller-transaction
 * notification.
 */
export function controllerCommit(opts: ControllerCommitOptions = {}): string {
  const instance = opts.serviceInstance === undefined ? '' : leaf('service-instance', opts.serviceInstance);
  return (
    `${opts.header === 'base' ? openIdUser(opts) : openUserNc(opts)}<controller-commit xmlns="${CONTROLLER_NS}">${deviceChoice(opts, '*')}` +
    `${leaf('push', opts.push ?? 'NONE')}${leaf('actions', opts.actions ?? 'NONE')}${instance}` +
    `${leaf('source', opts.source ?? 'ds:running')}</controller-commit></rpc>`
  );
}

/** config-pull from devices (default all); `transient` keeps the pulled config aside. */
export function configPull(opts: UserOption & DeviceChoice & { transient?: boolean; merge?: boolean } = {}): string {
  const merge = opts.merge ? leaf('merge', 'true') : '';
  const transient = opts.transient ? leaf('transient', 'true') : '';
  return `${openUserNc(opts)}<config-pull xmlns="${CONTROLLER_NS}">${deviceChoice(opts, '*')}${merge}${transient}</config-pull></rpc>`;
}

/** connection-change: open, close or reconnect devices (default all). */
export function connectionChange(opts: UserOption & DeviceChoice & { operation: 'OPEN' | 'CLOSE' | 'RECONNECT' }): string {
  return (
    `${openIdUser(opts)}<connection-change xmlns="${CONTROLLER_NS}">${leaf('operation', opts.operation)}` +
    `${deviceChoice(opts, '*')}</connection-change></rpc>`
  );
}

/**
 * get-device-schema (clixon-controller 1.8): the YANG modules the controller holds for a
 * device (the first one a pattern or group matches), name, revision and namespace each;
 * with `detail`, each module's text in `data`. `name`/`revision` pick one module.
 */
export function getDeviceSchema(opts: UserOption & DeviceChoice & { name?: string; revision?: string; detail?: boolean }): string {
  const name = opts.name !== undefined ? leaf('name', opts.name) : '';
  const revision = opts.revision !== undefined ? leaf('revision', opts.revision) : '';
  const detail = opts.detail ? leaf('detail', 'true') : '';
  return `${openIdUser(opts)}<get-device-schema xmlns="${CONTROLLER_NS}">${deviceChoice(opts)}${name}${revision}${detail}</get-device-schema></rpc>`;
}

/** transaction-actions-done: the service server's actions for `tid` are done, for these services. */
export function transactionActionsDone(opts: UserOption & { tid: TransactionId; services?: string[] }): string {
  const services = (opts.services ?? []).map((s) => leaf('service', s)).join('');
  return `${openUserNc(opts)}<transaction-actions-done xmlns="${CONTROLLER_NS}">${leaf('tid', opts.tid)}${services}</transaction-actions-done></rpc>`;
}

/** transaction-error: the service server fails transaction `tid` (the controller reports origin and reason). */
export function transactionError(opts: UserOption & { tid: TransactionId; origin?: string; reason: string }): string {
  const origin = opts.origin === undefined ? '' : leaf('origin', opts.origin);
  return `${openUserNc(opts)}<transaction-error xmlns="${CONTROLLER_NS}">${leaf('tid', opts.tid)}${origin}${leaf('reason', opts.reason)}</transaction-error></rpc>`;
}

/**
 * datastore-diff, in either form the controller has: two datastore references
 * (`dsref1`/`dsref2`, e.g. ds:running vs ds:candidate, usually with format `text`), or
 * device configurations (`configType1`/`configType2` of `device`, default all).
 */
export type DatastoreDiffOptions = UserOption & { format?: 'xml' | 'text' | 'json' | 'cli'; xpath?: string } & (
    | { dsref1: string; dsref2: string }
    | (DeviceChoice & { configType1: DeviceConfigType; configType2: DeviceConfigType })
  );

export function datastoreDiff(opts: DatastoreDiffOptions): string {
  const head = (opts.xpath === undefined ? '' : leaf('xpath', opts.xpath)) + (opts.format === undefined ? '' : leaf('format', opts.format));
  const body =
    'dsref1' in opts
      ? leaf('dsref1', opts.dsref1) + leaf('dsref2', opts.dsref2)
      : deviceChoice(opts, '*') + leaf('config-type1', opts.configType1) + leaf('config-type2', opts.configType2);
  return `${openIdUser(opts)}<datastore-diff xmlns="${CONTROLLER_NS}">${head}${body}</datastore-diff></rpc>`;
}

export interface DeviceTemplateApplyOptions extends UserOption, DeviceChoice {
  /** CONFIG edits candidate (reply `<ok/>`); RPC runs on the devices (reply: a tid). */
  type?: 'CONFIG' | 'RPC';
  /** A template configured under devices/template or devices/rpc-template. */
  template?: string;
  /** Or an inline template: the XML inside its `<config>`, sent as given. */
  inline?: string;
  /** Values for the template's `${NAME}` variables. */
  variables?: Record<string, string>;
}

export function deviceTemplateApply(opts: DeviceTemplateApplyOptions): string {
  if ((opts.template === undefined) === (opts.inline === undefined)) throw new TypeError('give template or inline, one of them');
  const which = opts.template !== undefined ? leaf('template', opts.template) : `<inline><config>${opts.inline}</config></inline>`;
  const vars = Object.entries(opts.variables ?? {});
  const variables =
    vars.length === 0 ? '' : `<variables>${vars.map(([n, v]) => `<variable>${leaf('name', n)}${leaf('value', v)}</variable>`).join('')}</variables>`;
  return (
    `${openIdUser(opts)}<device-template-apply xmlns="${CONTROLLER_NS}">${leaf('type', opts.type ?? 'CONFIG')}` +
    `${deviceChoice(opts)}${which}${variables}</device-template-apply></rpc>`
  );
}

/** device-rpc-result: collect (and release) each device's reply to an RPC template run as `tid`. */
export function deviceRpcResult(opts: UserOption & { tid: TransactionId }): string {
  return `${openIdUser(opts)}<device-rpc-result xmlns="${CONTROLLER_NS}">${leaf('tid', opts.tid)}</device-rpc-result></rpc>`;
}

/** The `<tid>` of a controller RPC's reply (controller-commit, config-pull, …), if any. */
export function replyTid(reply: XmlNode): string | undefined {
  const v: unknown = reply.child('tid')?.getData();
  return v == null ? undefined : String(v).trim();
}

/** Whether a reply is a plain `<ok/>`. */
export function replyOk(reply: XmlNode): boolean {
  return reply.child('ok') !== undefined;
}

/** The name of the operation inside an `<rpc>` text, for messages and logs (`get-config`). */
export function rpcName(xml: string): string {
  return /<(?:[\w.-]+:)?rpc\b[^>]*>\s*<([\w.:-]+)/.exec(xml)?.[1] ?? 'rpc';
}

/** The message-id attribute of an `<rpc>` or `<rpc-reply>` start tag, or undefined. */
export function messageIdOf(xml: string): string | undefined {
  const start = /<(?:[\w.-]+:)?rpc(?:-reply)?\b[^>]*>/.exec(xml)?.[0];
  return start === undefined ? undefined : /\smessage-id\s*=\s*(?:"([^"]*)"|'([^']*)')/.exec(start)?.slice(1).find((v) => v !== undefined);
}
