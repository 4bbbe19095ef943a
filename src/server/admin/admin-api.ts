/**
 * @module /api/admin/*: the admin's JSON API. Sign-in (first password with the setup token, then
 * the password), and with a session: nodes (add, rename, regroup, relocate, rotate key, remove),
 * order and hiding, alerts (rules, firing, events, test notification), silences, and who may see the page. Every state-changing request
 * needs the session's CSRF token in `X-CSRF-Token` and a JSON body of at most 16 KiB.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Silence } from '../../alerts/rules';
import { parseSilences } from '../../alerts/rules';
import { sendWithRetry, testMessage } from '../../notify/notifier';
import type { AddedNodeReply, AdminAlertsView, NodeKeyReply, OkReply, SessionReply, SilenceView } from '../../protocol/admin';
import type { ForecastItem } from '../../protocol/forecast';
import type { AdminNodeView, AlertsView, MetricNamesView } from '../../protocol/messages';
import type { Store } from '../../store/store';
import { ProbeError } from '../../util/errors';
import { requestFields } from '../../util/fields';
import { log } from '../../util/log';
import type { AdminAuth, LoginResult } from './auth';
import { SESSION_TTL_MS, deviceCookie, sessionCookie } from './auth';
import type { Hub } from '../fleet/hub';
import type { PageAccess } from './page-access';
import { HttpError, json, jsonError, readBody, statusFor } from '../net/http-body';
import type { OwnHosts } from '../net/own-hosts';
import { addNode, commandsFor, rotateKey, validateNodeFields } from '../fleet/nodes';
import { alertRoutes } from './alert-routes';
import type { AlertSetup } from './alert-setup';
import { AUDIT_KEEP, auditRoutes } from './audit';
import { secondFactorRoutes } from './second-factor-routes';
import { settingsRoutes } from './settings-routes';
import type { NodeNotesSetup } from './node-notes';
import type { PageSetup } from './page-setup';
import type { Route } from './route';

const SILENCES_KEY = 'alerts.silences';

export interface AdminDeps {
  auth: AdminAuth;
  store: Store;
  hub: Hub;
  /** The rules and channels in force, the file's and the admin's. */
  setup: AlertSetup;
  /** Per-node notes, the file's and the admin's. */
  notes: NodeNotesSetup;
  /** The page's title, description and links. */
  page: PageSetup;

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
  /** Each node's forecasts as last worked out (the preview of forecast rules). */
  forecasts?: (id: number) => readonly ForecastItem[] | null;
}

const { text } = requestFields;
/** Strings are bounded by the body's 16 KiB; what each may hold is checked where it is used (validateNodeFields, auth). */
const ANY = 16 * 1024;
const OK: OkReply = { ok: true };

/** Silences made in the admin (the config's are separate and read-only here). */
export function adminSilences(store: Store): Silence[] {
  const text = store.getSetting(SILENCES_KEY);
  return text ? (JSON.parse(text) as Silence[]) : [];
}

/**
 * `probe agent …` and the one-line install for a key, at the address the admin reached us at (or
 * server.publicUrl). Asked for before the key is made: an address refused refuses the request.
 */
function commands(deps: AdminDeps, req: IncomingMessage): (key: string) => NodeKeyReply {
  const base = deps.hosts.base(req, deps.secure(req), true);
  return (key) => {
    const { agent, install, installWindows } = commandsFor(base, key);
    return { key, command: agent, install, installWindows };
  };
}

function nodeOf(deps: AdminDeps, path: string) {
  const match = /^\/api\/admin\/nodes\/(\d{1,12})(\/rotate-key)?$/.exec(path);
  const record = deps.hub.get(match ? Number(match[1]) : NaN);
  if (!record) throw new HttpError(404, 'PROBE_ERR_NOT_FOUND', `no node with id ${match?.[1] ?? '?'}`);
  return record;
}

