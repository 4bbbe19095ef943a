/**
 * /install.ps1's text (src/server/http/install-ps1.ts): the pinned hash and URLs as PowerShell
 * single-quoted strings that hostile values cannot break out of, the key taken from -Key or
 * $env:PROBE_KEY and handed only to `probe.exe install agent`, and nothing that would close the
 * window it runs in through iex.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { installPowerShell, psQuote } from '../../src/server/http/install-ps1';

const EXE = { name: 'probe-windows-x64.exe', sha256: 'ab'.repeat(32) };

/** The value a PowerShell single-quoted literal stands for (a doubled quote is one quote). */
const unquote = (literal: string) => literal.slice(1, -1).replace(/(['\u2018\u2019\u201a\u201b])\1/g, '$1');
const SINGLE_QUOTED = /'(?:[^'\u2018\u2019\u201a\u201b]|['\u2018\u2019\u201a\u201b]{2})*'/g;

/** The value assigned to `$name` on its own line. */
function assigned(script: string, name: string): string {
  const m = new RegExp(`^\\s*\\$${name} = ('.*')$`, 'm').exec(script);
  assert.ok(m, `$${name} is assigned`);
  return unquote(m[1]!);
}

/** The code with comments and single-quoted strings taken out: what PowerShell would run or expand. */
const code = (script: string) =>
  script
    .split('\n')
    .filter((l) => !/^\s*#/.test(l))
    .join('\n')
    .replace(SINGLE_QUOTED, "''");

test('install.ps1: pins the hash, downloads from /download/<name>, installs against the wss URL', () => {
  const script = installPowerShell('https://status.example.com', EXE);
  assert.equal(assigned(script, 'Url'), 'https://status.example.com/download/probe-windows-x64.exe');
  assert.equal(assigned(script, 'Server'), 'wss://status.example.com');
  assert.equal(assigned(script, 'Sha256'), EXE.sha256);
  assert.match(script, /Get-FileHash -Algorithm SHA256 -LiteralPath \$exe/);
  assert.match(script, /\$install = @\('install', 'agent', '--server', \$Server, '--key', \$Key\)/);
  assert.match(script, /^param\(\[string\]\$Key = \$env:PROBE_KEY, \[switch\]\$NoStart\)$/m, 'the key from -Key or $env:PROBE_KEY');
  assert.match(script, /IsInRole\(\$admin\)/, 'checks for an administrator');
  assert.match(script, /\$arch -ne 'AMD64'/, 'checks for x64');
  // biome-ignore lint/suspicious/noControlCharactersInRegex: tab and newline are what the script may hold besides printable ASCII
  assert.ok(/^[\x09\x0a\x20-\x7e]*$/.test(script), 'pure ASCII: read the same under any code page');
  assert.ok(script.includes('iwr -useb https://status.example.com/install.ps1 | iex'));
  assert.ok(script.includes('& ([scriptblock]::Create((iwr -useb https://status.example.com/install.ps1))) -Key <KEY>'));
  assert.equal(
    installPowerShell('http://10.0.0.5:8080/', EXE)
      .match(/^\s*\$Url = .*$/m)![0]
      .trim(),
    "$Url = 'http://10.0.0.5:8080/download/probe-windows-x64.exe'",
  );
});

test('install.ps1: the key goes only to the install process, and no exit closes the caller’s window', () => {
  const script = code(installPowerShell('https://status.example.com', EXE));
  const uses = script
    .split('\n')
    .filter((l) => l.includes('$Key'))
    .map((l) => l.trim());
  assert.deepEqual(uses, [
    'param([string]$Key = $env:PROBE_KEY, [switch]$NoStart)',
    'param([string]$Key, [bool]$NoStart)',
    "if (-not $Key) { throw '' }",
    "if ($Key -notmatch '') { throw '' }",
    "$install = @('', '', '', $Server, '', $Key)",
    '} -Key $Key -NoStart $NoStart.IsPresent',
  ]);
  assert.doesNotMatch(script, /(^|[;{}])\s*exit\b/im, 'under iex, exit would close the PowerShell window');
  assert.doesNotMatch(script, /Write-(Host|Output).*\$Key|Set-Content|Out-File/, 'the key is neither printed nor written');
});

test('install.ps1: hostile values stay inside their strings', () => {
  const base = 'https://x.example/\'$(Invoke-Evil)\'`;"$env:X"';
  const script = installPowerShell(base, EXE);
  assert.equal(assigned(script, 'Url'), `${base}/download/probe-windows-x64.exe`);
  assert.equal(assigned(script, 'Server'), base.replace(/^http/, 'ws'));
  assert.doesNotMatch(code(script), /Invoke-Evil/, 'outside comments and single-quoted strings');
  for (const value of ["it's", '$(calc)', 'a\u2019b\u2018c\u201ad\u201be', "''", '']) {
    const quoted = psQuote(value);
    assert.equal(quoted.match(SINGLE_QUOTED)?.[0], quoted, `${value} is one literal`);
    assert.equal(unquote(quoted), value);
  }
  assert.throws(() => installPowerShell('https://x.example\n& calc', EXE), /printable ASCII/);
  assert.throws(() => installPowerShell('https://x.example/ a', EXE), /printable ASCII/);
  assert.throws(() => installPowerShell('javascript:alert(1)', EXE), /http\(s\)/);
  assert.throws(() => installPowerShell('https://x.example', { name: "a'.exe", sha256: EXE.sha256 }));
  assert.throws(() => installPowerShell('https://x.example', { name: EXE.name, sha256: "'; calc; '" }));
});
