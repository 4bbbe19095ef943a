/**
 * @module The admin's state and actions: the session (CSRF token), nodes, alerts and silences,
 * all through /api/admin/*. Every call sends the CSRF token; a 401 drops back to sign-in.
 */
import { signal } from '@preact/signals';
import type {
  AddNodeRequest, AddedNodeReply, AdminAlertsView, EditNodeRequest, NodeKeyReply, OkReply, PageModeReply, PageModeRequest, SessionReply, SilenceRequest, SilenceView,
} from '../../src/protocol/admin';
import type { ErrorBody } from '../../src/protocol/errors';
import type { AdminNodeView, PageAccessView } from '../../src/protocol/messages';

export type AdminNode = AdminNodeView;
export type AccessMode = PageAccessView['mode'];

export const session = signal<'unknown' | 'signed-out' | 'signed-in'>('unknown');
export const adminNodes = signal<AdminNode[]>([]);
export const adminAlerts = signal<AdminAlertsView | null>(null);
export const silences = signal<SilenceView[]>([]);
export const pageMode = signal<AccessMode>('public');
/** The last error to show, or a confirmation. */
export const notice = signal<{ kind: 'error' | 'ok'; text: string } | null>(null);
/** The key of a node just added or re-keyed, shown once. */
export const shownKey = signal<(Omit<NodeKeyReply, 'key'> & { name: string }) | null>(null);

let csrf = '';

async function api<T>(method: string, path: string, body?: object): Promise<T> {
  const res = await fetch(path, {
    method,
    headers: { ...(body === undefined ? {} : { 'Content-Type': 'application/json' }), 'X-CSRF-Token': csrf },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const data = (await res.json().catch(() => ({}))) as unknown;
  if (res.status === 401 && !path.endsWith('/login') && !path.endsWith('/setup')) session.value = 'signed-out';
  if (!res.ok) throw new Error((data as Partial<ErrorBody>).message ?? `HTTP ${res.status}`);
  return data as T;
}

/** Runs an action, showing its error (or `ok`) as the notice. */
async function attempt(action: () => Promise<unknown>, ok?: string): Promise<boolean> {
  try {
    await action();
    notice.value = ok ? { kind: 'ok', text: ok } : null;
    return true;
  } catch (err) {
    notice.value = { kind: 'error', text: (err as Error).message };
    return false;
  }
}

export async function refresh(): Promise<void> {
  const [nodes, alerts, silenced, page] = await Promise.all([
    api<AdminNode[]>('GET', '/api/admin/nodes'),
    api<AdminAlertsView>('GET', '/api/admin/alerts'),
    api<SilenceView[]>('GET', '/api/admin/silences'),
    api<PageModeReply>('GET', '/api/admin/page'),
  ]);
  pageMode.value = page.mode;
  adminNodes.value = nodes;
  adminAlerts.value = alerts;
  silences.value = silenced;
}

export async function checkSession(): Promise<void> {
  try {
    csrf = (await api<SessionReply>('GET', '/api/admin/session')).csrf;
    session.value = 'signed-in';
    await refresh();
  } catch {
    session.value = 'signed-out';
  }
}

export function signIn(password: string, setupToken: string | null): Promise<boolean> {
  return attempt(async () => {
    const res = setupToken ? await api<SessionReply>('POST', '/api/admin/setup', { token: setupToken, password }) : await api<SessionReply>('POST', '/api/admin/login', { password });
    csrf = res.csrf;
    if (setupToken) history.replaceState(null, '', '/admin');
    session.value = 'signed-in';
    await refresh();
  });
}

export function signOut(): Promise<boolean> {
  return attempt(async () => {
    await api<OkReply>('POST', '/api/admin/logout', {});
    session.value = 'signed-out';
  });
}

export function addNode(name: string, group: string, location: string): Promise<boolean> {
  return attempt(async () => {
    const res = await api<AddedNodeReply>('POST', '/api/admin/nodes', { name, group, location } satisfies AddNodeRequest);
    shownKey.value = { name: res.name, command: res.command, install: res.install, installWindows: res.installWindows };
    await refresh();
  });
}

export function editNode(id: number, fields: EditNodeRequest): Promise<boolean> {
  return attempt(async () => {
    await api<OkReply>('PATCH', `/api/admin/nodes/${id}`, fields);
    await refresh();
  });
}

export function rotateNodeKey(node: AdminNode): Promise<boolean> {
  return attempt(async () => {
    const res = await api<NodeKeyReply>('POST', `/api/admin/nodes/${node.id}/rotate-key`, {});
    shownKey.value = { name: node.name, command: res.command, install: res.install, installWindows: res.installWindows };
  });
}

export function removeNode(node: AdminNode, confirmName: string): Promise<boolean> {
  return attempt(async () => {
    await api<OkReply>('DELETE', `/api/admin/nodes/${node.id}?confirm=${encodeURIComponent(confirmName)}`);
    await refresh();
  });
}

export function sendTest(channel: string, ok: string): Promise<boolean> {
  return attempt(() => api<OkReply>('POST', '/api/admin/notify-test', { channel }), ok);
}

export function addSilence(rule: string, node: string, hours: number): Promise<boolean> {
  return attempt(async () => {
    const until = new Date(Date.now() + hours * 3_600_000).toISOString();
    silences.value = await api<SilenceView[]>('POST', '/api/admin/silences', { ...(rule ? { rule } : {}), ...(node ? { node } : {}), until } satisfies SilenceRequest);
  });
}

export function clearSilences(): Promise<boolean> {
  return attempt(async () => {
    silences.value = await api<SilenceView[]>('DELETE', '/api/admin/silences');
  });
}

export function setHidden(node: AdminNode, hidden: boolean): Promise<boolean> {
  return attempt(async () => {
    await api<OkReply>('PATCH', `/api/admin/nodes/${node.id}`, { hidden } satisfies EditNodeRequest);
    await refresh();
  });
}

/** Moves a node one place up (-1) or down (+1) in the page order. */
export function moveNode(node: AdminNode, step: -1 | 1): Promise<boolean> {
  const ids = adminNodes.value.map((n) => n.id);
  const at = ids.indexOf(node.id);
  const to = at + step;
  if (at < 0 || to < 0 || to >= ids.length) return Promise.resolve(false);
  [ids[at], ids[to]] = [ids[to]!, ids[at]!];
  return attempt(async () => {
    await api<OkReply>('PUT', '/api/admin/order', { ids });
    await refresh();
  });
}

export function setPageAccess(mode: AccessMode, password: string, ok: string): Promise<boolean> {
  return attempt(async () => {
    pageMode.value = (await api<PageModeReply>('PUT', '/api/admin/page', { mode, ...(password ? { password } : {}) } satisfies PageModeRequest)).mode;
  }, ok);
}
