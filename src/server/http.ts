/**
 * @module Plain HTTP routes: the page from memory, /api/nodes, /healthz. Everything else is 404.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AlertsView } from '../protocol/messages';
import type { Store } from '../store/store';
import type { Retention } from '../store/tiers';
import { ProbeError } from '../util/errors';
import type { Asset } from './assets';
import { parseHistoryQuery, readHistory } from './history';
import type { Hub } from './hub';
import { renderPrometheus } from './prometheus';
import { summarize } from './summary';

export interface HttpDeps {
  /** /api/admin/* (see admin-api.ts). */
  admin?: (req: IncomingMessage, res: ServerResponse, path: string) => Promise<void>;
  hub: Hub;
  store: Store;
  retention: Retention;
  assets: Map<string, Asset>;
  version: string;
  health: () => Record<string, number>;
  /** GET /api/alerts for guests. */
  alerts: () => AlertsView;
  now?: () => number;
}

const HISTORY_PATH = /^\/api\/nodes\/(\d{1,12})\/history$/;

const SECURITY_HEADERS: Record<string, string> = {
  'Content-Security-Policy':
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'self'",
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'Cross-Origin-Opener-Policy': 'same-origin',
};

function sendJson(res: ServerResponse, status: number, body: unknown, extra: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    ...SECURITY_HEADERS,
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': Buffer.byteLength(text),
    'Cache-Control': 'no-store',
    ...extra,
  });
  res.end(text);
}

function sendAsset(req: IncomingMessage, res: ServerResponse, asset: Asset): void {
  const headers: Record<string, string | number> = {
    ...SECURITY_HEADERS,
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

function sendHistory(res: ServerResponse, deps: HttpDeps, nodeId: number, params: URLSearchParams): void {
  if (!deps.hub.visibleTo(nodeId, 'guest')) {
    sendJson(res, 404, { code: 'PROBE_ERR_NOT_FOUND', message: `no node with id ${nodeId}` });
    return;
  }
  const now = (deps.now ?? Date.now)();
  try {
    const query = parseHistoryQuery(params, now);
    sendJson(res, 200, readHistory(deps.store, nodeId, query, now, deps.retention), { 'Access-Control-Allow-Origin': '*' });
  } catch (err) {
    if (!(err instanceof ProbeError)) throw err;
    sendJson(res, err.code === 'PROBE_ERR_BAD_REQUEST' ? 400 : 500, { code: err.code, message: err.message });
  }
}

export function createRequestHandler(deps: HttpDeps): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (url.pathname.startsWith('/api/admin/') && deps.admin) {
      for (const [name, value] of Object.entries(SECURITY_HEADERS)) res.setHeader(name, value);
      void deps.admin(req, res, url.pathname);
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      sendJson(res, 405, { code: 'PROBE_ERR_BAD_REQUEST', message: `${req.method} is not supported here` }, { Allow: 'GET, HEAD' });
      return;
    }
    const asset = deps.assets.get(url.pathname);
    if (asset) return sendAsset(req, res, asset);
    const history = HISTORY_PATH.exec(url.pathname);
    if (history) return sendHistory(res, deps, Number(history[1]), url.searchParams);
    switch (url.pathname) {
      case '/api/nodes':
        return sendJson(res, 200, deps.hub.views('guest'), { 'Access-Control-Allow-Origin': '*' });
      case '/api/alerts':
        return sendJson(res, 200, deps.alerts(), { 'Access-Control-Allow-Origin': '*' });
      case '/api/summary':
        return sendJson(res, 200, summarize(deps.hub.views('guest'), (deps.now ?? Date.now)()), { 'Access-Control-Allow-Origin': '*' });
      case '/metrics': {
        const text = renderPrometheus(deps.hub.views('guest'));
        res.writeHead(200, { 'Content-Type': 'text/plain; version=0.0.4; charset=utf-8', 'Content-Length': Buffer.byteLength(text), 'Cache-Control': 'no-store' });
        res.end(req.method === 'HEAD' ? undefined : text);
        return;
      }
      case '/healthz':
        return sendJson(res, 200, { status: 'ok', version: deps.version, ...deps.health() });
      default:
        return sendJson(res, 404, { code: 'PROBE_ERR_NOT_FOUND', message: `nothing at ${url.pathname}` });
    }
  };
}
