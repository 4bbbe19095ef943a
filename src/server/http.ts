/**
 * @module Plain HTTP routes: the page from memory, /api/nodes, /healthz. Everything else is 404.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Asset } from './assets';
import type { Hub } from './hub';

export interface HttpDeps {
  hub: Hub;
  assets: Map<string, Asset>;
  version: string;
  health: () => Record<string, number>;
}

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

export function createRequestHandler(deps: HttpDeps): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      sendJson(res, 405, { code: 'PROBE_ERR_BAD_REQUEST', message: `${req.method} is not supported here` }, { Allow: 'GET, HEAD' });
      return;
    }
    const asset = deps.assets.get(url.pathname);
    if (asset) return sendAsset(req, res, asset);
    switch (url.pathname) {
      case '/api/nodes':
        return sendJson(res, 200, deps.hub.views(), { 'Access-Control-Allow-Origin': '*' });
      case '/healthz':
        return sendJson(res, 200, { status: 'ok', version: deps.version, ...deps.health() });
      default:
        return sendJson(res, 404, { code: 'PROBE_ERR_NOT_FOUND', message: `nothing at ${url.pathname}` });
    }
  };
}
