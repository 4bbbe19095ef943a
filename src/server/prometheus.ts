/**
 * @module GET /metrics: the latest value of every node's metrics in the Prometheus text format,
 * for people who already run Prometheus, VictoriaMetrics or Grafana.
 */
import type { NodeView } from '../protocol/messages';
import { CUSTOM_PREFIX, METRICS } from '../protocol/metrics';

function escapeLabel(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

function promName(metric: string): string | null {
  const known = (METRICS as Record<string, { prom: string }>)[metric];
  if (known) return known.prom;
  if (metric.startsWith(CUSTOM_PREFIX)) return `probe_custom_${metric.slice(CUSTOM_PREFIX.length).replace(/[^a-zA-Z0-9_]/g, '_')}`;
  return null;
}

function helpFor(metric: string): string {
  const known = (METRICS as Record<string, { help: string }>)[metric];
  return known ? known.help : `Agent-defined metric ${metric}`;
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
    add('probe_node_online', 'Whether the node\'s agent is connected (1) or not (0)', labels, node.online ? 1 : 0);
    if (node.lastSeen !== null) add('probe_node_last_seen_timestamp_seconds', 'Time of the newest sample, Unix seconds', labels, node.lastSeen / 1000);
    for (const [metric, value] of Object.entries(node.values)) {
      const name = promName(metric);
      if (name) add(name, helpFor(metric), labels, value);
    }
  }
  let out = '';
  for (const [name, family] of families) {
    out += `# HELP ${name} ${family.help.replace(/\\/g, '\\\\').replace(/\n/g, '\\n')}\n# TYPE ${name} gauge\n${family.lines.join('\n')}\n`;
  }
  return out;
}
