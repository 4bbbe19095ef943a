/**
 * @module Keeps the hub's node list equal to the database's: after this process changed nodes
 * (admin API, local agent) and when another process did (`probe node …`, seen through the store's
 * change marker). Agents of removed or re-keyed nodes are disconnected either way.
 */
import type { NodeStore, StoreHandle } from '../../store/store';
import { log } from '../../util/log';
import type { Hub } from './hub';

export class NodeSync {
  /** The store's change marker when the hub last read the node list. */
  private marker: number;

  constructor(
    private readonly store: Pick<NodeStore, 'listNodes'> & Pick<StoreHandle, 'externalChangeMarker'>,
    private readonly hub: Pick<Hub, 'sync'>,
    private readonly agents: { revokeStale(): void },
  ) {
    this.marker = store.externalChangeMarker();
  }

  /**
   * Reads the node list again (the marker first, so a change made in between is seen by the next
   * poll) and returns how many nodes there are.
   */
  changed(): number {
    this.marker = this.store.externalChangeMarker();
    const records = this.store.listNodes();
    this.hub.sync(records);
    this.agents.revokeStale();
    return records.length;
  }

  /** Whether another process changed the database since the last look (then the hub is synced). */
  poll(): boolean {
    if (this.store.externalChangeMarker() === this.marker) return false;
    log.debug('nodes changed by another process', { nodes: this.changed() });
    return true;
  }
}
