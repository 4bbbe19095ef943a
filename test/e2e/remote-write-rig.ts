/**
 * What the remote-write tests share: a server writing to a TSDB, a node, a real agent, and the
 * server's own remote-write figures.
 */
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { BINARY, listeningUrl, run } from '../helpers';

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A server over `data` with remote write to `url`; `listen` defaults to a free port. */
export async function startServer(dir: string, data: string, url: string, listen = '127.0.0.1:0', extra: string[] = []) {
  const config = path.join(dir, 'probe.json');
  writeFileSync(config, JSON.stringify({ history: { remoteWrite: [{ url, name: 'tsdb', headers: { 'X-Token': 'hunter2' } }] } }));
  const proc = run(BINARY, ['server', '--listen', listen, '--data', data, '--config', config, ...extra], { cwd: dir });
  const base = await listeningUrl(proc, 'server URL');
  return { proc, base };
}

export function addNode(data: string, name: string): string {
  const out = execFileSync(BINARY, ['node', 'add', name, '--group', 'g1', '--location', 'JP', '--data', data], { encoding: 'utf8' });
  return /\n {2}(pk_\S+)\n/.exec(out)![1]!;
}

export function startAgent(dir: string, base: string, key: string) {
  const url = base.replace(/^http/, 'ws');
  return run(BINARY, ['agent', '--server', url, '--interval', '1s', '--state-dir', path.join(dir, 'agent-state')], {
    cwd: dir,
    env: { PROBE_KEY: key },
  });
}

/** A figure of /metrics for the target. */
export async function figure(base: string, name: string): Promise<number> {
  const text = await (await fetch(`${base}/metrics`)).text();
  return Number(new RegExp(`^${name}\\{target="tsdb"\\} (\\S+)$`, 'm').exec(text)?.[1] ?? Number.NaN);
}
