/**
 * @module One HTTP(S) request of an http check, on a connection of its own: for https the TLS
 * handshake is made here with verification left to us, so the peer certificate (expiry, issuer,
 * whether it verifies) is read before anything is sent, even when it does not verify.
 */
import type http from 'node:http';
import net from 'node:net';
import type { Certificate, TLSSocket } from 'node:tls';
import { builtin } from '../util/builtin';
import { VERSION } from '../version';
import type { CertInfo } from './check';

/** How much of a body is searched for the keyword; a status page is not a download test. */
export const MAX_BODY_BYTES = 1024 * 1024;

export interface HopRequest {
  url: URL;
  method: string;
  headers: Readonly<Record<string, string>>;
  body?: string;
  insecure: boolean;
  /** Read up to MAX_BODY_BYTES of the body (to look for a keyword); otherwise it is not downloaded. */
  readBody: boolean;
  signal: AbortSignal;
  /** Called with the server's certificate as soon as the handshake is over (https only). */
  onCert?: (cert: CertInfo) => void;
}

export interface HopResponse {
  status: number;
  location?: string;
  /** The first MAX_BODY_BYTES, as UTF-8, when `readBody` was asked. */
  body?: string;
}

/** Why a chain does not verify, in words, for the codes people meet. */
const TLS_WHY: Record<string, string> = {
  DEPTH_ZERO_SELF_SIGNED_CERT: 'the certificate is self-signed',
  SELF_SIGNED_CERT_IN_CHAIN: 'the chain ends in a self-signed certificate that is not trusted',
  CERT_HAS_EXPIRED: 'the certificate has expired',
  CERT_NOT_YET_VALID: 'the certificate is not valid yet',
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: 'the issuer is unknown (is the intermediate certificate missing?)',
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: 'the issuer is unknown (is the intermediate certificate missing?)',
  ERR_TLS_CERT_ALTNAME_INVALID: 'the certificate is not for this host name',
};

function issuerText(issuer: Certificate | undefined): string {
  if (!issuer) return '';
  return Object.entries(issuer)
    .map(([k, v]) => `${k}=${Array.isArray(v) ? v.join('+') : String(v)}`)
    .join(', ');
}

function certOf(socket: TLSSocket): CertInfo | null {
  const peer = socket.getPeerCertificate();
  const expiresAt = Date.parse(peer?.valid_to ?? '');
  if (!Number.isFinite(expiresAt)) return null;
  return { expiresAt, issuer: issuerText(peer.issuer), verified: socket.authorized };
}

/** A connected socket to the URL's host: TCP for http, TLS (certificate read, then judged) for https. */
function connect(req: HopRequest): Promise<net.Socket> {
  const host = req.url.hostname.replace(/^\[(.*)\]$/, '$1');
  const secure = req.url.protocol === 'https:';
  const port = Number(req.url.port) || (secure ? 443 : 80);
  return new Promise((resolve, reject) => {
    if (req.signal.aborted) return reject(req.signal.reason);
    // Verification is judged below, after the certificate is read: a check must report the expiry
    // of a certificate that does not verify too.
    const socket = secure
      ? builtin('node:tls').connect({
          host,
          port,
          servername: net.isIP(host) === 0 ? host : undefined,
          rejectUnauthorized: false,
          ALPNProtocols: ['http/1.1'],
        })
      : net.connect({ host, port });
    const onAbort = () => fail(req.signal.reason as Error);
    const fail = (err: Error) => {
      req.signal.removeEventListener('abort', onAbort);
      socket.destroy();
      reject(err);
    };
    req.signal.addEventListener('abort', onAbort, { once: true });
    socket.on('error', (err: NodeJS.ErrnoException) =>
      fail(new Error(err.code === 'ECONNREFUSED' ? `connection refused by ${host} port ${port}` : err.message)),
    );
    socket.once(secure ? 'secureConnect' : 'connect', () => {
      // `secure` rather than instanceof TLSSocket, which would load tls for a plain http check.
      if (secure) {
        const tlsSocket = socket as TLSSocket;
        const cert = certOf(tlsSocket);
        if (cert) req.onCert?.(cert);
        if (!tlsSocket.authorized && !req.insecure) {
          const code = String(tlsSocket.authorizationError ?? 'unknown');
          return fail(new Error(`the certificate does not verify: ${TLS_WHY[code] ?? code} (${code}); "insecure": true accepts it`));
        }
      }
      req.signal.removeEventListener('abort', onAbort);
      socket.removeAllListeners('error');
      resolve(socket);
    });
  });
}

function readBody(res: http.IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const done = () => resolve(Buffer.concat(chunks).subarray(0, MAX_BODY_BYTES).toString('utf8'));
    res.on('data', (chunk: Buffer) => {
      chunks.push(chunk);
      size += chunk.length;
      if (size >= MAX_BODY_BYTES) {
        res.removeAllListeners('end');
        done();
        res.destroy();
      }
    });
    res.once('end', done);
    res.on('error', reject);
  });
}

/** Sends the request on a fresh connection and returns the status (and body if asked); closes the connection. */
export async function requestOnce(req: HopRequest): Promise<HopResponse> {
  const socket = await connect(req);
  try {
    return await new Promise<HopResponse>((resolve, reject) => {
      const outgoing = builtin('node:http').request({
        method: req.method,
        path: req.url.pathname + req.url.search,
        // The caller's headers come last, so a configured Host or User-Agent wins.
        headers: { host: req.url.host, 'user-agent': `probe/${VERSION} (status check)`, connection: 'close', ...req.headers },
        createConnection: () => socket,
        signal: req.signal,
      });
      // `on`, not `once`: a second error (the socket after the request) must not go unhandled.
      outgoing.on('error', (err) => reject(req.signal.aborted ? req.signal.reason : err));
      outgoing.once('response', (res) => {
        const location = res.headers.location;
        const head: HopResponse = { status: res.statusCode ?? 0, ...(location !== undefined && { location }) };
        if (!req.readBody) return resolve(head);
        readBody(res).then((body) => resolve({ ...head, body }), reject);
      });
      outgoing.end(req.body);
    });
  } finally {
    socket.destroy();
  }
}
