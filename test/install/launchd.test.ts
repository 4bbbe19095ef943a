/**
 * macOS: the launchd job file read back by a small plist parser (plutil is not here), and
 * `probe install agent` for darwin writing under --root: the key only in the 0600 agent.json that
 * the agent loads, the job running `probe agent --config` on it, --uninstall taking both away.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { loadConfig } from '../../src/config/load';
import { install } from '../../src/install/install';
import { LAUNCHD_LABEL, launchdPlist } from '../../src/install/launchd';
import { ProbeError } from '../../src/util/errors';
import { tempDir } from '../helpers';

type PlistValue = string | number | boolean | PlistValue[] | { [key: string]: PlistValue };

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

/**
 * Parses the XML property list subset launchd job files use; throws on anything not well formed
 * (unclosed or mismatched tags, stray text, bare & or <).
 */
function parsePlist(xml: string): PlistValue {
  let at = 0;
  const fail = (why: string): never => {
    throw new Error(`${why} at ${at}: ${JSON.stringify(xml.slice(at, at + 40))}`);
  };
  const skip = () => {
    for (;;) {
      const rest = xml.slice(at);
      const m = /^(\s+|<\?xml[^>]*\?>|<!DOCTYPE[^>]*>|<!--[\s\S]*?-->)/.exec(rest);
      if (!m) return;
      if (m[0].startsWith('<!--') && m[0].slice(4, -3).includes('--')) fail('"--" inside a comment');
      at += m[0].length;
    }
  };
  const text = (end: string): string => {
    const close = xml.indexOf(end, at);
    if (close < 0) fail(`no ${end}`);
    const raw = xml.slice(at, close);
    if (/<|&(?!(amp|lt|gt|quot|apos);)/.test(raw)) fail('bare < or & in text');
    at = close + end.length;
    return raw.replace(/&(\w+);/g, (_, name: string) => ENTITIES[name]!);
  };
  const value = (): PlistValue => {
    skip();
    const m = /^<(\w+)(?:\s+\w+="[^"<&]*")*\s*(\/?)>/.exec(xml.slice(at)) ?? fail('expected a tag');
    at += m[0].length;
    const [, tag, empty] = m as unknown as [string, string, string];
    if (empty) return tag === 'true' ? true : tag === 'false' ? false : tag === 'dict' ? {} : tag === 'array' ? [] : fail(`<${tag}/>`);
    if (tag === 'string') return text('</string>');
    if (tag === 'integer') return Number(text('</integer>'));
    const items: PlistValue[] = [];
    for (;;) {
      skip();
      if (xml.startsWith(`</${tag}>`, at)) {
        at += tag.length + 3;
        break;
      }
      items.push(value());
    }
    if (tag === 'array') return items;
    if (tag === 'plist') return items.length === 1 ? items[0]! : fail('one value in <plist>');
    if (tag !== 'dict') fail(`unknown tag <${tag}>`);
    const dict: Record<string, PlistValue> = {};
    for (let i = 0; i < items.length; i += 2) dict[items[i] as string] = items[i + 1]!;
    return dict;
  };
  // <key> reads as a string: fine for dicts, where keys and values alternate.
  xml = xml.replace(/<key>/g, '<string>').replace(/<\/key>/g, '</string>');
  const result = value();
  skip();
  if (at !== xml.length) fail('text after </plist>');
  return result;
}

test('the plist parser rejects what is not well formed', () => {
  assert.deepEqual(parsePlist('<plist><dict><key>a</key><string>x &amp; y</string></dict></plist>'), { a: 'x & y' });
  for (const bad of [
    '<plist><dict><key>a</key><string>x & y</string></dict></plist>',
    '<plist><dict><key>a</key><string>x</dict></plist>',
    '<plist><array><string>a</string></plist>',
    '<plist><true/></plist>x',
    '<!-- a -- b --><plist><true/></plist>',
  ]) {
    assert.throws(() => parsePlist(bad), bad);
  }
});

