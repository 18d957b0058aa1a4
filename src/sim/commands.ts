/**
 * What a controller CLI user does in the common loop, against any controller socket
 * (the simulator or a real one): set a service from XML, commit, commit diff, apply
 * services, show device configs and transactions. Talks through the shared NETCONF
 * Session; replies are read with the simulator's own tree (SNode).
 */
import { formatDeviceDiff } from '../xml/diff.ts';
import { SNode, parseXml, escapeAttr } from './tree.ts';
import { escapeText, parseInstanceRef, parseString, type XmlNode } from '../xml/index.ts';
import { RpcError, Session } from '../netconf/index.ts';
import { NS } from './datamodel.ts';
import { globToRegExp } from './devices.ts';

export class CommandError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CommandError';
  }
}

const WAIT_MS = 30_000;

/** A CLI user's session: requests in order, controller-transaction outcomes by tid. */
export class CommandClient {
  readonly user: string;
  // Created before any subscription, so no outcome can slip by unseen.
  private readonly events: AsyncIterableIterator<XmlNode>;

  private constructor(private readonly session: Session) {
    this.user = session.user;
    this.events = session.notifications();
  }

  static async connect(opts: { path?: string; host?: string; port?: number; user?: string }): Promise<CommandClient> {
    const where = opts.path !== undefined ? { path: opts.path } : { host: opts.host ?? '127.0.0.1', port: opts.port ?? 0 };
    return new CommandClient(await Session.connect({ ...where, ...(opts.user !== undefined ? { user: opts.user } : {}), timeout: WAIT_MS }));
  }

  /** Sends one request, returns its `<rpc-reply>`; an rpc-error becomes a CommandError. */
  async rpc(body: string): Promise<SNode> {
    try {
      const reply = await this.session.rpc(`<rpc xmlns="${NS.base}" username="${escapeAttr(this.user)}" message-id="1">${body}</rpc>`, { raw: true });
      return parseXml(reply).children[0]!;
    } catch (err) {
      if (err instanceof RpcError) throw new CommandError(`${err.errorTag}: ${err.errorMessage}`);
      throw err;
    }
  }

  /** The controller-transaction notification for a tid. */
  async transactionResult(tid: string): Promise<SNode> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new CommandError(`timeout waiting for transaction ${tid}`)), WAIT_MS);
    });
    try {
      for (;;) {
        const next = await Promise.race([this.events.next(), timeout]);
        if (next.done) throw new CommandError('connection closed');
        const ct = next.value.child('controller-transaction');
        if (ct?.child('tid')?.getData() === tid) return parseXml(ct.dumps()).children[0]!;
      }
    } finally {
      clearTimeout(timer);
    }
  }

  close(): void {
    this.session.destroy();
  }
}

const pretty = (xml: string): string => (xml === '' ? '' : parseString(xml).toXml({ pretty: true, indent: 3 }).trimEnd());

/**
 * XML for the candidate: a service instance (wrapped in `services`), or whole
 * `services`/`devices`/`config` content.
 */
export function serviceEdit(xml: string): string {
  const top = parseXml(xml).children;
  if (top.length === 1 && top[0]!.localName === 'config') return top[0]!.children.map((c) => c.toXml()).join('');
  if (top.every((t) => t.localName === 'services' || t.localName === 'devices')) return xml;
  return `<services xmlns="${NS.ctrl}">${xml}</services>`;
}

export async function setService(c: CommandClient, xml: string): Promise<string> {
  await c.rpc(`<edit-config><target><candidate/></target><default-operation>merge</default-operation><config>${serviceEdit(xml)}</config></edit-config>`);
  return 'OK';
}

