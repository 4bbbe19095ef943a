/**
 * Feeds VictoriaMetrics the same values the simulated agents send: per node per second one
 * sample of the same metric set, through its Prometheus import API, in batches every 100 ms.
 */
import { parseArgs } from 'node:util';
import { FAMILIES, METRICS, splitFamily } from '../src/protocol/metrics';
import type { MetricName } from '../src/protocol/metrics';
import { metricStream } from './synthetic';

const { values: args } = parseArgs({ options: { url: { type: 'string' }, nodes: { type: 'string' } } });
const n = Number(args.nodes);
const streams = Array.from({ length: n }, (_, i) => metricStream(i + 1));
// Each node's series names, built once (in the stream's key order): the feeder must not starve
// VictoriaMetrics of CPU.
const seriesOf = (name: string, node: number) => {
  const split = splitFamily(name);
  return split
    ? `${FAMILIES[split.family].prom}{node="n${node}",${FAMILIES[split.family].label}="${split.device}"} `
    : `${METRICS[name as MetricName].prom}{node="n${node}"} `;
};
const prefixes: string[][] = [];
const SLOTS = 10;
let slot = 0;
let sent = 0;
let inFlight = 0;

setInterval(() => {
  const now = Date.now();
  const lines: string[] = [];
  for (let i = slot; i < n; i += SLOTS) {
    const values = streams[i]!();
    const names = (prefixes[i] ??= Object.keys(values).map((name) => seriesOf(name, i)));
    let k = 0;
    for (const name in values) lines.push(`${names[k++] + values[name]} ${now}`);
  }
  slot = (slot + 1) % SLOTS;
  if (inFlight > 20) return;
  inFlight++;
  fetch(`${args.url}/api/v1/import/prometheus`, { method: 'POST', body: `${lines.join('\n')}\n` })
    .then((r) => {
      if (r.ok) sent += lines.length;
      else process.stderr.write(`VictoriaMetrics: HTTP ${r.status}\n`);
      return r.arrayBuffer();
    })
    .catch((err: Error) => process.stderr.write(`VictoriaMetrics: ${err.message}\n`))
    .finally(() => inFlight--);
}, 100);

process.stdin.on('data', () => process.stdout.write(`${JSON.stringify({ event: 'stats', sent })}\n`));
process.on('SIGTERM', () => process.exit(0));
