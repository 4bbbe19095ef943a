/**
 * @module GET /metrics: the latest value of every node's metrics in the Prometheus text format,
 * for people who already run Prometheus, VictoriaMetrics or Grafana.
 */
import type { NodeView } from '../../protocol/messages';
import { FAMILIES, LATENCY_PREFIX, LOSS_PREFIX, METRICS, splitFamily } from '../../protocol/metrics';
import { promSeries } from './prom-names';

function escapeLabel(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

function helpFor(metric: string): string {
  const known = (METRICS as Record<string, { help: string }>)[metric];
  if (known) return known.help;
  const device = splitFamily(metric);
  if (device) return FAMILIES[device.family].help;
  if (metric.startsWith(LATENCY_PREFIX)) return 'TCP connect time of the last probe to the target';
  if (metric.startsWith(LOSS_PREFIX)) return 'Share of the last 10 probes to the target that failed';
  return 'Agent-defined metric (its name on the agent in the metric label)';
}

/** What a metric's lines need, worked out once per name: at 10 000 nodes /metrics has ~400 000 lines. */
interface Shape {
  name: string;
  help: string;
  /** `,label="value"` for the labels besides node, group and location. */
  extra: string;
  divisor: number;
}

/** Shapes by metric name (null: not shown); emptied past MAX_SHAPES names, so custom names cannot grow it for ever. */
const shapes = new Map<string, Shape | null>();
const MAX_SHAPES = 20_000;

function shapeOf(metric: string): Shape | null {
  let shape = shapes.get(metric);
  if (shape !== undefined) return shape;
  const prom = promSeries(metric);
  shape = prom && {
    name: prom.name,
    help: helpFor(metric),
    extra: prom.labels.map(([k, v]) => `,${k}="${escapeLabel(v)}"`).join(''),
    divisor: prom.divisor,
  };
  if (shapes.size >= MAX_SHAPES) shapes.clear();
  shapes.set(metric, shape);
  return shape;
}

/** Nodes rendered between turns of the event loop: at 10 000 nodes the page is ~400 000 lines, seconds of work. */
const NODES_PER_TURN = 250;

const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * The page for `nodes`, a part per metric family (to write one after another), made over several
 * turns of the event loop, so agents' samples and the live feed are not held up while it is made.
 */
export async function renderPrometheus(nodes: readonly NodeView[]): Promise<string[]> {
  const families = new Map<string, { help: string; lines: string[] }>();
  const add = (name: string, help: string, labels: string, value: number) => {
    let family = families.get(name);
    if (!family) families.set(name, (family = { help, lines: [] }));
    family.lines.push(`${name}{${labels}} ${value}`);
  };
  for (let i = 0; i < nodes.length; i++) {
    if (i > 0 && i % NODES_PER_TURN === 0) await nextTurn();
    const node = nodes[i]!;
    const labels = `node="${escapeLabel(node.name)}",group="${escapeLabel(node.group)}",location="${escapeLabel(node.location)}"`;
    add('probe_node_online', "Whether the node's agent is connected (1) or not (0)", labels, node.online ? 1 : 0);
    if (node.lastSeen !== null)
      add('probe_node_last_seen_timestamp_seconds', 'Time of the newest sample, Unix seconds', labels, node.lastSeen / 1000);
    for (const metric in node.values) {
      const shape = shapeOf(metric);
      if (!shape) continue;
      const value = node.values[metric]!;
      // Base units: seconds and ratios, as Prometheus expects.
      add(shape.name, shape.help, labels + shape.extra, shape.divisor === 1 ? value : value / shape.divisor);
    }
  }
  const parts: string[] = [];
  for (const [name, family] of families) {
    // Every `_total` is a counter (the network byte counters; a custom one by Prometheus' naming rule), the rest gauges.
    const type = name.endsWith('_total') ? 'counter' : 'gauge';
    const help = family.help.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
    parts.push(`# HELP ${name} ${help}\n# TYPE ${name} ${type}\n${family.lines.join('\n')}\n`);
  }
  return parts;
}
