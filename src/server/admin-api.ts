/**
 * @module /api/admin/*: the admin's JSON API. Sign-in (first password with the setup token, then
 * the password), and with a session: nodes (add, rename, regroup, relocate, rotate key, remove),
 * order and hiding, alerts (rules, firing, events, test notification), silences, and who may see the page. Every state-changing request
 * needs the session's CSRF token in `X-CSRF-Token` and a JSON body of at most 16 KiB.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Rule, Silence } from '../alerts/rules';
import { parseSilences } from '../alerts/rules';
import type { Channel } from '../notify/channels';
import { sendWithRetry, testMessage } from '../notify/notifier';
import type { AdminNodeView, AlertsView, MetricNamesView } from '../protocol/messages';
import type { Store } from '../store/store';
import { ProbeError } from '../util/errors';
import { log } from '../util/log';
import type { AdminAuth } from './auth';
import { SESSION_TTL_MS, deviceCookie, sessionCookie } from './auth';
import type { Hub } from './hub';
import type { AccessMode, PageAccess } from './page-access';
import { HttpError, json, readBody } from './http-body';
import type { OwnHosts } from './own-hosts';
import { addNode, commandsFor, rotateKey, validateNodeFields } from './nodes';

const SILENCES_KEY = 'alerts.silences';

export interface AdminDeps {
  auth: AdminAuth;
  store: Store;
  hub: Hub;
  rules: readonly Rule[];
  channels: Record<string, Channel>;

  /** After nodes changed: sync the hub, drop agents of removed or re-keyed nodes. */
  nodesChanged: () => void;
  alerts: () => AlertsView;
  publicUrl: string;
  /** This server's address for the install commands (server.publicUrl, or a Host known to be ours). */
  hosts: Pick<OwnHosts, 'base'>;
  /** Whether the request came over HTTPS (directly or through a trusted proxy): cookies get Secure. */
  secure: (req: IncomingMessage) => boolean;
  clientAddress: (req: IncomingMessage) => string;
  access: PageAccess;
  /** After the page's access changed: guests' live feeds are closed. */
  accessChanged: () => void;
  /** After a sign-out: that session's live feeds are closed. */
  signedOut: () => void;
  /** The node's budget of metric names and what it refused. */
  metricNames: (nodeId: number) => MetricNamesView;
  now: () => number;
}

function str(body: Record<string, unknown>, key: string, fallback?: string): string {
  const value = body[key] ?? fallback;
  if (typeof value !== 'string') throw new HttpError(400, 'PROBE_ERR_BAD_REQUEST', `"${key}" must be a string`);
  return value;
}

/** Silences made in the admin (the config's are separate and read-only here). */
export function adminSilences(store: Store): Silence[] {
  const text = store.getSetting(SILENCES_KEY);
  return text ? (JSON.parse(text) as Silence[]) : [];
}

