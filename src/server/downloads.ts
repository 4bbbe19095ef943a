/**
 * @module The one-line agent install: GET /install.sh is a small POSIX script that downloads this
 * very executable from GET /download/probe (the server and the agent are the same binary), checks
 * its SHA-256, and runs `probe install agent` with the key it was given. Only a server running as
 * the single executable hands itself out; from source both routes answer 404.
 */
import { createHash } from 'node:crypto';
import { createReadStream, statSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { seaAssets } from '../util/sea';

export interface Executable {
  path: string;
  size: number;
  sha256: string;
  /** `linux-x64`, `linux-arm64`… as `uname` maps them in the script. */
  platform: string;
}

let cached: Promise<Executable | null> | null = null;

/**
 * Downloads of the executable (~100 MB each) sent at once. A fleet installed in one go would
 * otherwise fill the server's uplink and slow its own agents; the rest get 503 with Retry-After,
 * and install.sh's curl tries again by itself.
 */
export const MAX_DOWNLOADS = 8;
const DOWNLOAD_RETRY_S = 10;
let downloading = 0;

/** This executable, hashed once; null when not running as the single executable on Linux. */
export function thisExecutable(): Promise<Executable | null> {
  if (cached) return cached;
  if (!seaAssets() || process.platform !== 'linux') return (cached = Promise.resolve(null));
  const file = process.execPath;
  cached = new Promise((resolve) => {
    const hash = createHash('sha256');
    createReadStream(file)
      .on('data', (chunk) => hash.update(chunk))
      .on('error', () => resolve(null))
      .on('end', () => resolve({ path: file, size: statSync(file).size, sha256: hash.digest('hex'), platform: `linux-${process.arch}` }));
  });
  return cached;
}

const shellQuote = (text: string) => `'${text.replace(/'/g, `'\\''`)}'`;

/** The install script for a server reached at `baseUrl` (http[s]://host[:port]). */
export function installScript(baseUrl: string, exe: Executable): string {
  const agentUrl = baseUrl.replace(/^http/, 'ws');
  return `#!/bin/sh
# probe agent installer, served by the probe server at ${baseUrl}
# Usage: curl -fsSL ${baseUrl}/install.sh | sudo sh -s -- --key <KEY> [probe install agent options]
set -eu
BASE=${shellQuote(baseUrl)}
SERVER=${shellQuote(agentUrl)}
SHA256=${shellQuote(exe.sha256)}
WANT=${shellQuote(exe.platform)}
ROOT="\${PROBE_INSTALL_ROOT:-}"
fail() { echo "probe install: $*" >&2; exit 1; }
[ "$(uname -s)" = Linux ] || fail "this script installs on Linux; elsewhere run 'probe agent --server $SERVER --key <KEY>' yourself"
case "$(uname -m)" in x86_64|amd64) arch=x64 ;; aarch64|arm64) arch=arm64 ;; *) arch=$(uname -m) ;; esac
[ "linux-$arch" = "$WANT" ] || fail "this server hands out the $WANT executable and this machine is linux-$arch: build probe for it (see the README)"
case " $* " in *" --key "*|*" --key="*|*" -k "*) ;; *) fail "pass the node's key: sh -s -- --key <KEY>" ;; esac
mkdir -p "$ROOT/usr/local/bin"
tmp="$ROOT/usr/local/bin/.probe.download.$$"
trap 'rm -f "$tmp"' EXIT
if command -v curl >/dev/null 2>&1; then curl -fsSL --retry 30 --retry-max-time 900 "$BASE/download/probe" -o "$tmp"
elif command -v wget >/dev/null 2>&1; then wget -qO "$tmp" "$BASE/download/probe"
else fail "needs curl or wget"; fi
echo "$SHA256  $tmp" | sha256sum -c - >/dev/null 2>&1 || fail "the download is damaged (SHA-256 differs): try again"
chmod 755 "$tmp"
mv -f "$tmp" "$ROOT/usr/local/bin/probe"
if [ -n "$ROOT" ]; then set -- --root "$ROOT" "$@"; fi
exec "$ROOT/usr/local/bin/probe" install agent --server "$SERVER" "$@"
`;
}

/** GET /install.sh and GET /download/probe; false if `path` is neither. */
export async function serveDownload(req: IncomingMessage, res: ServerResponse, path: string, baseUrl: string): Promise<boolean> {
  if (path !== '/install.sh' && path !== '/download/probe') return false;
  const exe = await thisExecutable();
  if (!exe) {
    const text = 'this server runs from source and has no executable to hand out: build it with `npm run build`\n';
    res.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': Buffer.byteLength(text) });
    res.end(text);
    return true;
  }
  if (path === '/install.sh') {
    const text = installScript(baseUrl, exe);
    res.writeHead(200, { 'Content-Type': 'text/x-shellscript; charset=utf-8', 'Content-Length': Buffer.byteLength(text), 'Cache-Control': 'no-store' });
    res.end(req.method === 'HEAD' ? undefined : text);
    return true;
  }
  if (req.method !== 'HEAD' && downloading >= MAX_DOWNLOADS) {
    const body = JSON.stringify({ code: 'PROBE_ERR_BUSY', message: `${MAX_DOWNLOADS} downloads of the executable are under way: try again in ${DOWNLOAD_RETRY_S} s (install.sh does by itself)` });
    res.writeHead(503, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body), 'Retry-After': String(DOWNLOAD_RETRY_S) });
    res.end(body);
    return true;
  }
  res.writeHead(200, {
    'Content-Type': 'application/octet-stream',
    'Content-Length': exe.size,
    'Content-Disposition': 'attachment; filename="probe"',
    'X-Checksum-Sha256': exe.sha256,
  });
  if (req.method === 'HEAD') {
    res.end();
    return true;
  }
  downloading++;
  res.once('close', () => downloading--);
  createReadStream(exe.path).on('error', () => res.destroy()).pipe(res);
  return true;
}