/** Nodes: list, add, edit, order, rotate a key, remove. */
function nodeRoutes(deps: AdminDeps): Record<string, Route> {
  const { store, hub } = deps;
  return {
    'GET /api/admin/nodes': ({ res }) =>
      json(
        res,
        200,
        hub.views('admin').map(
          (v): AdminNodeView => ({
            ...v,
            hidden: hub.isHidden(v.id),
            hiddenSetting: hub.get(v.id)?.hidden ?? null,
            metricNames: deps.metricNames(v.id),
            clockOffsetMs: hub.clockOffset(v.id),
          }),
        ),
      ),
    'POST /api/admin/nodes': async ({ req, res, audit }) => {
      const body = await readBody(req);
      const commandsWith = commands(deps, req);
      const { node, key } = addNode(
        store,
        text(body.name, 'name', ANY),
        text(body.group ?? '', 'group', ANY),
        text(body.location ?? '', 'location', ANY),
        deps.now(),
      );
      deps.nodesChanged();
      log.info('node added in the admin', { node: node.name });
      audit(`node "${node.name}" added`);
      json(res, 201, { id: node.id, name: node.name, ...commandsWith(key) } satisfies AddedNodeReply);
    },
    'PATCH /api/admin/nodes/:id': async ({ req, res, path, audit }) => {
      const record = nodeOf(deps, path);
      const body = await readBody(req);
      const hidden = 'hidden' in body ? body.hidden : record.hidden;
      if (hidden !== null && typeof hidden !== 'boolean')
        throw requestFields.bad('hidden', 'must be true, false, or null to follow the config file');
      const fields = {
        name: text(body.name ?? record.name, 'name', ANY),
        group: text(body.group ?? record.group, 'group', ANY),
        location: text(body.location ?? record.location, 'location', ANY).toUpperCase(),
        hidden,
        position: requestFields.integer(body.position ?? undefined, 'position', -1e9, 1e9, record.position),
      };
      validateNodeFields(fields.name, fields.group, fields.location);
      store.updateNode(record.id, fields);
      deps.notes.rename(record.name, fields.name);
      deps.nodesChanged();
      audit(
        `node "${record.name}" changed${fields.name !== record.name ? ` and renamed "${fields.name}"` : ''}${'hidden' in body ? ` (${hidden === null ? 'hiding as in the config file' : hidden ? 'hidden' : 'shown'})` : ''}`,
      );
      json(res, 200, OK);
    },
    'PUT /api/admin/order': async ({ req, res, audit }) => {
      // The page order in one request: positions follow the list; nodes left out go last.
      const ids = (await readBody(req)).ids;
      if (!Array.isArray(ids) || ids.length > 100_000 || !ids.every((id) => Number.isSafeInteger(id)))
        throw requestFields.bad('ids', 'must be a list of node ids');
      const place = new Map((ids as number[]).map((id, i) => [id, i + 1]));
      for (const record of store.listNodes()) {
        const position = place.get(record.id) ?? ids.length + 1;
        if (position !== record.position) store.updateNode(record.id, { ...record, position });
      }
      deps.nodesChanged();
      audit('node order changed');
      json(res, 200, OK);
    },
    'POST /api/admin/nodes/:id/rotate-key': ({ req, res, path, audit }) => {
      const record = nodeOf(deps, path);
      const commandsWith = commands(deps, req);
      const key = rotateKey(store, record.name);
      deps.nodesChanged();
      log.info('node key rotated in the admin', { node: record.name });
      audit(`key of node "${record.name}" rotated`);
      json(res, 200, commandsWith(key) satisfies NodeKeyReply);
    },
    'DELETE /api/admin/nodes/:id': ({ req, res, path, audit }) => {
      const record = nodeOf(deps, path);
      // The name, typed again, is the confirmation that history goes too.
      if (new URL(req.url ?? '', 'http://x').searchParams.get('confirm') !== record.name) {
        throw requestFields.bad('confirm', `must repeat the node's name to remove "${record.name}" and its history`);
      }
      store.removeNode(record.name);
      deps.nodesChanged();
      log.info('node removed in the admin', { node: record.name });
      audit(`node "${record.name}" removed with its history`);
      json(res, 200, OK);
    },
  };
}

