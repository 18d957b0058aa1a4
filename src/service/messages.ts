/**
 * The RPC texts the service server sends, worded as the recorded Python server sends them
 * (session-pyapi.jsonl): each a whole `<rpc>` with the user in `username`.
 */
const BASE = 'urn:ietf:params:xml:ns:netconf:base:1.0';
const CL = 'http://clicon.org/lib';
const CTRL = 'http://clicon.org/controller';

function rpc(user: string, body: string): string {
  return `<rpc xmlns="${BASE}" username="${attr(user)}" xmlns:nc="${BASE}" xmlns:cl="${CL}" message-id="42">${body}</rpc>`;
}

/** create-subscription to a stream (services-commit, controller-transaction). */
export function subscribe(user: string, stream: string): string {
  return rpc(
    user,
    `<create-subscription xmlns="urn:ietf:params:xml:ns:netmod:notification"><stream>${text(stream)}</stream><filter type="xpath" select=""/></create-subscription>`,
  );
}

/** The transaction's state, to learn who committed (seq 7 of the recording). */
export function getTransaction(user: string, tid: string): string {
  return rpc(
    user,
    `<get cl:content="nonconfig"><nc:filter nc:type="xpath" nc:select="/co:transactions/co:transaction[co:tid='${attr(tid)}']" xmlns:co="${CTRL}"/>` +
      `<with-defaults xmlns="urn:ietf:params:xml:ns:yang:ietf-netconf-with-defaults">report-all</with-defaults></get>`,
  );
}

/** get-config of a datastore (`actions` for the transaction, `running` after it), filtered by an XPath. */
export function getConfig(user: string, source: 'actions' | 'running', xpath: string, namespaces: Record<string, string> = {}): string {
  const store = source === 'actions' ? `<actions xmlns="${CTRL}"/>` : '<running/>';
  const ns = Object.entries({ ctrl: CTRL, ...namespaces })
    .map(([p, uri]) => ` xmlns:${p}="${attr(uri)}"`)
    .join('');
  return rpc(user, `<get-config><source>${store}</source><nc:filter nc:type="xpath" nc:select="${attr(xpath)}"${ns}/></get-config>`);
}

/** edit-config merge of `<config>` contents into the actions datastore. */
export function editActions(user: string, config: string): string {
  return rpc(
    user,
    `<edit-config><target><actions xmlns="${CTRL}"/></target><default-operation>merge</default-operation><config>${config}</config></edit-config>`,
  );
}

/** All actions done for the transaction; lists the services served. */
export function actionsDone(user: string, tid: string, services: readonly string[]): string {
  const s = services.map((x) => `<service>${text(x)}</service>`).join('');
  return rpc(user, `<transaction-actions-done xmlns="${CTRL}"><tid>${text(tid)}</tid>${s}</transaction-actions-done>`);
}

/** The transaction failed in the service server: the controller aborts it with this origin and reason. */
export function transactionError(user: string, tid: string, origin: string, reason: string): string {
  return rpc(
    user,
    `<transaction-error xmlns="${CTRL}"><tid>${text(tid)}</tid><origin>${text(origin)}</origin><reason>${text(reason)}</reason></transaction-error>`,
  );
}

function text(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function attr(s: string): string {
  return text(s).replace(/"/g, '&quot;');
}
