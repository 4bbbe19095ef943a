/**
 * @module The admin's state and actions: the session, nodes, alerts and silences, all through
 * /api/admin/* (admin-api.ts); rules, channels and the audit log are in admin-setup.ts.
 */
import { signal } from '@preact/signals';
import type {
  AddNodeRequest,
  AddedNodeReply,
  AdminAlertsView,
  EditNodeRequest,
  NodeKeyReply,
  OkReply,
  PageModeReply,
  PageModeRequest,
  SessionReply,
  SilenceRequest,
  SilenceView,
} from '../../src/protocol/admin';
import { api, attempt, notice, session, setCsrf } from './admin-api';
import { loadSecondFactor } from './admin-2fa';
import { pageInfoView } from './admin-settings';
import { loadSetup } from './admin-setup';
import type { AdminNodeView, PageAccessView } from '../../src/protocol/messages';

export { notice, session };

export type AdminNode = AdminNodeView;
export type AccessMode = PageAccessView['mode'];

export const adminNodes = signal<AdminNode[]>([]);
export const adminAlerts = signal<AdminAlertsView | null>(null);
export const silences = signal<SilenceView[]>([]);
export const pageMode = signal<AccessMode>('public');
/** The key of a node just added or re-keyed, shown once. */
export const shownKey = signal<(Omit<NodeKeyReply, 'key'> & { name: string }) | null>(null);

export async function refresh(): Promise<void> {
  const [nodes, alerts, silenced, page] = await Promise.all([
    api<AdminNode[]>('GET', '/api/admin/nodes'),
    api<AdminAlertsView>('GET', '/api/admin/alerts'),
    api<SilenceView[]>('GET', '/api/admin/silences'),
    api<PageModeReply>('GET', '/api/admin/page'),
  ]);
  pageMode.value = page.mode;
  pageInfoView.value = page.info;
  adminNodes.value = nodes;
  adminAlerts.value = alerts;
  silences.value = silenced;
  await Promise.all([loadSetup(), loadSecondFactor()]);
}

export async function checkSession(): Promise<void> {
  try {
    setCsrf((await api<SessionReply>('GET', '/api/admin/session')).csrf);
    session.value = 'signed-in';
    await refresh();
  } catch {
    session.value = 'signed-out';
  }
}

/** Set once the server said the password needs a second factor's code too. */
export const codeNeeded = signal(false);

async function login(password: string, code: string): Promise<SessionReply> {
  try {
    return await api<SessionReply>('POST', '/api/admin/login', { password, ...(code ? { code } : {}) });
  } catch (err) {
    if ((err as { code?: string }).code === 'PROBE_ERR_SECOND_FACTOR') codeNeeded.value = true;
    throw err;
  }
}

export function signIn(password: string, setupToken: string | null, code = ''): Promise<boolean> {
  return attempt(async () => {
    const res = setupToken
      ? await api<SessionReply>('POST', '/api/admin/setup', { token: setupToken, password })
      : await login(password, code);
    setCsrf(res.csrf);
    codeNeeded.value = false;
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

export function addSilence(rule: string, node: string, hours: number): Promise<boolean> {
  return attempt(async () => {
    const until = new Date(Date.now() + hours * 3_600_000).toISOString();
    silences.value = await api<SilenceView[]>('POST', '/api/admin/silences', {
      ...(rule ? { rule } : {}),
      ...(node ? { node } : {}),
      until,
    } satisfies SilenceRequest);
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
    pageMode.value = (
      await api<PageModeReply>('PUT', '/api/admin/page', { mode, ...(password ? { password } : {}) } satisfies PageModeRequest)
    ).mode;
  }, ok);
}