/** The session, and who may see the page. */
function sessionRoutes(deps: AdminDeps): Record<string, Route> {
  return {
    'GET /api/admin/session': ({ res, session }) => json(res, 200, { csrf: session.csrf } satisfies SessionReply),
    'POST /api/admin/logout': ({ req, res, session, audit }) => {
      deps.auth.logout(session.tokenHash);
      deps.signedOut();
      audit('signed out');
      json(res, 200, OK, { 'Set-Cookie': sessionCookie('', deps.secure(req), 0) });
    },
  };
}

/** What fires, test notifications by channel name, silences. */
function firingRoutes(deps: AdminDeps): Record<string, Route> {
  const { store } = deps;
  const current = (): SilenceView[] => adminSilences(deps.store).filter((s) => s.until > deps.now());
  return {
    'GET /api/admin/alerts': ({ res }) =>
      json(res, 200, {
        rules: deps.setup.rules().map((r) => ({ name: r.name, kind: r.kind, severity: r.severity, notify: r.notify })),
        channels: Object.keys(deps.setup.channels()),
        ...deps.alerts(),
      } satisfies AdminAlertsView),
    'POST /api/admin/notify-test': async ({ req, res, audit }) => {
      const name = text((await readBody(req)).channel, 'channel', ANY);
      audit(`test message sent through "${name}"`);
      const channel = deps.setup.channels()[name];
      if (!channel) throw new HttpError(404, 'PROBE_ERR_NOT_FOUND', `no channel "${name}"`);
      const ok = await sendWithRetry(name, channel, testMessage(name, deps.publicUrl, deps.now()), { attempts: 1, baseDelayMs: 0 });
      if (ok) json(res, 200, OK);
      else jsonError(res, 502, 'PROBE_ERR_NOTIFY', `the test message through "${name}" failed: see the server log`);
    },
    'GET /api/admin/silences': ({ res }) => json(res, 200, current()),
    'POST /api/admin/silences': async ({ req, res, audit }) => {
      const [silence] = parseSilences({ silences: [await readBody(req)] });
      const list = [...current(), silence!];
      if (list.length > 100) throw new HttpError(400, 'PROBE_ERR_BAD_REQUEST', 'at most 100 silences');
      store.putSetting(SILENCES_KEY, JSON.stringify(list));
      audit(`silence of rule ${silence!.rule ?? '*'} on node ${silence!.node ?? '*'} until ${new Date(silence!.until).toISOString()}`);
      json(res, 201, list satisfies SilenceView[]);
    },
    'DELETE /api/admin/silences': ({ res, audit }) => {
      store.putSetting(SILENCES_KEY, null);
      audit('every silence ended');
      json(res, 200, [] satisfies SilenceView[]);
    },
  };
}

