/**
 * @module How far each node's clock is off, for a signed-in admin on a node's page: read from
 * /api/admin/nodes (guests never get it: a node's clock can tell what it runs on).
 */
import { signal } from '@preact/signals';
import type { AdminNodeView } from '../../src/protocol/messages';

/** Node id to its clock offset (AdminNodeView.clockOffsetMs); empty for guests. */
export const clockOffsets = signal<ReadonlyMap<number, number>>(new Map());

export async function loadClockOffsets(): Promise<void> {
  try {
    const res = await fetch('/api/admin/nodes');
    if (!res.ok) return;
    const nodes = (await res.json()) as AdminNodeView[];
    clockOffsets.value = new Map(nodes.map((n) => [n.id, n.clockOffsetMs]));
  } catch {
    // Not signed in, or the server is away: the page shows no clock badge.
  }
}
