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
import { log } from '../../util/log';
import type { Executable } from './download-shelf';
import { executables, gzipLater } from './download-shelf';
import { installPowerShell } from './install-ps1';
import { installScript } from './install-script';
import { isLoopback } from '../net/limits';
import { jsonError } from '../net/http-body';

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
  /**
   * Downloads at once from one client address, so one client cannot take every slot even while it
   * reads fast enough not to be cut. Loopback is exempt (a proxy on this machine without --trust-proxy).
   */
  perAddress: number;
}

/** 16 KiB/s: the 40 MB .xz in 42 minutes, the largest executable in under 2 hours. */
export const DOWNLOAD_LIMITS: DownloadLimits = { maxDownloads: 8, stallWindowMs: 60_000, minBytesPerSec: 16 * 1024, perAddress: 2 };
export const MAX_DOWNLOADS = DOWNLOAD_LIMITS.maxDownloads;
const DOWNLOAD_RETRY_S = 10;

function sendText(req: IncomingMessage, res: ServerResponse, status: number, type: string, text: string): void {
  res.writeHead(status, {
    'Content-Type': `${type}; charset=utf-8`,
    'Content-Length': Buffer.byteLength(text),
    'Cache-Control': 'no-store',
  });
  res.end(req.method === 'HEAD' ? undefined : text);
}

function busy(res: ServerResponse, message: string): void {
  jsonError(res, 503, 'PROBE_ERR_BUSY', `${message}: try again in ${DOWNLOAD_RETRY_S} s (install.sh does by itself)`, {
    'Retry-After': String(DOWNLOAD_RETRY_S),
  });
}

/** Sends files while fewer than `maxDownloads` are under way (`perAddress` per client), cutting the ones that stall. */
class DownloadSlots {
  private running = 0;
  private readonly byAddress = new Map<string, number>();

  constructor(private readonly limits: DownloadLimits) {}

  sendFile(req: IncomingMessage, res: ServerResponse, exe: Executable, variant: 'gz' | 'xz' | null, address: string): void {
    const { maxDownloads, stallWindowMs, minBytesPerSec, perAddress } = this.limits;
    const counted = !isLoopback(address);
    if (req.method !== 'HEAD' && this.running >= maxDownloads)
      return busy(res, `${maxDownloads} downloads of the executable are under way`);
    if (req.method !== 'HEAD' && counted && (this.byAddress.get(address) ?? 0) >= perAddress)
      return busy(res, `${perAddress} downloads from this address are under way`);
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
    if (counted) this.byAddress.set(address, (this.byAddress.get(address) ?? 0) + 1);
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
      if (!counted) return;
      const left = this.byAddress.get(address)! - 1;
      if (left > 0) this.byAddress.set(address, left);
      else this.byAddress.delete(address);
    });
    // Ends both streams whichever fails or closes first (a client gone mid-download is no error here).
    pipeline(source, res, () => undefined);
  }
}

const acceptsGzip = (req: IncomingMessage) => /\bgzip\b/.test(String(req.headers['accept-encoding'] ?? ''));

/** `address`: the client's (see client-address.ts). */
export type DownloadRoutes = (
  req: IncomingMessage,
  res: ServerResponse,
  path: string,
  baseUrl: string,
  address?: string,
) => Promise<boolean>;

/**
 * GET /install.sh, /install.ps1 and /download/*, answering false for any other path; `shelf`
 * lists the executables to hand out (tests give their own).
 */
export function downloadRoutes(limits: DownloadLimits = DOWNLOAD_LIMITS, shelf: () => Promise<Executable[]> = executables): DownloadRoutes {
  const slots = new DownloadSlots(limits);
  return async (req, res, path, baseUrl, address = req.socket.remoteAddress ?? '') => {
    if (path !== '/install.sh' && path !== '/install.ps1' && !path.startsWith('/download/')) return false;
    const exes = await shelf();
    if (exes.length === 0) {
      sendText(
        req,
        res,
        404,
        'text/plain',
        'this server runs from source and has no executable to hand out: build it with `npm run build`\n',
      );
      return true;
    }
    if (path === '/install.sh') {
      sendText(req, res, 200, 'text/x-shellscript', installScript(baseUrl, exes));
      return true;
    }
    if (path === '/install.ps1') {
      const windows = exes.find((e) => e.platform === 'windows-x64');
      if (windows) sendText(req, res, 200, 'text/plain', installPowerShell(baseUrl, windows));
      else
        sendText(
          req,
          res,
          404,
          'text/plain',
          'this server has no Windows executable: ' +
            "put probe-windows-x64.exe from a probe release next to the server's executable (see the README, Releases)\n",
        );
      return true;
    }
    const name = path.slice('/download/'.length);
    const exe = exes.find((e) => e.name === name || (e.xz && `${e.name}.xz` === name));
    if (!exe) {
      const text = `no executable ${name} here; this server has: ${exes.map((e) => e.name).join(', ')}\n`;
      sendText(req, res, 404, 'text/plain', text);
      return true;
    }
    if (name.endsWith('.xz')) return (slots.sendFile(req, res, exe, 'xz', address), true);
    const gzip = acceptsGzip(req);
    if (gzip && !exe.gz) gzipLater(exe);
    slots.sendFile(req, res, exe, gzip && exe.gz ? 'gz' : null, address);
    return true;
  };
}

export const serveDownload = downloadRoutes();
