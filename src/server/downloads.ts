/**
 * @module The one-line agent install: GET /install.sh (Linux, macOS) and GET /install.ps1
 * (Windows) pin the SHA-256 of the executables this server has (download-shelf.ts), served at
 * GET /download/<name>: `probe` is the server's own file (the server and the agent are the same
 * binary), `probe-<os>-<arch>[.exe]` the release files beside it. Gzip to clients that accept
 * it, `.xz` where the release made one. From source every route answers 404.
 */
import { createReadStream, statSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Executable } from './download-shelf';
import { executables, gzipLater } from './download-shelf';
import { installPowerShell } from './install-ps1';
import { installScript } from './install-script';

/**
 * Downloads of an executable (~30–110 MB each) sent at once. A fleet installed in one go would
 * otherwise fill the server's uplink and slow its own agents; the rest get 503 with Retry-After,
 * and install.sh's curl tries again by itself.
 */
export const MAX_DOWNLOADS = 8;
const DOWNLOAD_RETRY_S = 10;
let downloading = 0;

function sendText(req: IncomingMessage, res: ServerResponse, status: number, type: string, text: string): void {
  res.writeHead(status, { 'Content-Type': `${type}; charset=utf-8`, 'Content-Length': Buffer.byteLength(text), 'Cache-Control': 'no-store' });
  res.end(req.method === 'HEAD' ? undefined : text);
}

function sendFile(req: IncomingMessage, res: ServerResponse, exe: Executable, variant: 'gz' | 'xz' | null): void {
  if (req.method !== 'HEAD' && downloading >= MAX_DOWNLOADS) {
    const body = JSON.stringify({ code: 'PROBE_ERR_BUSY', message: `${MAX_DOWNLOADS} downloads of the executable are under way: try again in ${DOWNLOAD_RETRY_S} s (install.sh does by itself)` });
    res.writeHead(503, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body), 'Retry-After': String(DOWNLOAD_RETRY_S) });
    res.end(body);
    return;
  }
  const file = variant === 'xz' ? exe.xz! : variant === 'gz' ? exe.gz! : exe.path;
  res.writeHead(200, {
    'Content-Type': variant === 'xz' ? 'application/x-xz' : 'application/octet-stream',
    ...(variant === 'gz' ? { 'Content-Encoding': 'gzip' } : {}),
    'Content-Length': variant === null ? exe.size : statSync(file).size,
    'Content-Disposition': `attachment; filename="${exe.name}${variant === 'xz' ? '.xz' : ''}"`,
    // Of the executable itself, whatever the encoding on the wire.
    'X-Checksum-Sha256': exe.sha256,
    Vary: 'Accept-Encoding',
  });
  if (req.method === 'HEAD') {
    res.end();
    return;
  }
  downloading++;
  res.once('close', () => downloading--);
  createReadStream(file).on('error', () => res.destroy()).pipe(res);
}

const acceptsGzip = (req: IncomingMessage) => /\bgzip\b/.test(String(req.headers['accept-encoding'] ?? ''));

/** GET /install.sh, /install.ps1 and /download/*; false if `path` is none of them. */
export async function serveDownload(req: IncomingMessage, res: ServerResponse, path: string, baseUrl: string): Promise<boolean> {
  if (path !== '/install.sh' && path !== '/install.ps1' && !path.startsWith('/download/')) return false;
  const exes = await executables();
  if (exes.length === 0) {
    sendText(req, res, 404, 'text/plain', 'this server runs from source and has no executable to hand out: build it with `npm run build`\n');
    return true;
  }
  if (path === '/install.sh') {
    sendText(req, res, 200, 'text/x-shellscript', installScript(baseUrl, exes));
    return true;
  }
  if (path === '/install.ps1') {
    const windows = exes.find((e) => e.platform === 'windows-x64');
    if (windows) sendText(req, res, 200, 'text/plain', installPowerShell(baseUrl, windows));
    else sendText(req, res, 404, 'text/plain', 'this server has no Windows executable: put probe-windows-x64.exe from a probe release next to the server\'s executable (see the README, Releases)\n');
    return true;
  }
  const name = path.slice('/download/'.length);
  const exe = exes.find((e) => e.name === name || (e.xz && `${e.name}.xz` === name));
  if (!exe) {
    const text = `no executable ${name} here; this server has: ${exes.map((e) => e.name).join(', ')}\n`;
    sendText(req, res, 404, 'text/plain', text);
    return true;
  }
  if (name.endsWith('.xz')) return sendFile(req, res, exe, 'xz'), true;
  if (acceptsGzip(req) && !exe.gz) gzipLater(exe);
  sendFile(req, res, exe, acceptsGzip(req) && exe.gz ? 'gz' : null);
  return true;
}
