/**
 * @module The one-line agent install: GET /install.sh (Linux, macOS) and GET /install.ps1
 * (Windows) pin the SHA-256 of the executables this server has (download-shelf.ts), served at
 * GET /download/<name>: `probe` is the server's own file (the server and the agent are the same
 * binary), `probe-<os>-<arch>[.exe]` the release files beside it. Gzip to clients that accept
 * it, `.xz` where the release made one. From source every route answers 404.
 */
import { createReadStream, statSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { pipeline } from 'node:stream';
import { log } from '../util/log';
import type { Executable } from './download-shelf';
import { executables, gzipLater } from './download-shelf';
import { installPowerShell } from './install-ps1';
import { installScript } from './install-script';

export interface DownloadLimits {
  /**
   * Downloads of an executable (~30–110 MB each) sent at once. A fleet installed in one go would
   * otherwise fill the server's uplink and slow its own agents; the rest get 503 with Retry-After,
   * and install.sh's curl tries again by itself.
   */
  maxDownloads: number;
  /**
   * A download that sends less than `minBytesPerSec` on average over a window of `stallWindowMs`
   * is cut, so clients that stop reading (or read a trickle) cannot hold the slots for ever.
   */
  stallWindowMs: number;
  minBytesPerSec: number;
}

/** 16 KiB/s: the 40 MB .xz in 42 minutes, the largest executable in under 2 hours. */
export const DOWNLOAD_LIMITS: DownloadLimits = { maxDownloads: 8, stallWindowMs: 60_000, minBytesPerSec: 16 * 1024 };
export const MAX_DOWNLOADS = DOWNLOAD_LIMITS.maxDownloads;
const DOWNLOAD_RETRY_S = 10;

function sendText(req: IncomingMessage, res: ServerResponse, status: number, type: string, text: string): void {
  res.writeHead(status, { 'Content-Type': `${type}; charset=utf-8`, 'Content-Length': Buffer.byteLength(text), 'Cache-Control': 'no-store' });
  res.end(req.method === 'HEAD' ? undefined : text);
}

/** Sends files while fewer than `maxDownloads` are under way, cutting the ones that stall. */
class DownloadSlots {
  private running = 0;

  constructor(private readonly limits: DownloadLimits) {}

  sendFile(req: IncomingMessage, res: ServerResponse, exe: Executable, variant: 'gz' | 'xz' | null): void {
    const { maxDownloads, stallWindowMs, minBytesPerSec } = this.limits;
    if (req.method !== 'HEAD' && this.running >= maxDownloads) {
      const body = JSON.stringify({ code: 'PROBE_ERR_BUSY', message: `${maxDownloads} downloads of the executable are under way: try again in ${DOWNLOAD_RETRY_S} s (install.sh does by itself)` });
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
    this.running++;
    // The file is read only as fast as the client takes it (backpressure), so what was read is what went out.
    let sent = 0;
    const source = createReadStream(file).on('data', (chunk) => (sent += chunk.length));
    const watch = setInterval(() => {
      if (sent >= (minBytesPerSec * stallWindowMs) / 1000) return void (sent = 0);
      log.debug('download too slow; cut', { file: exe.name, bytesInWindow: sent, windowMs: stallWindowMs });
      res.destroy();
    }, stallWindowMs);
    watch.unref();
    res.once('close', () => {
      clearInterval(watch);
      this.running--;
    });
    // Ends both streams whichever fails or closes first (a client gone mid-download is no error here).
    pipeline(source, res, () => undefined);
  }
}

const acceptsGzip = (req: IncomingMessage) => /\bgzip\b/.test(String(req.headers['accept-encoding'] ?? ''));

export type DownloadRoutes = (req: IncomingMessage, res: ServerResponse, path: string, baseUrl: string) => Promise<boolean>;

/**
 * GET /install.sh, /install.ps1 and /download/*, answering false for any other path; `shelf`
 * lists the executables to hand out (tests give their own).
 */
export function downloadRoutes(limits: DownloadLimits = DOWNLOAD_LIMITS, shelf: () => Promise<Executable[]> = executables): DownloadRoutes {
  const slots = new DownloadSlots(limits);
  return async (req, res, path, baseUrl) => {
    if (path !== '/install.sh' && path !== '/install.ps1' && !path.startsWith('/download/')) return false;
    const exes = await shelf();
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
    if (name.endsWith('.xz')) return slots.sendFile(req, res, exe, 'xz'), true;
    if (acceptsGzip(req) && !exe.gz) gzipLater(exe);
    slots.sendFile(req, res, exe, acceptsGzip(req) && exe.gz ? 'gz' : null);
    return true;
  };
}

export const serveDownload = downloadRoutes();
