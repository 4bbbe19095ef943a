/**
 * End to end with the real single executable, copied alone into an empty directory:
 * server, node add while it runs, agent, offline detection, bad keys, restart without loss.
 */
import assert from 'node:assert/strict';
import Database from 'better-sqlite3';
import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import type { NodeView } from '../../src/protocol/messages';
import { openSqliteStore } from '../../src/store/sqlite-store';
import { BINARY, getJson, listeningUrl, run, tempDir, waitFor } from '../helpers';
import type { Running } from '../helpers';

function isolatedBinary(t: { after(fn: () => void): void }): { dir: string; probe: string } {
  const dir = tempDir(t, 'probe-e2e-');
  const probe = path.join(dir, 'probe');
  copyFileSync(BINARY, probe);
  assert.deepEqual(readdirSync(dir), ['probe'], 'nothing but the executable');
  return { dir, probe };
}

async function startServer(probe: string, dir: string, args: string[]): Promise<{ proc: Running; base: string; port: number }> {
  const proc = run(probe, ['server', '--data', path.join(dir, 'data'), ...args], { cwd: dir, env: { PROBE_LOG_LEVEL: 'info' } });
  const url = await listeningUrl(proc, 'server URL on stdout');
  return { proc, base: url, port: Number(new URL(url).port) };
}

function nodeAdd(probe: string, dir: string, name: string): string {
  const out = execFileSync(probe, ['node', 'add', name, '--data', path.join(dir, 'data'), '--group', 'e2e', '--location', 'de'], {
    cwd: dir,
    encoding: 'utf8',
  });
  const key = /\n {2}(pk_[A-Za-z0-9_-]+)\n/.exec(out)?.[1];
  assert.ok(key, `a key in:\n${out}`);
  assert.match(out, new RegExp(`probe agent --server ws://\\S+ --key ${key}`), 'prints the agent command');
  return key;
}

test('the executable runs alone: version, help, config errors', (t) => {
  const { dir, probe } = isolatedBinary(t);
  assert.match(execFileSync(probe, ['version'], { cwd: dir, encoding: 'utf8' }), /^probe \d+\.\d+\.\d+/);
  const help = execFileSync(probe, ['--help'], { cwd: dir, encoding: 'utf8' });
  for (const cmd of ['server', 'agent', 'node', 'version']) assert.match(help, new RegExp(`\\n  ${cmd}`));
  const serverHelp = execFileSync(probe, ['server', '--help'], { cwd: dir, encoding: 'utf8' });
  for (const flag of ['--listen', '--data', '--config', '--local-agent']) assert.ok(serverHelp.includes(flag), flag);
  const agentHelp = execFileSync(probe, ['agent', '--help'], { cwd: dir, encoding: 'utf8' });
  for (const flag of ['--server', '--key', '--interval']) assert.ok(agentHelp.includes(flag), flag);

  const bad = spawnSync(probe, ['server', '--listen', 'nonsense'], { cwd: dir, encoding: 'utf8' });
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /PROBE_ERR_CONFIG: command line: "server.listen" must be host:port/);
  const noKey = spawnSync(probe, ['agent', '--server', 'ws://127.0.0.1:9'], {
    cwd: dir,
    encoding: 'utf8',
    env: { ...process.env, PROBE_KEY: '' },
  });
  assert.equal(noKey.status, 2);
  assert.match(noKey.stderr, /PROBE_ERR_CONFIG: no key given/);
  const missing = spawnSync(probe, ['node', 'remove', 'ghost', '--data', path.join(dir, 'data')], { cwd: dir, encoding: 'utf8' });
  assert.equal(missing.status, 1);
  assert.match(missing.stderr, /PROBE_ERR_NOT_FOUND/);
});

