/**
 * @module Plain HTTP routes: the page from memory, /api/nodes, /api/checks, /healthz. Everything else is 404.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AlertsView, PageAccessView } from '../../protocol/messages';
import { log } from '../../util/log';
import type { Store } from '../../store/store';
import type { Retention } from '../../store/tiers';
import { ProbeError } from '../../util/errors';
import { requestFields } from '../../util/fields';
import type { Asset } from './assets';
import type { CheckService } from '../checks/checks-service';
import { parseHistoryQuery, readHistory } from './history';
import type { Audience, Hub } from '../fleet/hub';
import type { Forecasts } from '../fleet/forecasts';
import { FORECAST_SOON_MS } from '../../protocol/forecast';
import type { ForecastsSoon } from '../../protocol/forecast';
import { serveDownload } from './downloads';
import { HttpError, json, jsonError, readBody, statusFor } from '../net/http-body';
import type { OwnHosts } from '../net/own-hosts';
import type { AccessMode, PageAccess, Viewer } from '../admin/page-access';
import type { Refusal } from '../admin/password-guard';
import { renderRemoteWrite } from '../remote/remote-write';
import type { RemoteWrite } from '../remote/remote-write';
import type { HistorySource } from '../remote/history-source';
import { MetricsPages, renderPrometheus } from './prometheus';
import type { StorageState } from '../agents/store-watch';
import { summarize } from './summary';

export interface HttpDeps {
  /** /api/admin/* (see admin-api.ts). */
  admin?: (req: IncomingMessage, res: ServerResponse, path: string) => Promise<void>;
  hub: Hub;
  store: Store;
  retention: Retention;
  assets: Map<string, Asset>;
  version: string;
  /** GET /healthz's figures for a viewer who may see the page: counting only the nodes it may see. */
  health: (audience: Audience) => Record<string, number | string>;
  /** Whether samples are stored now: /healthz answers 503 "degraded" while not. */
  storage?: () => StorageState;
  /** GET /api/alerts for a viewer. */
  alerts: (audience: Audience) => AlertsView;
  /** Who may see the page's data; without it, everyone sees what guests see. */
  access?: Pick<PageAccess, 'audience' | 'mode' | 'unlock'>;
  clientAddress?: (req: IncomingMessage) => string;
  /** Whether the request came over HTTPS: cookies get Secure. */
  secure?: (req: IncomingMessage) => boolean;
  /** This server's address for install links (server.publicUrl, or a Host known to be ours). */
  hosts?: Pick<OwnHosts, 'base'>;
  /** GET /api/checks and each check's history; without it, no checks. */
  checks?: Pick<CheckService, 'list' | 'history'>;
  now?: () => number;
  /** GET /api/nodes/:id/forecast and /api/forecasts; 404 without. */
  forecasts?: Pick<Forecasts, 'of' | 'soon'>;
  /** Remote write's figures, appended to /metrics; none without. */
  remoteWrite?: Pick<RemoteWrite, 'status'> | null;
  /** With `history.read`: node history from the TSDB (local storage when it fails); else from the store. */
  historyRead?: Pick<HistorySource, 'read'> | null;
}

const HISTORY_PATH = /^\/api\/nodes\/(\d{1,12})\/history$/;
const CHECK_HISTORY_PATH = /^\/api\/checks\/(\d{1,12})\/history$/;
const FORECAST_PATH = /^\/api\/nodes\/(\d{1,12})\/forecast$/;

const SECURITY_HEADERS: Record<string, string> = {
  'Content-Security-Policy': [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "connect-src 'self'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'self'",
  ].join('; '),
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'Cross-Origin-Opener-Policy': 'same-origin',
};

function sendAsset(req: IncomingMessage, res: ServerResponse, asset: Asset): void {
  const headers: Record<string, string | number> = {
    'Content-Type': asset.type,
    'Cache-Control': 'no-cache',
    ETag: asset.etag,
    Vary: 'Accept-Encoding',
  };
  if (req.headers['if-none-match'] === asset.etag) {
    res.writeHead(304, headers);
    res.end();
    return;
  }
  const accept = String(req.headers['accept-encoding'] ?? '');
  let body = asset.raw;
  if (/\bbr\b/.test(accept)) {
    body = asset.brotli;
    headers['Content-Encoding'] = 'br';
  } else if (/\bgzip\b/.test(accept)) {
    body = asset.gzip;
    headers['Content-Encoding'] = 'gzip';
  }
  headers['Content-Length'] = body.length;
  res.writeHead(200, headers);
  res.end(req.method === 'HEAD' ? undefined : body);
}

