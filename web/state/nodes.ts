/**
 * @module Page state: every node as the server last described it, and the live socket's health.
 */
import { computed, signal } from '@preact/signals';
import type { LiveMessage, NodeDelta, NodeView } from '../../src/protocol/messages';

export type LinkState = 'connecting' | 'live' | 'reconnecting';

export const nodes = signal<ReadonlyMap<number, NodeView>>(new Map());
export const link = signal<LinkState>('connecting');
/** Wall clock for "last seen", ticking once a second. */
export const now = signal(Date.now());

export const sortedNodes = computed(() =>
  [...nodes.value.values()].sort((a, b) => a.group.localeCompare(b.group) || a.name.localeCompare(b.name)),
);

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

/** Merges a delta into the node it describes (a node not seen before arrives whole). */
export function applyDelta(prev: NodeView | undefined, delta: NodeDelta): NodeView {
  const { values: changed, ...fields } = delta;
  const base: NodeView = prev ?? { id: delta.id, name: '', group: '', location: '', online: false, lastSeen: null, os: '', arch: '', cores: 0, values: {} };
  const values = { ...base.values };
  for (const name in changed) {
    const v = changed[name];
    if (v === null || v === undefined) delete values[name];
    else values[name] = v;
  }
  return { ...base, ...fields, values };
}

export function applyLive(msg: LiveMessage): void {
  if (msg.type === 'snapshot') {
    nodes.value = new Map(msg.nodes.map((n) => [n.id, n]));
    return;
  }
  const next = new Map(nodes.value);
  if (msg.type === 'update') for (const delta of msg.nodes) next.set(delta.id, applyDelta(next.get(delta.id), delta));
  else for (const id of msg.ids) next.delete(id);
  nodes.value = next;
}
