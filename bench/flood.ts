/**
 * Metric-name flood (issue 17, item 1) against the real server binary on loopback: one node key
 * sends object-form samples full of new `custom.*` names (200 a second, 200 new names each, 8 s),
 * while the real agent reports another node every second and a poller asks /healthz every 50 ms.
 * An offline rule (for 5 s) notifies a local webhook; the flood starts 62 s after the server
 * (builds before 752ac5d judged no node offline in the first 60 s), so a false offline alert shows. Prints the CPU model, /healthz p50/max,
 * whether the honest agent was cut, offline alerts, server RSS before/peak, the database size,
 * a history answer without `metrics=`, then the metric names left after `probe node remove` and
 * the next start's idle RSS. Last line: one JSON object.
 * Usage: npm run bench:flood [-- --seconds 8 --rate 200 --names 200 --wait 62 --binary dist/probe]
 */
import { execFileSync, spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import Database from 'better-sqlite3';
import WebSocket from 'ws';
import { rssMB } from './proc-stats';

const { values: args } = parseArgs({
  options: {
    seconds: { type: 'string', default: '8' },
    rate: { type: 'string', default: '200' },
    names: { type: 'string', default: '200' },
    /** Seconds after the server's start before the flood: older builds' offline rules waited 60 s after a start (0 is enough for current ones). */
    wait: { type: 'string', default: '62' },
    binary: { type: 'string', default: 'dist/probe' },
  },
});
const floodSeconds = Math.min(60, Number(args.seconds));
const rate = Math.min(1000, Number(args.rate));
const namesPerSample = Math.min(256, Number(args.names));
const root = path.resolve(import.meta.dirname, '..');
const binary = path.resolve(root, args.binary!);
const dir = mkdtempSync(path.join(os.tmpdir(), 'probe-bench-flood-'));
const dataDir = path.join(dir, 'data');
const children: ChildProcess[] = [];
const closers: (() => void)[] = [];

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const say = (line: string) => process.stderr.write(`${line}\n`);

interface Proc {
  child: ChildProcess;
  out: () => string;
  err: () => string;
  stop(): Promise<void>;
}

function start(argv: string[], env: NodeJS.ProcessEnv = {}): Proc {
  const child = spawn(binary, argv, { cwd: dir, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let out = '';
  let err = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (err += d));
  const exited = new Promise<void>((r) => child.on('exit', () => r()));
  return {
    child,
    out: () => out,
    err: () => err,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}

async function until<T>(what: string, check: () => T | Promise<T>, ms: number): Promise<NonNullable<T>> {
  const deadline = Date.now() + ms;
  for (;;) {
    try {
      const v = await check();
      if (v) return v as NonNullable<T>;
    } catch {
      // not yet
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

const percentile = (sorted: number[], p: number) =>
  sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]! : NaN;

function dbBytes(): number {
  return readdirSync(dataDir)
    .filter((f) => f.startsWith('probe.db'))
    .reduce((sum, f) => sum + statSync(path.join(dataDir, f)).size, 0);
}

function metricNameRows(): number {
  const db = new Database(path.join(dataDir, 'probe.db'), { readonly: true });
  try {
    return (db.prepare('SELECT count(*) AS n FROM metric_names').get() as { n: number }).n;
  } finally {
    db.close();
  }
}

async function startServer(configFile: string): Promise<{ proc: Proc; base: string }> {
  const proc = start(['server', '--config', configFile, '--listen', '127.0.0.1:0', '--data', dataDir]);
  const base = await until('server URL', () => /open (http:\/\/\S+)\//.exec(proc.out())?.[1], 20_000);
  return { proc, base };
}

/** The flooding key: object-form samples, each with `namesPerSample` names never sent before. */
async function flood(
  base: string,
  key: string,
  onStop: () => void,
): Promise<{ sent: number; notices: Record<string, number>; closed: string | null }> {
  const ws = new WebSocket(`${base.replace('http', 'ws')}/ws/agent`, {
    headers: { Authorization: `Bearer ${key}` },
    perMessageDeflate: false,
  });
  const notices: Record<string, number> = {};
  let closed: string | null = null;
  ws.on('message', (data) => {
    const msg = JSON.parse(String(data)) as { type: string; code?: string };
    if (msg.type === 'error') notices[msg.code!] = (notices[msg.code!] ?? 0) + 1;
  });
  ws.on('close', (code) => (closed = String(code)));
  ws.on('error', () => {});
  await new Promise<void>((resolve, reject) => {
    ws.once('open', resolve);
    ws.once('error', reject);
  });
  ws.send(
    JSON.stringify({
      type: 'hello',
      protocol: 1,
      agentVersion: 'flood',
      intervalMs: 1000,
      host: { hostname: 'flood', os: 'x', kernel: 'x', arch: 'x64', cpuModel: 'x', cores: 1, bootTime: 0 },
      metrics: ['cpu'],
    }),
  );
  const t0 = Date.now();
  let seq = 0;
  const perTick = Math.max(1, Math.round(rate / 100));
  await new Promise<void>((resolve) => {
    const timer = setInterval(() => {
      const due = Math.min(Math.floor(((Date.now() - t0) / 1000) * rate), floodSeconds * rate);
      for (let i = 0; i < perTick && seq < due; i++) {
        const values: Record<string, number> = {};
        for (let n = 0; n < namesPerSample; n++) values[`custom.flood_${seq}_${n}`] = n;
        seq++;
        if (ws.readyState === ws.OPEN) ws.send(JSON.stringify({ type: 'sample', seq, ts: t0 + seq, values }));
      }
      if (seq >= floodSeconds * rate || Date.now() - t0 > (floodSeconds + 5) * 1000) {
        clearInterval(timer);
        resolve();
      }
    }, 10);
  });
  onStop();
  await sleep(1000);
  ws.close();
  return { sent: seq, notices, closed };
}

async function main(): Promise<void> {
  // Nodes are added by the binary itself, so an older build measures against a database it knows.
  const addNode = (name: string) =>
    /\n {2}(pk_[A-Za-z0-9_-]+)\n/.exec(execFileSync(binary, ['node', 'add', name, '--data', dataDir], { cwd: dir, encoding: 'utf8' }))![1]!;
  const honestKey = addNode('honest');
  const floodKey = addNode('flood');

  const alerts: { rule: string; node: string; state: string }[] = [];
  const receiver = createServer((req, res) => {
    let body = '';
    req.on('data', (d) => (body += d));
    req.on('end', () => {
      try {
        alerts.push(JSON.parse(body) as (typeof alerts)[number]);
      } catch {
        // not ours
      }
      res.end('ok');
    });
  });
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
  closers.push(() => receiver.close());
  const hook = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
  const configFile = path.join(dir, 'probe.json');
  writeFileSync(
    configFile,
    JSON.stringify({
      notifications: { hook: { type: 'webhook', url: hook } },
      alerts: { rules: [{ name: 'node-down', kind: 'offline', for: '5s', notify: ['hook'] }] },
    }),
  );

  const serverStarted = Date.now();
  const { proc: server, base } = await startServer(configFile);
  const agent = start(['agent', '--server', base.replace('http', 'ws'), '--interval', '1s', '--state-dir', path.join(dir, 'agent')], {
    PROBE_KEY: honestKey,
  });
  await until(
    'the honest agent online',
    async () =>
      ((await (await fetch(`${base}/api/nodes`)).json()) as { name: string; online: boolean }[]).some(
        (n) => n.name === 'honest' && n.online,
      ),
    20_000,
  );
  const waitMs = Number(args.wait) * 1000 - (Date.now() - serverStarted);
  if (waitMs > 0) say(`waiting ${Math.round(waitMs / 1000)} s for the server's offline grace to pass…`);
  await sleep(Math.max(0, waitMs));

  const pid = server.child.pid!;
  const rssBefore = rssMB(pid);
  let rssPeak = rssBefore;
  const healthMs: number[] = [];
  let offlineSeen = 0;
  let healthFailures = 0;
  let polling = true;
  let floodEndedAt = Infinity;
  const floodStart = Date.now();
  const rssTimer = setInterval(() => (rssPeak = Math.max(rssPeak, rssMB(pid))), 100);
  const progress = setInterval(
    () =>
      say(
        `  ${Math.round((Date.now() - floodStart) / 1000)} s: /healthz answered ${healthMs.length}, last ${Math.round(healthMs.at(-1) ?? NaN)} ms; RSS ${Math.round(rssMB(pid))} MB`,
      ),
    5000,
  );
  const poll = (async () => {
    while (polling) {
      const t = performance.now();
      // A request the server dropped (it may cut one that waited too long) counts with its time.
      await fetch(`${base}/healthz`)
        .then((r) => r.arrayBuffer())
        .catch(() => healthFailures++);
      const ms = performance.now() - t;
      healthMs.push(ms);
      await sleep(Math.max(0, 50 - ms));
    }
  })();
  const watch = (async () => {
    while (polling) {
      try {
        const nodes = (await (await fetch(`${base}/api/nodes`)).json()) as { name: string; online: boolean }[];
        if (!nodes.find((n) => n.name === 'honest')?.online) offlineSeen++;
      } catch {
        // counted by the /healthz poller
      }
      await sleep(250);
    }
  })();
  say(`flooding: ${rate} samples/s, ${namesPerSample} new names each, ${floodSeconds} s`);
  const sent = await flood(base, floodKey, () => (floodEndedAt = Date.now()));
  // Until the server has caught up (a quick /healthz) and 5 s more: a stall's tail counts too.
  await until('the server to catch up', () => Date.now() - floodEndedAt > 5000 && healthMs.length > 0 && healthMs.at(-1)! < 100, 300_000);
  polling = false;
  await Promise.all([poll, watch]);
  clearInterval(rssTimer);
  clearInterval(progress);
  const historyT = performance.now();
  const floodId = ((await (await fetch(`${base}/api/nodes`)).json()) as { id: number; name: string }[]).find((n) => n.name === 'flood')!.id;
  const historyRes = await fetch(`${base}/api/nodes/${floodId}/history?range=1h`);
  const historyBytes = (await historyRes.arrayBuffer()).byteLength;
  const historyStatus = historyRes.status;
  const historyMs = performance.now() - historyT;
  const dbAfter = dbBytes();
  const namesAfterFlood = metricNameRows();
  const log = server.err();
  const cutLines = log.split('\n').filter((l) => /node=honest/.test(l) && /(dropping its connection|agent disconnected)/.test(l));
  const agentReconnects = agent
    .err()
    .split('\n')
    .filter((l) => /no word from the server|cannot reach server/.test(l)).length;
  const budgetLines = log.split('\n').filter((l) => /PROBE_ERR_METRIC_BUDGET/.test(l)).length;
  await agent.stop();
  await server.stop();

  execFileSync(binary, ['node', 'remove', 'flood', '--data', dataDir], { cwd: dir, stdio: 'ignore' });
  const namesAfterRemove = metricNameRows();
  const again = await startServer(configFile);
  await sleep(10_000);
  const rssIdleNextStart = rssMB(again.proc.child.pid!);
  await again.proc.stop();

  const sorted = [...healthMs].sort((a, b) => a - b);
  // The flooding key hangs up at the end, so its own node going offline is a true alert.
  const offlineAlerts = alerts.filter((a) => a.state === 'firing' && a.node === 'honest').length;
  const floodNodeAlerts = alerts.filter((a) => a.state === 'firing' && a.node === 'flood').length;
  const result = {
    cpu: os.cpus()[0]?.model ?? 'unknown',
    binary: path.relative(root, binary),
    samplesSent: sent.sent,
    namesPerSample,
    floodSeconds: (floodEndedAt - floodStart) / 1000,
    floodNotices: sent.notices,
    floodClosed: sent.closed,
    healthzRequests: sorted.length,
    healthzFailed: healthFailures,
    healthzP50Ms: Math.round(percentile(sorted, 50) * 10) / 10,
    healthzMaxMs: Math.round((sorted.at(-1) ?? NaN) * 10) / 10,
    honestCut: cutLines.length > 0 || offlineSeen > 0 || agentReconnects > 0,
    honestCutLogLines: cutLines.length,
    honestShownOffline: offlineSeen,
    honestAgentReconnects: agentReconnects,
    offlineAlerts,
    floodNodeOfflineAlerts: floodNodeAlerts,
    serverRssBeforeMB: Math.round(rssBefore),
    serverRssPeakMB: Math.round(rssPeak),
    dbBytesAfter: dbAfter,
    metricNamesAfterFlood: namesAfterFlood,
    budgetLogLines: budgetLines,
    historyBytes,
    historyStatus,
    historyMs: Math.round(historyMs),
    metricNamesAfterRemove: namesAfterRemove,
    rssIdleNextStartMB: Math.round(rssIdleNextStart),
  };
  say(`CPU: ${result.cpu} (${os.cpus().length} cores)`);
  say(
    `flood: ${result.samplesSent} samples × ${namesPerSample} new names in ${result.floodSeconds} s; server told the flooder: ${JSON.stringify(result.floodNotices)}${result.floodClosed ? `, closed ${result.floodClosed}` : ''}`,
  );
  say(
    `/healthz every 50 ms: ${result.healthzRequests} requests (${healthFailures} failed), p50 ${result.healthzP50Ms} ms, max ${result.healthzMaxMs} ms`,
  );
  say(
    `honest agent cut: ${result.honestCut ? 'YES' : 'no'} (server lines ${cutLines.length}, shown offline ${offlineSeen}× in /api/nodes, agent reconnects ${agentReconnects}); offline alerts fired for it: ${offlineAlerts} (for the flooding node after it hung up: ${floodNodeAlerts})`,
  );
  say(
    `server RSS: ${result.serverRssBeforeMB} MB before, ${result.serverRssPeakMB} MB at peak (+${result.serverRssPeakMB - result.serverRssBeforeMB})`,
  );
  say(
    `database after: ${(dbAfter / 1e6).toFixed(1)} MB, ${namesAfterFlood} metric names; history without metrics=: ${(historyBytes / 1e6).toFixed(2)} MB (HTTP ${historyStatus}) in ${result.historyMs} ms`,
  );
  say(`after probe node remove flood: ${namesAfterRemove} metric names; next start idles at ${result.rssIdleNextStartMB} MB RSS`);
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

main()
  .catch((err) => {
    say(`bench failed: ${(err as Error).stack ?? err}`);
    process.exitCode = 1;
  })
  .finally(() => {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    for (const close of closers) close();
    rmSync(dir, { recursive: true, force: true });
  });