async function sendHistory(
  res: ServerResponse,
  deps: HttpDeps,
  nodeId: number,
  params: URLSearchParams,
  audience: Audience,
): Promise<void> {
  const node = deps.hub.visibleTo(nodeId, audience) ? deps.hub.get(nodeId) : undefined;
  if (!node) {
    jsonError(res, 404, 'PROBE_ERR_NOT_FOUND', `no node with id ${nodeId}`);
    return;
  }
  const now = (deps.now ?? Date.now)();
  try {
    const query = parseHistoryQuery(params, now);
    const live = deps.hub.latest(nodeId);
    const answer = deps.historyRead
      ? await deps.historyRead.read(nodeId, node.name, query, now, deps.retention, live)
      : readHistory(deps.store, nodeId, query, now, deps.retention, live);
    json(res, 200, answer, { 'Access-Control-Allow-Origin': '*' });
  } catch (err) {
    if (!(err instanceof ProbeError)) throw err;
    jsonError(res, statusFor(err.code), err.code, err.message);
  }
}

function sendCheckHistory(res: ServerResponse, deps: HttpDeps, id: number, params: URLSearchParams, audience: Audience): void {
  try {
    const answer = deps.checks?.history(id, params, audience, deps.retention) ?? null;
    if (!answer) return jsonError(res, 404, 'PROBE_ERR_NOT_FOUND', `no check with id ${id}`);
    json(res, 200, answer, { 'Access-Control-Allow-Origin': '*' });
  } catch (err) {
    if (!(err instanceof ProbeError)) throw err;
    jsonError(res, statusFor(err.code), err.code, err.message);
  }
}

/** A node's forecasts: like its history, only for a viewer who may see the node. */
function sendForecast(res: ServerResponse, deps: HttpDeps, nodeId: number, audience: Audience): void {
  const answer = deps.hub.visibleTo(nodeId, audience) ? deps.forecasts?.of(nodeId) : null;
  if (!answer) return jsonError(res, 404, 'PROBE_ERR_NOT_FOUND', `no node with id ${nodeId}`);
  json(res, 200, answer, { 'Access-Control-Allow-Origin': '*' });
}

/** 429 with Retry-After: too many wrong passwords from this client, or too many being checked. */
function sendRefusal(res: ServerResponse, refusal: Refusal): void {
  jsonError(res, 429, refusal.code, refusal.message, { 'Retry-After': String(refusal.retryAfterSec) });
}

/** The page password form: POST /api/access { password } sets the visitor cookie. */
async function unlock(req: IncomingMessage, res: ServerResponse, deps: HttpDeps): Promise<void> {
  const password = requestFields.text((await readBody(req, 4096)).password, 'password', 4096);
  const result = await deps.access!.unlock(password, deps.clientAddress?.(req) ?? '', deps.secure?.(req) ?? false);
  if (!result.ok) {
    if (result.status === 429) return sendRefusal(res, result);
    return jsonError(res, 401, 'PROBE_ERR_AUTH', result.message);
  }
  json(res, 200, { granted: true }, { 'Set-Cookie': result.cookie });
}

/** Routes that show node data: only for a viewer the page's access mode lets in. */
function sendData(
  req: IncomingMessage,
  res: ServerResponse,
  deps: HttpDeps,
  url: URL,
  audience: Audience,
  metrics: MetricsPages,
): void | Promise<void> {
  const history = HISTORY_PATH.exec(url.pathname);
  if (history) return sendHistory(res, deps, Number(history[1]), url.searchParams, audience);
  const checkHistory = CHECK_HISTORY_PATH.exec(url.pathname);
  if (checkHistory) return sendCheckHistory(res, deps, Number(checkHistory[1]), url.searchParams, audience);
  const forecast = FORECAST_PATH.exec(url.pathname);
  if (forecast) return sendForecast(res, deps, Number(forecast[1]), audience);
  switch (url.pathname) {
    case '/api/checks':
      return json(res, 200, deps.checks?.list(audience) ?? { checks: [] }, { 'Access-Control-Allow-Origin': '*' });
    case '/api/forecasts': {
      const ids = deps.hub.ids().filter((id) => deps.hub.visibleTo(id, audience));
      const answer: ForecastsSoon = deps.forecasts?.soon(ids, FORECAST_SOON_MS) ?? { soon: {}, pending: 0 };
      return json(res, 200, answer, { 'Access-Control-Allow-Origin': '*' });
    }
    case '/api/nodes':
      return json(res, 200, deps.hub.views(audience), { 'Access-Control-Allow-Origin': '*' });
    case '/api/alerts':
      return json(res, 200, deps.alerts(audience), { 'Access-Control-Allow-Origin': '*' });
    case '/api/summary':
      return json(res, 200, summarize(deps.hub.views(audience), (deps.now ?? Date.now)()), { 'Access-Control-Allow-Origin': '*' });
    case '/metrics':
      return metrics.send(req, res, audience, async () => {
        const parts = await renderPrometheus(deps.hub.liveNodes(audience));
        parts.push(Buffer.from(renderRemoteWrite(deps.remoteWrite?.status() ?? [])));
        return parts;
      });
  }
}