test('server + node add while running + agent: online with plausible values, offline when killed, 401 for a wrong key', async (t) => {
  const { dir, probe } = isolatedBinary(t);
  const server = await startServer(probe, dir, ['--listen', '127.0.0.1:0']);
  t.after(() => server.proc.stop());
  // The page's files are embedded with the build's gzip and brotli copies: each decodes to the file.
  for (const file of ['/app.js', '/app.css']) {
    const plain = await (await fetch(`${server.base}${file}`, { headers: { 'Accept-Encoding': 'identity' } })).text();
    for (const encoding of ['gzip', 'br']) {
      const res = await fetch(`${server.base}${file}`, { headers: { 'Accept-Encoding': encoding } });
      assert.equal(res.headers.get('content-encoding'), encoding, file);
      assert.equal(await res.text(), plain, `${file} as ${encoding}`);
    }
  }

  const key = nodeAdd(probe, dir, 'berlin-1');
  // Latency probe to the server's own port: a TCP target on loopback that is surely up.
  const agent = run(
    probe,
    [
      'agent',
      '--server',
      `ws://127.0.0.1:${server.port}`,
      '--interval',
      '1s',
      '--state-dir',
      path.join(dir, 'agent-state'),
      '--latency',
      `self=127.0.0.1:${server.port}`,
    ],
    { cwd: dir, env: { PROBE_KEY: key } },
  );
  t.after(() => agent.stop('SIGKILL'));

  const node = await waitFor('berlin-1 online with values', async () => {
    const nodes = await getJson<NodeView[]>(`${server.base}/api/nodes`);
    const n = nodes.find((x) => x.name === 'berlin-1');
    return n?.online && n.values.cpu !== undefined && n.values.netRxBytesPerSec !== undefined && n.values['latency.self'] !== undefined
      ? n
      : null;
  });
  assert.ok(node.values['latency.self']! >= 0 && node.values['latency.self']! < 1000, `latency ${node.values['latency.self']}`);
  assert.equal(node.values['loss.self'], 0);
  const v = node.values;
  assert.equal(node.group, 'e2e');
  assert.equal(node.location, 'DE');
  assert.ok(v.cpu! >= 0 && v.cpu! <= 100, `cpu ${v.cpu}`);
  assert.ok(v.memTotalBytes! > 64 * 1024 * 1024 && v.memUsedBytes! > 0 && v.memUsedBytes! < v.memTotalBytes!);
  assert.ok(v.diskTotalBytes! > 0 && v.diskUsedBytes! <= v.diskTotalBytes!);
  assert.ok(v.uptimeSec! > 0 && v.processes! > 1 && v.load1! >= 0);
  assert.ok(v.netRxBytesPerSec! >= 0 && v.netTxBytesPerSec! >= 0);

  const list = execFileSync(probe, ['node', 'list', '--data', path.join(dir, 'data')], { cwd: dir, encoding: 'utf8' });
  assert.match(list, /berlin-1\s+e2e\s+DE/);

  await agent.stop('SIGKILL');
  await waitFor('berlin-1 offline', async () => {
    const nodes = await getJson<NodeView[]>(`${server.base}/api/nodes`);
    const n = nodes.find((x) => x.name === 'berlin-1')!;
    return !n.online && n.lastSeen !== null;
  });

  const impostor = run(
    probe,
    ['agent', '--server', `ws://127.0.0.1:${server.port}`, '--key', 'pk_not-a-real-key', '--state-dir', path.join(dir, 'impostor-state')],
    { cwd: dir },
  );
  t.after(() => impostor.stop('SIGKILL'));
  await waitFor('agent reports the 401', () => /status=401 code=PROBE_ERR_AUTH/.test(impostor.stderr()));
  assert.equal(impostor.child.exitCode, null, 'the agent keeps retrying instead of exiting');

  const serverLog = server.proc.stderr();
  assert.ok(!serverLog.includes(key), 'the key is never logged');
  const refused = serverLog.split('\n').filter((l) => l.includes('agent refused'));
  assert.ok(refused.length > 0, 'the refusal is logged');
  assert.ok(
    refused.every((l) => !l.includes('127.0.0.1') && !l.includes('pk_not-a-real-key')),
    'without the client address or the key it tried',
  );
  assert.doesNotMatch(serverLog + agent.stderr(), /Warning|require\(\)/, 'clean start without runtime warnings');
});

