/**
 * @module Page state: every node as the server last described it, the live socket's health,
 * and the overview's filtered, sorted, grouped view of them.
 */
import { computed, signal } from '@preact/signals';
import type { LiveMessage, NodeDelta, NodeView } from '../../src/protocol/messages';
import { isOverviewMetric } from '../../src/protocol/metrics';
import { applyDeltas, compareNames, matches, sortNodes } from '../lib/nodes';
import { filter, sortDesc, sortKey } from './prefs';

export type LinkState = 'connecting' | 'live' | 'reconnecting';

export const nodes = signal<ReadonlyMap<number, NodeView>>(new Map());
export const link = signal<LinkState>('connecting');
/** Wall clock for "last seen", ticking once a second. */
export const now = signal(Date.now());

/** The overview: groups in name order (ungrouped first), nodes sorted within each. */
export const groups = computed(() => {
  const query = filter.value.trim();
  const list = [...nodes.value.values()].filter((n) => !query || matches(n, query));
  const sorted = sortNodes(list, sortKey.value, sortDesc.value);
  const byGroup = new Map<string, NodeView[]>();
  for (const n of sorted) {
    const members = byGroup.get(n.group);
    if (members) members.push(n);
    else byGroup.set(n.group, [n]);
  }
  return [...byGroup].sort(([a], [b]) => compareNames(a, b));
});

export const totals = computed(() => {
  let online = 0;
  let rx = 0;
  let tx = 0;
  for (const n of nodes.value.values()) {
    if (!n.online) continue;
    online++;
    rx += n.values.netRxBytesPerSec ?? 0;
    tx += n.values.netTxBytesPerSec ?? 0;
  }
  return { online, total: nodes.value.size, rx, tx };
});

function applyLive(msg: LiveMessage): void {
  if (msg.type === 'error') {
    console.warn(`live feed: ${msg.code}: ${msg.message}`);
    return;
  }
  if (msg.type === 'snapshot') {
    // A snapshot has the overview's metrics only: the watched node keeps its others until it comes whole again.
    const before = nodes.value;
    nodes.value = new Map(msg.nodes.map((n) => [n.id, withDetail(n, before.get(n.id))]));
    return;
  }
  if (msg.type === 'update') {
    nodes.value = applyDeltas(nodes.value, [msg.nodes]);
    return;
  }
  const next = new Map(nodes.value);
  if (msg.type === 'node') next.set(msg.node.id, msg.node);
  else for (const id of msg.ids) next.delete(id);
  nodes.value = next;
}

function withDetail(node: NodeView, before: NodeView | undefined): NodeView {
  if (!before) return node;
  const values = { ...node.values };
  for (const name in before.values) if (!isOverviewMetric(name)) values[name] = before.values[name]!;
  return { ...node, values };
}

/** The live feed's messages of the past second, in order: updates in a row are applied together (applyDeltas). */
export function applyLiveAll(messages: readonly LiveMessage[]): void {
  let updates: NodeDelta[][] = [];
  const flush = () => {
    if (updates.length > 0) nodes.value = applyDeltas(nodes.value, updates);
    updates = [];
  };
  for (const msg of messages) {
    if (msg.type === 'update') updates.push(msg.nodes);
    else {
      flush();
      applyLive(msg);
    }
  }
  flush();
}
