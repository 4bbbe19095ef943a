/**
 * @module GET /metrics: the latest value of every node's metrics in the Prometheus text format,
 * for people who already run Prometheus, VictoriaMetrics or Grafana.
 */
import type { NodeView } from '../../protocol/messages';
import { CUSTOM_PREFIX, FAMILIES, LATENCY_PREFIX, LOSS_PREFIX, METRICS, splitFamily } from '../../protocol/metrics';

function escapeLabel(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

/** Name and extra label of a metric; probe targets become a `target` label, devices their family's label. */
function promName(metric: string): { name: string; target?: string; label?: string } | null {
  const known = (METRICS as Record<string, { prom: string }>)[metric];
  if (known) return { name: known.prom };
  const device = splitFamily(metric);
  if (device) {
    const family = FAMILIES[device.family];
    return { name: family.prom, label: `${family.label}="${escapeLabel(device.device)}"` };
  }
  if (metric.startsWith(LATENCY_PREFIX)) return { name: 'probe_latency_seconds', target: metric.slice(LATENCY_PREFIX.length) };
  if (metric.startsWith(LOSS_PREFIX)) return { name: 'probe_loss_ratio', target: metric.slice(LOSS_PREFIX.length) };
  // Custom names that differ only in characters Prometheus has no room for (`jobs.mail`, `jobs_mail`, `jobs-mail`)
  // share a metric name; the name on the agent, as a label, keeps their series apart.
  if (metric.startsWith(CUSTOM_PREFIX))
    return {
      name: `probe_custom_${metric.slice(CUSTOM_PREFIX.length).replace(/[^a-zA-Z0-9_]/g, '_')}`,
      label: `metric="${escapeLabel(metric)}"`,
    };
  return null;
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

export function renderPrometheus(nodes: readonly NodeView[]): string {
  const families = new Map<string, { help: string; lines: string[] }>();
  const add = (name: string, help: string, labels: string, value: number) => {
    let family = families.get(name);
    if (!family) families.set(name, (family = { help, lines: [] }));
    family.lines.push(`${name}{${labels}} ${value}`);
  };
  for (const node of nodes) {
    const labels = `node="${escapeLabel(node.name)}",group="${escapeLabel(node.group)}",location="${escapeLabel(node.location)}"`;
    add('probe_node_online', "Whether the node's agent is connected (1) or not (0)", labels, node.online ? 1 : 0);
    if (node.lastSeen !== null)
      add('probe_node_last_seen_timestamp_seconds', 'Time of the newest sample, Unix seconds', labels, node.lastSeen / 1000);
    for (const [metric, value] of Object.entries(node.values)) {
      const prom = promName(metric);
      if (!prom) continue;
      // Base units: seconds and ratios, as Prometheus expects.
      if (prom.target !== undefined)
        add(
          prom.name,
          helpFor(metric),
          `${labels},target="${escapeLabel(prom.target)}"`,
          prom.name === 'probe_latency_seconds' ? value / 1000 : value / 100,
        );
      else if (prom.label) add(prom.name, helpFor(metric), `${labels},${prom.label}`, value);
      else add(prom.name, helpFor(metric), labels, value);
    }
  }
  let out = '';
  for (const [name, family] of families) {
    // Every `_total` is a counter (the network byte counters; a custom one by Prometheus' naming rule), the rest gauges.
    const type = name.endsWith('_total') ? 'counter' : 'gauge';
    const help = family.help.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
    out += `# HELP ${name} ${help}\n# TYPE ${name} ${type}\n${family.lines.join('\n')}\n`;
  }
  return out;
}
