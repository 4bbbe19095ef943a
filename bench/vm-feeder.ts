/**
 * Feeds VictoriaMetrics the same values the simulated agents send: per node per second one
 * sample of the same metric set, through its Prometheus import API, in batches every 100 ms.
 */
import { parseArgs } from 'node:util';
import { METRICS } from '../src/protocol/metrics';
import type { MetricName } from '../src/protocol/metrics';
import { metricStream } from './synthetic';

const { values: args } = parseArgs({ options: { url: { type: 'string' }, nodes: { type: 'string' } } });
const n = Number(args.nodes);
const streams = Array.from({ length: n }, (_, i) => metricStream(i + 1));
const SLOTS = 10;
let slot = 0;
let sent = 0;
let inFlight = 0;

setInterval(() => {
  const now = Date.now();
  const lines: string[] = [];
  for (let i = slot; i < n; i += SLOTS) {
    for (const [name, value] of Object.entries(streams[i]!())) {
      lines.push(`${METRICS[name as MetricName].prom}{node="n${i}"} ${value} ${now}`);
    }
  }
  slot = (slot + 1) % SLOTS;
  if (inFlight > 20) return;
  inFlight++;
  fetch(`${args.url}/api/v1/import/prometheus`, { method: 'POST', body: lines.join('\n') + '\n' })
    .then((r) => {
      if (r.ok) sent += lines.length;
      else process.stderr.write(`VictoriaMetrics: HTTP ${r.status}\n`);
      return r.arrayBuffer();
    })
    .catch((err: Error) => process.stderr.write(`VictoriaMetrics: ${err.message}\n`))
    .finally(() => inFlight--);
}, 100);

process.stdin.on('data', () => process.stdout.write(JSON.stringify({ event: 'stats', sent }) + '\n'));
process.on('SIGTERM', () => process.exit(0));