/** 401 for a viewer the page's access mode keeps out: how to get in, by the mode. */
function sendLocked(res: ServerResponse, mode: AccessMode | undefined): void {
  const message =
    mode === 'password'
      ? 'this status page needs its password: POST it to /api/access, or send it as HTTP Basic credentials'
      : 'this status page is private: sign in at /admin';
  jsonError(res, 401, 'PROBE_ERR_AUTH', message, mode === 'password' ? { 'WWW-Authenticate': 'Basic realm="probe", charset="UTF-8"' } : {});
}

/** GET /healthz: the figures only for a viewer who may see the page. */
function sendHealth(res: ServerResponse, deps: HttpDeps, viewer: Viewer): void {
  const audience = viewer === 'guest' || viewer === 'admin' ? viewer : null;
  // Not storing (a full disk): up, but degraded, for everyone; monitors of the monitor see it by the status.
  const storage = deps.storage?.();
  const status =
    storage && !storage.storing ? { status: 'degraded', storing: false, reason: storage.reason, since: storage.since } : { status: 'ok' };
  json(res, storage && !storage.storing ? 503 : 200, audience ? { ...status, version: deps.version, ...deps.health(audience) } : status);
}

const DATA_PATHS = new Set(['/api/nodes', '/api/alerts', '/api/summary', '/api/checks', '/metrics', '/api/forecasts']);

export function createRequestHandler(deps: HttpDeps): (req: IncomingMessage, res: ServerResponse) => void {
  const metrics = new MetricsPages();
  const audienceOf = (req: IncomingMessage): Promise<Viewer> =>
    deps.access ? deps.access.audience(req, deps.clientAddress?.(req) ?? '') : Promise.resolve('guest');
  const route = async (req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> => {
    if (url.pathname === '/api/access' && req.method === 'POST' && deps.access) return unlock(req, res, deps);
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      return jsonError(res, 405, 'PROBE_ERR_BAD_REQUEST', `${req.method} is not supported here`, { Allow: 'GET, HEAD' });
    }
    const asset = deps.assets.get(url.pathname);
    if (asset) return sendAsset(req, res, asset);
    if (
      DATA_PATHS.has(url.pathname) ||
      HISTORY_PATH.test(url.pathname) ||
      CHECK_HISTORY_PATH.test(url.pathname) ||
      FORECAST_PATH.test(url.pathname)
    ) {
      const audience = await audienceOf(req);
      if (typeof audience === 'object' && audience) return sendRefusal(res, audience);
      if (audience) return sendData(req, res, deps, url, audience, metrics);
      return sendLocked(res, deps.access?.mode());
    }
    switch (url.pathname) {
      case '/api/access': {
        const audience = await audienceOf(req);
        if (typeof audience === 'object' && audience) return sendRefusal(res, audience);
        return json(res, 200, {
          mode: deps.access?.mode() ?? 'public',
          granted: audience !== null,
          admin: audience === 'admin',
        } satisfies PageAccessView);
      }
      case '/healthz': {
        // Whoever may not see the page learns only that the server is up: not how many nodes it watches.
        return sendHealth(res, deps, await audienceOf(req));
      }
      default: {
        // Only the install scripts carry this server's address; a forged Host gets none.
        const base =
          url.pathname === '/install.sh' || url.pathname === '/install.ps1'
            ? (deps.hosts?.base(req, deps.secure?.(req) ?? false) ?? '')
            : '';
        if (await serveDownload(req, res, url.pathname, base, deps.clientAddress?.(req))) return;
        return jsonError(res, 404, 'PROBE_ERR_NOT_FOUND', `nothing at ${url.pathname}`);
      }
    }
  };
  return (req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    // On every answer, whichever route writes it (downloads, /metrics, errors).
    for (const [name, value] of Object.entries(SECURITY_HEADERS)) res.setHeader(name, value);
    // Over HTTPS only: browsers keep to HTTPS for this host for a year (includeSubDomains is the operator's call).
    if (deps.secure?.(req)) res.setHeader('Strict-Transport-Security', 'max-age=31536000');
    if (url.pathname.startsWith('/api/admin/') && deps.admin) {
      void deps.admin(req, res, url.pathname);
      return;
    }
    route(req, res, url).catch((err: unknown) => {
      if (res.headersSent) return void res.destroy();
      if (err instanceof HttpError) return jsonError(res, err.status, err.code, err.message);
      if (err instanceof ProbeError && statusFor(err.code) < 500) return jsonError(res, statusFor(err.code), err.code, err.message);
      jsonError(res, 500, 'PROBE_ERR_INTERNAL', 'internal error: see the server log');
      log.error('request failed', { path: url.pathname, error: (err as Error).message });
    });
  };
}