test('a server restart loses nothing: the agent resends what was not acked, each sample stored once', async (t) => {
  const { dir, probe } = isolatedBinary(t);
  let server = await startServer(probe, dir, ['--listen', '127.0.0.1:0']);
  const port = server.port;
  const key = nodeAdd(probe, dir, 'steady');
  const agent = run(
    probe,
    ['agent', '--server', `ws://127.0.0.1:${port}`, '--key', key, '--interval', '1s', '--state-dir', path.join(dir, 'agent-state')],
    { cwd: dir },
  );
  t.after(() => agent.stop('SIGKILL'));
  await waitFor('first samples', async () => (await getJson<NodeView[]>(`${server.base}/api/nodes`))[0]?.online);

  assert.equal(await server.proc.stop('SIGTERM'), 0, 'clean exit on SIGTERM');
  await new Promise((r) => setTimeout(r, 3000));
  server = await startServer(probe, dir, ['--listen', `127.0.0.1:${port}`]);
  t.after(() => server.proc.stop());
  await waitFor('agent back online', async () => (await getJson<NodeView[]>(`${server.base}/api/nodes`))[0]?.online, 20_000);
  await new Promise((r) => setTimeout(r, 2000));
  await agent.stop('SIGKILL');
  await server.proc.stop('SIGTERM');

  const store = openSqliteStore(path.join(dir, 'data'));
  t.after(() => store.close());
  const seqs = store.samples(store.listNodes()[0]!.id, 0, Date.now() + 60_000).map((s) => s.seq);
  assert.ok(seqs.length >= 5, `${seqs.length} samples stored`);
  const expected = Array.from({ length: seqs.length }, (_, i) => i + 1);
  assert.deepEqual(seqs, expected, 'every sequence number from 1 on, none missing, none twice');
  const db = new Database(path.join(dir, 'data/probe.db'), { readonly: true });
  t.after(() => db.close());
  assert.equal(db.pragma('integrity_check', { simple: true }), 'ok');
});

test('--local-agent reports the server machine itself', async (t) => {
  const { dir, probe } = isolatedBinary(t);
  const server = await startServer(probe, dir, ['--listen', '127.0.0.1:0', '--local-agent']);
  t.after(() => server.proc.stop());
  const nodes = await waitFor('local node online', async () => {
    const list = await getJson<NodeView[]>(`${server.base}/api/nodes`);
    return list.length === 1 && list[0]!.online && list[0]!.values.memTotalBytes ? list : null;
  });
  assert.equal(nodes.length, 1);
  await server.proc.stop();
  const again = await startServer(probe, dir, ['--listen', '127.0.0.1:0', '--local-agent']);
  t.after(() => again.proc.stop());
  await waitFor('same local node online after restart', async () => {
    const list = await getJson<NodeView[]>(`${again.base}/api/nodes`);
    return list.length === 1 && list[0]!.online;
  });
});

test('`probe notify test <channel>` sends a test message; an unknown channel or a failing endpoint is a clear error', async (t) => {
  const { startReceiver } = await import('../notify/receiver');
  const { spawn } = await import('node:child_process');
  const { writeFileSync } = await import('node:fs');
  const receiver = await startReceiver(t);
  const { dir, probe } = isolatedBinary(t);
  const file = path.join(dir, 'probe.json');
  writeFileSync(file, JSON.stringify({ notifications: { hook: { type: 'webhook', url: receiver.url } } }));
  const runCli = (args: string[]) =>
    new Promise<{ code: number | null; out: string; err: string }>((resolve) => {
      const child = spawn(probe, args, { cwd: dir });
      let out = '';
      let err = '';
      child.stdout.on('data', (d) => (out += d));
      child.stderr.on('data', (d) => (err += d));
      child.on('exit', (code) => resolve({ code, out, err }));
    });
  const ok = await runCli(['notify', 'test', 'hook', '--config', file]);
  assert.equal(ok.code, 0, ok.err);
  assert.match(ok.out, /Sent a test message through "hook"/);
  assert.equal(receiver.requests.length, 1);
  assert.match(receiver.requests[0]!.body.text, /probe test notification/);
  const unknown = await runCli(['notify', 'test', 'pager', '--config', file]);
  assert.equal(unknown.code, 2);
  assert.match(unknown.err, /PROBE_ERR_CONFIG: no channel "pager".*known: hook/);
  receiver.failWith = [503];
  const failing = await runCli(['notify', 'test', 'hook', '--config', file]);
  assert.equal(failing.code, 1);
  assert.match(failing.err, /PROBE_ERR_NOTIFY/);
});