export function createAdminHandler(deps: AdminDeps): (req: IncomingMessage, res: ServerResponse, path: string) => Promise<void> {
  const { auth, store, hub } = deps;

  const signedIn = (res: ServerResponse, req: IncomingMessage, result: Awaited<ReturnType<AdminAuth['login']>>) => {
    if (!result.ok) {
      if (result.status === 429) return json(res, 429, { code: result.code, message: result.message }, { 'Retry-After': String(result.retryAfterSec) });
      return json(res, 401, { code: 'PROBE_ERR_AUTH', message: result.message });
    }
    const secure = deps.secure(req);
    json(res, 200, { csrf: result.csrf }, { 'Set-Cookie': [sessionCookie(result.token, secure, SESSION_TTL_MS / 1000), deviceCookie(result.device, secure)] });
  };

  /**
   * `probe agent …` and the one-line install for a key, at the address the admin reached us at (or
   * server.publicUrl). Asked for before the key is made: an address refused refuses the request.
   */
  const commands = (req: IncomingMessage) => {
    const base = deps.hosts.base(req, deps.secure(req), true);
    return (key: string) => {
      const { agent, install, installWindows } = commandsFor(base, key);
      return { command: agent, install, installWindows };
    };
  };

  const nodeId = (path: string) => {
    const match = /^\/api\/admin\/nodes\/(\d{1,12})(\/rotate-key)?$/.exec(path);
    const id = match ? Number(match[1]) : NaN;
    const record = hub.get(id);
    if (!record) throw new HttpError(404, 'PROBE_ERR_NOT_FOUND', `no node with id ${match?.[1] ?? '?'}`);
    return record;
  };

  return async (req, res, path) => {
    try {
      const method = req.method ?? 'GET';
      if (path === '/api/admin/setup' && method === 'POST') {
        const body = await readBody(req);
        return signedIn(res, req, await auth.setup(str(body, 'token'), str(body, 'password')));
      }
      if (path === '/api/admin/login' && method === 'POST') {
        const body = await readBody(req);
        return signedIn(res, req, await auth.login(str(body, 'password'), deps.clientAddress(req), req.headers.cookie));
      }
      const session = auth.session(req.headers.cookie);
      if (!session) {
        throw new HttpError(401, 'PROBE_ERR_AUTH', auth.hasPassword() ? 'sign in first' : 'no admin password yet: open the setup link printed by the server, or run `probe admin set-password`');
      }
      if (method !== 'GET' && method !== 'HEAD') {
        // SameSite=Strict already keeps other sites' requests from carrying the cookie; the token is the second lock.
        if (req.headers['x-csrf-token'] !== session.csrf) throw new HttpError(403, 'PROBE_ERR_CSRF', 'missing or wrong X-CSRF-Token: reload the admin page');
      }
      const route = `${method} ${path.replace(/\/\d+(?=\/|$)/, '/:id')}`;
      switch (route) {
        case 'GET /api/admin/session':
          return json(res, 200, { csrf: session.csrf });
        case 'POST /api/admin/logout':
          auth.logout(session.tokenHash);
          deps.signedOut();
          return json(res, 200, { ok: true }, { 'Set-Cookie': sessionCookie('', deps.secure(req), 0) });
        case 'GET /api/admin/nodes':
          return json(res, 200, hub.views('admin').map((v): AdminNodeView => ({ ...v, hidden: hub.isHidden(v.id), hiddenSetting: hub.get(v.id)?.hidden ?? null, metricNames: deps.metricNames(v.id) })));
        case 'POST /api/admin/nodes': {
          const body = await readBody(req);
          const commandsWith = commands(req);
          const { node, key } = addNode(store, str(body, 'name'), str(body, 'group', ''), str(body, 'location', ''), deps.now());
          deps.nodesChanged();
          log.info('node added in the admin', { node: node.name });
          return json(res, 201, { id: node.id, name: node.name, key, ...commandsWith(key) });
        }
        case 'PATCH /api/admin/nodes/:id': {
          const record = nodeId(path);
          const body = await readBody(req);
          const hidden = 'hidden' in body ? body.hidden : record.hidden;
          if (hidden !== null && typeof hidden !== 'boolean') throw new HttpError(400, 'PROBE_ERR_BAD_REQUEST', '"hidden" must be true, false, or null to follow the config file');
          const position = body.position ?? record.position;
          if (!Number.isSafeInteger(position) || Math.abs(position as number) > 1e9) throw new HttpError(400, 'PROBE_ERR_BAD_REQUEST', '"position" must be a whole number');
          const fields = {
            name: str(body, 'name', record.name),
            group: str(body, 'group', record.group),
            location: str(body, 'location', record.location).toUpperCase(),
            hidden,
            position: position as number,
          };
          validateNodeFields(fields.name, fields.group, fields.location);
          store.updateNode(record.id, fields);
          deps.nodesChanged();
          return json(res, 200, { ok: true });
        }
        case 'PUT /api/admin/order': {
          // The page order in one request: positions follow the list; nodes left out go last.
          const ids = (await readBody(req)).ids;
          if (!Array.isArray(ids) || ids.length > 100_000 || !ids.every((id) => Number.isSafeInteger(id))) throw new HttpError(400, 'PROBE_ERR_BAD_REQUEST', '"ids" must be a list of node ids');
          const place = new Map((ids as number[]).map((id, i) => [id, i + 1]));
          for (const record of store.listNodes()) {
            const position = place.get(record.id) ?? ids.length + 1;
            if (position !== record.position) store.updateNode(record.id, { ...record, position });
          }
          deps.nodesChanged();
          return json(res, 200, { ok: true });
        }
        case 'GET /api/admin/page':
          return json(res, 200, { mode: deps.access.mode() });
        case 'PUT /api/admin/page': {
          const body = await readBody(req);
          await deps.access.set(str(body, 'mode') as AccessMode, body.password === undefined || body.password === '' ? undefined : str(body, 'password'));
          deps.accessChanged();
          log.info('page access changed in the admin', { mode: deps.access.mode() });
          return json(res, 200, { mode: deps.access.mode() });
        }
        case 'POST /api/admin/nodes/:id/rotate-key': {
          const record = nodeId(path);
          const commandsWith = commands(req);
          const key = rotateKey(store, record.name);
          deps.nodesChanged();
          log.info('node key rotated in the admin', { node: record.name });
          return json(res, 200, { key, ...commandsWith(key) });
        }
        case 'DELETE /api/admin/nodes/:id': {
          const record = nodeId(path);
          // The name, typed again, is the confirmation that history goes too.
          if (new URL(req.url ?? '', 'http://x').searchParams.get('confirm') !== record.name) {
            throw new HttpError(400, 'PROBE_ERR_BAD_REQUEST', `to remove "${record.name}" and its history, repeat its name as ?confirm=`);
          }
          store.removeNode(record.name);
          deps.nodesChanged();
          log.info('node removed in the admin', { node: record.name });
          return json(res, 200, { ok: true });
        }
        case 'GET /api/admin/alerts':
          return json(res, 200, { rules: deps.rules.map((r) => ({ name: r.name, kind: r.kind, severity: r.severity, notify: r.notify })), channels: Object.keys(deps.channels), ...deps.alerts() });
        case 'POST /api/admin/notify-test': {
          const name = str(await readBody(req), 'channel');
          const channel = deps.channels[name];
          if (!channel) throw new HttpError(404, 'PROBE_ERR_NOT_FOUND', `no channel "${name}" under "notifications" in the config file`);
          const ok = await sendWithRetry(name, channel, testMessage(name, deps.publicUrl, deps.now()), { attempts: 1, baseDelayMs: 0 });
          return json(res, ok ? 200 : 502, ok ? { ok } : { code: 'PROBE_ERR_NOTIFY', message: `the test message through "${name}" failed: see the server log` });
        }
        case 'GET /api/admin/silences':
          return json(res, 200, adminSilences(store).filter((s) => s.until > deps.now()));
        case 'POST /api/admin/silences': {
          const [silence] = parseSilences({ silences: [await readBody(req)] });
          const list = [...adminSilences(store).filter((s) => s.until > deps.now()), silence!];
          if (list.length > 100) throw new HttpError(400, 'PROBE_ERR_BAD_REQUEST', 'at most 100 silences');
          store.putSetting(SILENCES_KEY, JSON.stringify(list));
          return json(res, 201, list);
        }
        case 'DELETE /api/admin/silences': {
          store.putSetting(SILENCES_KEY, null);
          return json(res, 200, []);
        }
        default:
          throw new HttpError(404, 'PROBE_ERR_NOT_FOUND', `no admin route ${method} ${path}`);
      }
    } catch (err) {
      if (err instanceof HttpError) return json(res, err.status, { code: err.code, message: err.message });
      if (err instanceof ProbeError) {
        const status = err.code === 'PROBE_ERR_NOT_FOUND' ? 404 : err.code === 'PROBE_ERR_EXISTS' ? 409 : err.code === 'PROBE_ERR_CONFIG' || err.code === 'PROBE_ERR_BAD_REQUEST' ? 400 : 500;
        return json(res, status, { code: err.code === 'PROBE_ERR_CONFIG' ? 'PROBE_ERR_BAD_REQUEST' : err.code, message: err.message.replace(/^"alerts\.silences\[0\]\.?/, '"') });
      }
      log.error('admin request failed', { error: (err as Error).message });
      if (!res.headersSent) json(res, 500, { code: 'PROBE_ERR_INTERNAL', message: 'internal error: see the server log' });
    }
  };
}
