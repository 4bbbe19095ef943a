/**
 * @module GET /install.sh: a POSIX script that picks the executable for the machine it runs on
 * (`uname -s`, `uname -m`) from those this server has, downloads it (xz where the machine has it,
 * else gzip), checks the SHA-256 pinned here, and runs `probe install agent` with the key.
 */
import type { Executable } from './download-shelf';

const shellQuote = (text: string) => `'${text.replace(/'/g, `'\\''`)}'`;

/** One `case` arm per executable for Linux and macOS (Windows has install.ps1). */
function choices(exes: readonly Executable[]): string {
  return exes
    .filter((e) => e.platform.startsWith('linux-') || e.platform.startsWith('darwin-'))
    .map((e) => `  ${e.platform}) FILE=${shellQuote(e.name)} SHA256=${shellQuote(e.sha256)} XZ=${e.xz ? 1 : 0} ;;`)
    .join('\n');
}

/** The install script for a server reached at `baseUrl` (http[s]://host[:port]). */
export function installScript(baseUrl: string, exes: readonly Executable[]): string {
  const agentUrl = baseUrl.replace(/^http/, 'ws');
  const have = exes.map((e) => e.platform).join(' ');
  return `#!/bin/sh
# probe agent installer, served by the probe server at ${baseUrl}
# Usage: curl -fsSL ${baseUrl}/install.sh | sudo sh -s -- --key <KEY> [probe install agent options]
set -eu
BASE=${shellQuote(baseUrl)}
SERVER=${shellQuote(agentUrl)}
ROOT="\${PROBE_INSTALL_ROOT:-}"
fail() { echo "probe install: $*" >&2; exit 1; }
case "$(uname -s)" in
  Linux) os=linux ;;
  Darwin) os=darwin ;;
  *) fail "no probe executable for $(uname -s) here: on Windows run install.ps1 ($BASE/install.ps1); "\\
"elsewhere run 'probe agent --server $SERVER --key <KEY>' from a build of your own" ;;
esac
case "$(uname -m)" in
  x86_64|amd64) arch=x64 ;;
  aarch64|arm64) arch=arm64 ;;
  armv7l|armv7*|armv8l) arch=armv7 ;;
  *) arch=$(uname -m) ;;
esac
case "$os-$arch" in
${choices(exes)}
  *) fail "this server has no probe executable for $os-$arch ($(uname -m)); it has: ${have}. "\\
"Put probe-$os-$arch from a probe release next to the server's executable (see the README, Releases), "\\
"or run the agent from a build of your own" ;;
esac
case " $* " in *" --key "*|*" --key="*|*" -k "*) ;; *) fail "pass the node's key: sh -s -- --key <KEY>" ;; esac
mkdir -p "$ROOT/usr/local/bin"
tmp="$ROOT/usr/local/bin/.probe.download.$$"
trap 'rm -f "$tmp" "$tmp.xz"' EXIT
get() {
  if command -v curl >/dev/null 2>&1; then curl -fsSL --retry 30 --retry-max-time 900 "$@"
  elif command -v wget >/dev/null 2>&1; then [ "$1" = --compressed ] && shift; wget -qO "$3" "$1"
  else fail "needs curl or wget"; fi
}
if [ "$XZ" = 1 ] && command -v xz >/dev/null 2>&1; then
  get "$BASE/download/$FILE.xz" -o "$tmp.xz"
  xz -dc "$tmp.xz" > "$tmp" || fail "the download is damaged (xz cannot read it): try again"
else
  get --compressed "$BASE/download/$FILE" -o "$tmp"
fi
if command -v sha256sum >/dev/null 2>&1; then sum=$(sha256sum "$tmp"); else sum=$(shasum -a 256 "$tmp"); fi
[ "\${sum%% *}" = "$SHA256" ] || fail "the download is damaged (SHA-256 differs): try again"
chmod 755 "$tmp"
mv -f "$tmp" "$ROOT/usr/local/bin/probe"
# macOS runs no unsigned code on Apple silicon, and the release cannot sign: sign it here, ad hoc.
if [ "$os" = darwin ] && command -v codesign >/dev/null 2>&1; then
  codesign --sign - --force "$ROOT/usr/local/bin/probe" >/dev/null 2>&1 || fail "codesign could not sign $ROOT/usr/local/bin/probe"
fi
if [ -n "$ROOT" ]; then set -- --root "$ROOT" "$@"; fi
exec "$ROOT/usr/local/bin/probe" install agent --server "$SERVER" "$@"
`;
}