test('launchd job: runs `probe agent --config` at load, kept alive, logs to one file; odd paths stay intact', () => {
  const plist = launchdPlist({ bin: '/usr/local/bin/probe', config: '/usr/local/etc/probe/agent.json', log: '/var/log/probe-agent.log' });
  assert.ok(plist.startsWith('<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN"'));
  assert.deepEqual(parsePlist(plist), {
    Label: LAUNCHD_LABEL,
    ProgramArguments: ['/usr/local/bin/probe', 'agent', '--config', '/usr/local/etc/probe/agent.json'],
    RunAtLoad: true,
    KeepAlive: true,
    StandardOutPath: '/var/log/probe-agent.log',
    StandardErrorPath: '/var/log/probe-agent.log',
  });
  const odd = '/Volumes/My Disk/<b>&amp; ]]> "x" \'y\'/probe';
  const parsed = parsePlist(launchdPlist({ bin: odd, config: '/c', log: '/l' })) as { ProgramArguments: string[] };
  assert.equal(parsed.ProgramArguments[0], odd);
});

test('probe install agent on macOS (--root, --no-start): the key only in a 0600 agent.json the agent loads; --uninstall', (t) => {
  const root = tempDir(t, 'probe-darwin-');
  const self = path.join(root, 'probe-darwin-arm64');
  writeFileSync(self, 'stand-in for the executable');
  const key = 'pk_darwin_test_key_0123456789';
  const options = {
    role: 'agent' as const,
    bin: '/usr/local/bin/probe',
    root,
    start: false,
    uninstall: false,
    self,
    platform: 'darwin' as const,
  };
  const { lines } = install({ ...options, env: { PROBE_SERVER: 'wss://status.example.com', PROBE_KEY: key, PROBE_INTERVAL: '2s' } });
  assert.match(
    lines.join('\n'),
    /Not started \(--no-start\)\. Start it with: sudo launchctl bootstrap system \/Library\/LaunchDaemons\/com\.probe\.agent\.plist/,
  );

  const bin = path.join(root, 'usr/local/bin/probe');
  const plist = path.join(root, 'Library/LaunchDaemons/com.probe.agent.plist');
  const config = path.join(root, 'usr/local/etc/probe/agent.json');
  assert.equal(readFileSync(bin, 'utf8'), 'stand-in for the executable');
  assert.equal(statSync(bin).mode & 0o777, 0o755);
  assert.equal(statSync(config).mode & 0o777, 0o600, 'only root reads the key');
  assert.equal(statSync(plist).mode & 0o777, 0o644, 'launchd refuses a job file others may write');
  const job = parsePlist(readFileSync(plist, 'utf8')) as { ProgramArguments: string[] };
  assert.deepEqual(job.ProgramArguments, ['/usr/local/bin/probe', 'agent', '--config', '/usr/local/etc/probe/agent.json']);
  assert.ok(!readFileSync(plist, 'utf8').includes(key), 'the key is not in the job file');
  const agent = loadConfig({ file: config, env: {} }).agent;
  assert.deepEqual(
    [agent.servers, agent.key, agent.intervalMs, agent.stateDir],
    [['wss://status.example.com'], key, 2000, '/usr/local/var/probe-agent'],
  );

  const removed = install({ ...options, uninstall: true, env: {} });
  assert.match(removed.lines[0]!, /^Removed .*com\.probe\.agent\.plist and .*agent\.json\. Kept \/usr\/local\/bin\/probe/);
  assert.ok(!existsSync(plist) && !existsSync(config));
  assert.ok(existsSync(bin), 'the executable stays');
});

test('probe install agent on macOS without launchctl: a clear error, nothing written', (t) => {
  const root = tempDir(t, 'probe-darwin-');
  const run = () =>
    install({
      role: 'agent',
      bin: '/usr/local/bin/probe',
      root,
      start: true,
      uninstall: false,
      self: process.execPath,
      platform: 'darwin',
      env: { PROBE_SERVER: 'wss://x.example', PROBE_KEY: 'pk_x' },
    });
  const expected = process.getuid?.() === 0 ? /cannot run launchctl .*pass --no-start to only write the files/ : /run this with sudo/;
  assert.throws(run, (err: unknown) => err instanceof ProbeError && err.code === 'PROBE_ERR_INSTALL' && expected.test(err.message));
  assert.ok(!existsSync(path.join(root, 'usr')), 'nothing written');
});
