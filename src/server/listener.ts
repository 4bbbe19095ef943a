/**
 * @module The server's HTTP or HTTPS listener: limits against slow clients, the TLS pair (re-read
 * on SIGHUP), and listening with the address this process and its visitors reach it at.
 */
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { RequestListener, Server } from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import type { Server as TlsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { ProbeError } from '../util/errors';
import { log } from '../util/log';

export interface TlsFiles {
  certFile: string;
  keyFile: string;
}

/** Where the server listens, once it does. */
export interface Bound {
  host: string;
  port: number;
  /** The host this process reaches itself at (the local agent). */
  loopback: string;
  /** The page's address as printed at start. */
  url: string;
}

/**
 * Connections the kernel queues before the server accepts them. Node's default of 511 overflowed
 * when 10 000 agents reconnected at once (a network blip): the kernel dropped their SYNs, and the
 * agents waited for TCP's retransmits (1, 3, 7, 15 s) before trying again. Linux caps this at
 * net.core.somaxconn (4096 on current kernels).
 */
const LISTEN_BACKLOG = 65_535;

/** Reads the PEM pair, with an error that names the file. */
function readTls(tls: TlsFiles): { cert: Buffer; key: Buffer } {
  const read = (file: string, what: string) => {
    try {
      return readFileSync(file);
    } catch (err) {
      throw new ProbeError(
        'PROBE_ERR_CONFIG',
        `cannot read the TLS ${what} ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
      );
    }
  };
  return { cert: read(tls.certFile, 'certificate'), key: read(tls.keyFile, 'key') };
}

function splitListen(listen: string): { host: string; port: number } {
  const at = listen.lastIndexOf(':');
  return { host: listen.slice(0, at).replace(/^\[|\]$/g, '') || '0.0.0.0', port: Number(listen.slice(at + 1)) };
}

/** An HTTP server, or HTTPS with `tls`; a client must send its request headers within `headersTimeoutMs`. */
export function createWebServer(tls: TlsFiles | null, headersTimeoutMs: number, handler: RequestListener): Server {
  // Slow clients (slow-loris) are cut: checked every second, headers within headersTimeout, the whole request within 30 s.
  const options = {
    maxHeaderSize: 16 * 1024,
    requestTimeout: Math.max(30_000, headersTimeoutMs),
    headersTimeout: headersTimeoutMs,
    connectionsCheckingInterval: 1000,
  };
  const http = tls ? createTlsServer({ ...options, ...readTls(tls) }, handler) : createServer(options, handler);
  http.maxHeadersCount = 100;
  return http;
}

/** Re-reads the certificate and key (SIGHUP); connections stay up. */
export function reloadCertificate(http: Server, tls: TlsFiles | null): void {
  if (!tls) return;
  try {
    (http as TlsServer).setSecureContext(readTls(tls));
    log.info('TLS certificate reloaded', { cert: tls.certFile });
  } catch (err) {
    // A half-written renewal must not take the server down: keep serving the old certificate.
    log.error('TLS certificate not reloaded; still serving the previous one', { code: 'PROBE_ERR_CONFIG', error: (err as Error).message });
  }
}

/** Listens on `listen` (host:port; port 0 picks one), or fails with PROBE_ERR_LISTEN. */
export async function listenOn(http: Server, listen: string, secure: boolean): Promise<Bound> {
  const { host, port } = splitListen(listen);
  await new Promise<void>((resolve, reject) => {
    http.once('error', (err: NodeJS.ErrnoException) =>
      reject(
        new ProbeError(
          'PROBE_ERR_LISTEN',
          `cannot listen on ${listen}: ${err.code ?? err.message}` +
            (err.code === 'EADDRINUSE' ? ' (another process uses this port: pick another with --listen)' : ''),
        ),
      ),
    );
    http.listen({ port, host, backlog: LISTEN_BACKLOG }, () => resolve());
  });
  const bound = (http.address() as AddressInfo).port;
  const wildcard = host === '0.0.0.0' || host === '::';
  const loopback = wildcard ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host;
  return { host, port: bound, loopback, url: `${secure ? 'https' : 'http'}://${wildcard ? 'localhost' : loopback}:${bound}/` };
}