/** A failed request's answer: HttpErrors as they are, ProbeErrors by code (config-file wording turned into the request's). */
function sendError(res: ServerResponse, err: unknown): void {
  if (err instanceof HttpError) return jsonError(res, err.status, err.code, err.message);
  if (err instanceof ProbeError) {
    return jsonError(
      res,
      statusFor(err.code),
      err.code === 'PROBE_ERR_CONFIG' ? 'PROBE_ERR_BAD_REQUEST' : err.code,
      err.message.replace(/^"alerts\.silences\[0\]\.?/, '"'),
    );
  }
  log.error('admin request failed', { error: (err as Error).message });
  if (!res.headersSent) jsonError(res, 500, 'PROBE_ERR_INTERNAL', 'internal error: see the server log');
}

/** The route for a request: its exact path, else with a name (`/rules/:name`), else with an id (`/nodes/:id`). */
function routeFor(routes: Record<string, Route>, method: string, path: string): Route | undefined {
  return (
    routes[`${method} ${path}`] ??
    routes[`${method} ${path.replace(/^(\/api\/admin\/(?:rules|channels))\/[^/]+/, '$1/:name')}`] ??
    routes[`${method} ${path.replace(/\/\d+(?=\/|$)/, '/:id')}`]
  );
}

export function createAdminHandler(deps: AdminDeps): (req: IncomingMessage, res: ServerResponse, path: string) => Promise<void> {
  const { auth } = deps;
  const routes: Record<string, Route> = {
    ...sessionRoutes(deps),
    ...nodeRoutes(deps),
    ...firingRoutes(deps),
    ...alertRoutes({ setup: deps.setup, hub: deps.hub, publicUrl: deps.publicUrl, now: deps.now, forecasts: deps.forecasts }),
    ...auditRoutes(deps.store),
    ...secondFactorRoutes(auth.secondFactor),
    ...settingsRoutes(deps),
  };

  const signedIn = (res: ServerResponse, req: IncomingMessage, result: LoginResult) => {
    if (!result.ok) {
      if (result.status === 429) return jsonError(res, 429, result.code, result.message, { 'Retry-After': String(result.retryAfterSec) });
      return jsonError(res, 401, result.secondFactor ? 'PROBE_ERR_SECOND_FACTOR' : 'PROBE_ERR_AUTH', result.message);
    }
    const secure = deps.secure(req);
    json(res, 200, { csrf: result.csrf } satisfies SessionReply, {
      'Set-Cookie': [sessionCookie(result.token, secure, SESSION_TTL_MS / 1000), deviceCookie(result.device, secure)],
    });
  };

  return async (req, res, path) => {
    try {
      const method = req.method ?? 'GET';
      if (path === '/api/admin/setup' && method === 'POST') {
        const body = await readBody(req);
        return signedIn(res, req, await auth.setup(text(body.token, 'token', ANY), text(body.password, 'password', ANY)));
      }
      if (path === '/api/admin/login' && method === 'POST') {
        const body = await readBody(req);
        const address = deps.clientAddress(req);
        const result = await auth.login(
          text(body.password, 'password', ANY),
          address,
          req.headers.cookie,
          text(body.code ?? '', 'code', 64),
        );
        if (result.ok) deps.store.addAudit({ ts: deps.now(), address, action: 'signed in' }, AUDIT_KEEP);
        return signedIn(res, req, result);
      }
      const session = auth.session(req.headers.cookie);
      if (!session) {
        throw new HttpError(
          401,
          'PROBE_ERR_AUTH',
          auth.hasPassword()
            ? 'sign in first'
            : 'no admin password yet: open the setup link printed by the server, or run `probe admin set-password`',
        );
      }
      if (method !== 'GET' && method !== 'HEAD') {
        // SameSite=Strict already keeps other sites' requests from carrying the cookie; the token is the second lock.
        if (req.headers['x-csrf-token'] !== session.csrf)
          throw new HttpError(403, 'PROBE_ERR_CSRF', 'missing or wrong X-CSRF-Token: reload the admin page');
      }
      const route = routeFor(routes, method, path);
      if (!route) throw new HttpError(404, 'PROBE_ERR_NOT_FOUND', `no admin route ${method} ${path}`);
      let action: string | null = method === 'GET' || method === 'HEAD' ? null : `${method} ${path}`;
      const address = deps.clientAddress(req);
      await route({ req, res, path, session, audit: (what) => void (action = what) });
      // `audit(null)`: a POST that changes nothing (a rule checked as typed).
      if (action !== null && res.statusCode < 400) deps.store.addAudit({ ts: deps.now(), address, action }, AUDIT_KEEP);
    } catch (err) {
      sendError(res, err);
    }
  };
}
