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
import type { AdminAlertsView, OkReply, SessionReply, SilenceView } from '../../protocol/admin';
import type { ForecastItem } from '../../protocol/forecast';
import type { AlertsView, MetricNamesView } from '../../protocol/messages';
import type { NodeWriter } from '../fleet/nodes';
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
import { alertRoutes } from './alert-routes';
import { nodeRoutes } from './node-routes';
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

  /** Where node changes go in a cluster (store.postgres); null or absent: the store. */
  registry?: NodeWriter | null;
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

  const signedIn = async (res: ServerResponse, req: IncomingMessage, result: LoginResult) => {
    if (!result.ok) {
      if (result.status === 429) return jsonError(res, 429, result.code, result.message, { 'Retry-After': String(result.retryAfterSec) });
      return jsonError(res, 401, result.secondFactor ? 'PROBE_ERR_SECOND_FACTOR' : 'PROBE_ERR_AUTH', result.message);
    }
    const secure = deps.secure(req);
    // With servers sharing a database, the session is there before the browser has its cookie.
    await deps.store.flush?.().catch(() => undefined); // a failed write is logged; the session holds here
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
      const session = await auth.sessionOf(req.headers.cookie);
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
