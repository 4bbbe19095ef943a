/**
 * @module The real time-series databases the remote-write tests send to, started on loopback in
 * temp directories (Debian's victoria-metrics and prometheus, installed per test/requirements.mjs)
 * and stopped by their PID.
 */
import { writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { run, waitFor } from '../helpers';
import type { Running } from '../helpers';

export const VICTORIA_METRICS = '/usr/bin/victoria-metrics';
export const PROMETHEUS = '/usr/bin/prometheus';

/** A port free right now on 127.0.0.1 (bound to port 0, then released). */
export async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

export interface Tsdb {
  base: string;
  writeUrl: string;
  proc: Running;
}

/**
 * VictoriaMetrics on `port` over `dir` (the same dir again after a stop: the same data). `dedup`
 * keeps one of the samples of a series with the same timestamp, as docs/remote-write.md advises
 * when agents fail over between servers (without it, VictoriaMetrics keeps both).
 */
export async function startVictoriaMetrics(dir: string, port: number, options: { dedup?: boolean } = {}): Promise<Tsdb> {
  const proc = run(VICTORIA_METRICS, [
    `-httpListenAddr=127.0.0.1:${port}`,
    `-storageDataPath=${path.join(dir, 'vm')}`,
    '-retentionPeriod=100y',
    '-search.latencyOffset=0s',
    ...(options.dedup ? ['-dedup.minScrapeInterval=1ms'] : []),
  ]);
  const base = `http://127.0.0.1:${port}`;
  await waitFor('VictoriaMetrics /health', async () => (await fetch(`${base}/health`)).ok, 20_000, 100);
  return { base, writeUrl: `${base}/api/v1/write`, proc };
}

/** Prometheus on `port` over `dir`, receiving remote write; `config` is its prometheus.yml (e.g. scrape jobs). */
export async function startPrometheus(dir: string, port: number, config = 'global: {}\n'): Promise<Tsdb> {
  const configFile = path.join(dir, 'prometheus.yml');
  writeFileSync(configFile, config);
  const proc = run(PROMETHEUS, [
    `--config.file=${configFile}`,
    `--storage.tsdb.path=${path.join(dir, 'prom')}`,
    `--web.listen-address=127.0.0.1:${port}`,
    '--web.enable-remote-write-receiver',
  ]);
  const base = `http://127.0.0.1:${port}`;
  await waitFor('Prometheus /-/ready', async () => (await fetch(`${base}/-/ready`)).ok, 20_000, 100);
  return { base, writeUrl: `${base}/api/v1/write`, proc };
}

export interface ExportedSeries {
  metric: Record<string, string>;
  values: number[];
  timestamps: number[];
}

/** Every raw sample of the series `match` selects, from VictoriaMetrics' export API (flushed first). */
export async function exportSeries(vm: Tsdb, match: string): Promise<ExportedSeries[]> {
  await fetch(`${vm.base}/internal/force_flush`);
  const res = await fetch(`${vm.base}/api/v1/export?match[]=${encodeURIComponent(match)}`);
  if (!res.ok) throw new Error(`export: HTTP ${res.status}`);
  return (await res.text())
    .split('\n')
    .filter((line) => line.trim())
    .map((line) => JSON.parse(line) as ExportedSeries);
}
