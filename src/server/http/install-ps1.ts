/**
 * @module The one-line agent install for Windows: GET /install.ps1 is a PowerShell 5.1 script
 * that downloads the Windows executable from /download/<name>, checks its pinned SHA-256 and runs
 * `probe.exe install agent`, which registers the service. The key comes as -Key or $env:PROBE_KEY
 * and is passed to that one install process; the service reads it from its config file.
 */
import { ProbeError } from '../../util/errors';

/**
 * A PowerShell single-quoted string: nothing in it is expanded. PowerShell also ends such a string
 * at the typographic quotes ‘ ’ ‚ ‛, so those are doubled as well.
 */
export const psQuote = (text: string) => `'${text.replace(/['\u2018\u2019\u201a\u201b]/g, '$&$&')}'`;

/**
 * The script for a server reached at `baseUrl` (http[s]://host[:port], printable ASCII: it is
 * written in comments too) handing out `exe`. Pure ASCII, so any charset PowerShell assumes reads it.
 */
export function installPowerShell(baseUrl: string, exe: { name: string; sha256: string }): string {
  if (!/^https?:\/\/[\x21-\x7e]+$/.test(baseUrl))
    throw new ProbeError(
      'PROBE_ERR_CONFIG',
      `the server's public URL must be http(s)://host[:port] in printable ASCII, got ${JSON.stringify(baseUrl)}`,
    );
  if (!/^[\w.-]+$/.test(exe.name)) throw new Error(`bad executable name ${JSON.stringify(exe.name)}`);
  if (!/^[0-9a-f]{64}$/.test(exe.sha256)) throw new Error(`bad SHA-256 ${JSON.stringify(exe.sha256)}`);
  const base = baseUrl.replace(/\/+$/, '');
  return `# probe agent installer for Windows, served by the probe server at ${base}
# In PowerShell run as administrator, either
#   $env:PROBE_KEY = '<KEY>'; iwr -useb ${base}/install.ps1 | iex
# or
#   & ([scriptblock]::Create((iwr -useb ${base}/install.ps1))) -Key <KEY>
param([string]$Key = $env:PROBE_KEY, [switch]$NoStart)

# In a script block of its own: run through iex, its variables and preferences stay out of the session.
& {
  param([string]$Key, [bool]$NoStart)
  $ErrorActionPreference = 'Stop'
  # Invoke-WebRequest's progress bar slows a 90 MB download in Windows PowerShell many times over.
  $ProgressPreference = 'SilentlyContinue'
  $Url = ${psQuote(`${base}/download/${exe.name}`)}
  $Server = ${psQuote(base.replace(/^http/, 'ws'))}
  $Sha256 = ${psQuote(exe.sha256)}

  if (-not $Key) { throw 'probe install: pass the node''s key: -Key <KEY>, or set $env:PROBE_KEY first' }
  # The key goes on one command line: PowerShell 5.1 would split one with a double quote or a space.
  if ($Key -notmatch '^[!#-~]{1,256}$') { throw 'probe install: the key must be one word as printed by probe node add (pk_...)' }
  $admin = [Security.Principal.WindowsBuiltInRole]::Administrator
  if (-not ([Security.Principal.WindowsPrincipal][Security.Principal.WindowsIdentity]::GetCurrent()).IsInRole($admin)) {
    throw 'probe install: run this in PowerShell opened with "Run as administrator"'
  }
  $arch = if ($env:PROCESSOR_ARCHITEW6432) { $env:PROCESSOR_ARCHITEW6432 } else { $env:PROCESSOR_ARCHITECTURE }
  if ($arch -ne 'AMD64') { throw "probe install: this server hands out the Windows x64 executable and this Windows is $arch" }
  if ([Environment]::OSVersion.Version.Major -lt 10) { throw 'probe install: probe needs Windows 10, Windows Server 2016 or newer' }

  [Net.ServicePointManager]::SecurityProtocol = [Net.ServicePointManager]::SecurityProtocol -bor [Net.SecurityProtocolType]::Tls12
  $exe = Join-Path ([IO.Path]::GetTempPath()) ('probe-' + [Guid]::NewGuid().ToString('N') + '.exe')
  try {
    # The server sends at most a few downloads at once and answers the others 503: wait and retry.
    for ($try = 1; ; $try++) {
      try { Invoke-WebRequest -UseBasicParsing -Uri $Url -OutFile $exe; break }
      catch {
        if ($try -ge 30) { throw "probe install: cannot download $($Url): $($_.Exception.Message)" }
        Write-Host "Download failed ($($_.Exception.Message)); trying again in 10 s"
        Start-Sleep -Seconds 10
      }
    }
    if ((Get-FileHash -Algorithm SHA256 -LiteralPath $exe).Hash.ToLowerInvariant() -ne $Sha256) {
      throw 'probe install: the download is damaged (SHA-256 differs): try again'
    }
    $install = @('install', 'agent', '--server', $Server, '--key', $Key)
    if ($NoStart) { $install += '--no-start' }
    & $exe @install
    if ($LASTEXITCODE -ne 0) { throw "probe install: probe.exe install agent failed (exit code $LASTEXITCODE)" }
  } finally {
    Remove-Item -LiteralPath $exe -Force -ErrorAction SilentlyContinue
  }
} -Key $Key -NoStart $NoStart.IsPresent
`;
}