/** Deletes a service instance given as `svc[key='value']`, in the candidate. */
export async function deleteService(c: CommandClient, tag: string, ns: string): Promise<string> {
  const ref = parseInstanceRef(tag);
  // The names become element names below: XML names only.
  if (!ref || !/^[\w.-]+$/.test(ref.service)) throw new CommandError(`expected svc[key='value'], got ${tag}`);
  await c.rpc(
    `<edit-config><target><candidate/></target><config><services xmlns="${NS.ctrl}" xmlns:nc="${NS.base}">` +
      `<${ref.service} xmlns="${escapeAttr(ns)}" nc:operation="delete"><${ref.key}>${escapeText(ref.instance)}</${ref.key}></${ref.service}></services></config></edit-config>`,
  );
  return 'OK';
}

async function controllerCommit(c: CommandClient, actions: string, push: string, instance?: string): Promise<SNode> {
  await c.rpc(`<create-subscription xmlns="${NS.netmodNotif}"><stream>controller-transaction</stream></create-subscription>`);
  const reply = await c.rpc(
    `<controller-commit xmlns="${NS.ctrl}"><device>*</device><push>${push}</push><actions>${actions}</actions>` +
      `${instance ? `<service-instance>${escapeText(instance)}</service-instance>` : ''}<source>ds:candidate</source></controller-commit>`,
  );
  const tid = reply.childText('tid');
  if (tid === undefined) throw new CommandError('no transaction id in reply');
  return c.transactionResult(tid);
}

function outcome(ct: SNode): string {
  if (ct.childText('result') === 'SUCCESS') return ct.childText('reason') ? `OK (${ct.childText('reason')})` : 'OK';
  throw new CommandError(`FAILED${ct.childText('origin') ? ` (${ct.childText('origin')})` : ''}: ${(ct.childText('reason') ?? '').trim()}`);
}

/** `commit`: run the changed services and push; the CLI's commit. */
export async function commit(c: CommandClient): Promise<string> {
  return outcome(await controllerCommit(c, 'CHANGE', 'COMMIT'));
}

/** `commit diff`: run the changed services without pushing, print per device what would change. */
export async function commitDiff(c: CommandClient): Promise<string> {
  outcome(await controllerCommit(c, 'CHANGE', 'NONE'));
  return deviceDiff(c, 'RUNNING', 'ACTIONS');
}

/** `apply services [instance]`: re-run services (all, or one `svc[key='v']`) and push. */
export async function applyServices(c: CommandClient, instance?: string, diff = false): Promise<string> {
  const r = outcome(await controllerCommit(c, 'FORCE', diff ? 'NONE' : 'COMMIT', instance));
  return diff ? deviceDiff(c, 'RUNNING', 'ACTIONS') : r;
}

async function deviceDiff(c: CommandClient, t1: string, t2: string): Promise<string> {
  const reply = await c.rpc(`<datastore-diff xmlns="${NS.ctrl}"><device>*</device><config-type1>${t1}</config-type1><config-type2>${t2}</config-type2></datastore-diff>`);
  const diffs = new Map<string, string>();
  for (const d of reply.childrenNamed('diff')) {
    const text = d.text ?? '';
    const nl = text.indexOf('\n');
    diffs.set(text.slice(0, nl).replace(/:$/, ''), text.slice(nl + 1));
  }
  return formatDeviceDiff(diffs, { color: process.stdout.isTTY === true }).replace(/\n$/, '');
}

/** `show compare`: running vs candidate, the controller's text diff. */
export async function compare(c: CommandClient): Promise<string> {
  const reply = await c.rpc(`<datastore-diff xmlns="${NS.ctrl}"><format>text</format><dsref1>ds:running</dsref1><dsref2>ds:candidate</dsref2></datastore-diff>`);
  return (reply.child('diff')?.text ?? '').replace(/\n$/, '');
}

/** `connection open|close|reconnect <device pattern>`. */
export async function connection(c: CommandClient, operation: string, device = '*'): Promise<string> {
  await c.rpc(`<create-subscription xmlns="${NS.netmodNotif}"><stream>controller-transaction</stream></create-subscription>`);
  const reply = await c.rpc(
    `<connection-change xmlns="${NS.ctrl}"><operation>${escapeText(operation.toUpperCase())}</operation><device>${escapeText(device)}</device></connection-change>`,
  );
  const tid = reply.childText('tid');
  if (tid === undefined) throw new CommandError('no transaction id in reply');
  return outcome(await c.transactionResult(tid));
}

export async function discard(c: CommandClient): Promise<string> {
  await c.rpc('<discard-changes/>');
  return 'OK';
}

/** `show devices`: each device's config in a datastore, pretty XML. */
export async function showDevices(c: CommandClient, datastore = 'running'): Promise<string> {
  const reply = await c.rpc(
    `<get-config><source><${datastore}/></source><filter type="xpath" select="/co:devices/co:device/co:config" xmlns:co="${NS.ctrl}"/></get-config>`,
  );
  const out: string[] = [];
  for (const d of reply.child('data')?.child('devices')?.childrenNamed('device') ?? []) {
    out.push(`${d.childText('name')}:`);
    const body = (d.child('config')?.children ?? []).map((x) => pretty(x.toXml())).join('\n');
    if (body) out.push(body.replace(/^/gm, '   '));
  }
  return out.join('\n');
}

/** `show services`: the service instances in a datastore, pretty XML. */
export async function showServices(c: CommandClient, datastore = 'running'): Promise<string> {
  const reply = await c.rpc(`<get-config><source><${datastore}/></source><filter type="xpath" select="/co:services" xmlns:co="${NS.ctrl}"/></get-config>`);
  const services = reply.child('data')?.child('services');
  return services ? pretty(services.toXml()) : '';
}

/**
 * `show models [device]`: each device's modules as get-device-schema lists them
 * (`name@revision`), or why it has none (a device of no kind: "No matching device YANG
 * spec found"). Devices from running; a pattern narrows them.
 */
export async function showModels(c: CommandClient, pattern = '*'): Promise<string> {
  const reply = await c.rpc(`<get-config><source><running/></source><filter type="xpath" select="/co:devices/co:device/co:name" xmlns:co="${NS.ctrl}"/></get-config>`);
  const re = globToRegExp(pattern);
  const out: string[] = [];
  for (const d of reply.child('data')?.child('devices')?.childrenNamed('device') ?? []) {
    const name = d.childText('name') ?? '';
    if (!re.test(name)) continue;
    try {
      const schemas = (await c.rpc(`<get-device-schema xmlns="${NS.ctrl}"><device>${escapeText(name)}</device></get-device-schema>`)).childrenNamed('schema');
      out.push(`${name}: ${schemas.length} modules: ${schemas.map((m) => `${m.childText('name')}${m.childText('revision') ? `@${m.childText('revision')}` : ''}`).join(' ')}`);
    } catch (err) {
      if (!(err instanceof CommandError)) throw err;
      out.push(`${name}: no models (${err.message})`);
    }
  }
  return out.join('\n');
}

/** `show transactions`: one line per transaction. */
export async function showTransactions(c: CommandClient): Promise<string> {
  const reply = await c.rpc(
    `<get xmlns:cl="${NS.lib}" cl:content="nonconfig"><filter type="xpath" select="/co:transactions" xmlns:co="${NS.ctrl}"/></get>`,
  );
  const rows = (reply.child('data')?.child('transactions')?.childrenNamed('transaction') ?? []).map((t) =>
    [
      t.childText('tid') ?? '',
      t.childText('state') ?? '',
      t.childText('result') ?? '',
      t.childText('username') ?? '',
      t.childText('description') ?? '',
      [t.childText('origin'), t.childText('reason')?.trim()].filter(Boolean).join(': '),
    ],
  );
  const head = ['TID', 'STATE', 'RESULT', 'USER', 'DESCRIPTION', 'REASON'];
  const all = [head, ...rows];
  const widths = head.map((_h, i) => Math.max(...all.map((r) => r[i]!.length)));
  return all.map((r) => r.map((v, i) => v.padEnd(widths[i]!)).join('  ').trimEnd()).join('\n');
}
