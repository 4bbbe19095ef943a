/** A node as the store lists it, for tests that build a Hub without a store. */
import type { NodeRecord } from '../../src/store/store';

export function nodeRecord(id: number, name: string, extra: Partial<NodeRecord> = {}): NodeRecord {
  return {
    id,
    name,
    group: '',
    location: '',
    keyHash: `k${id}`,
    createdAt: 0,
    host: null,
    lastSeen: null,
    isLocal: false,
    hidden: null,
    position: 0,
    ...extra,
  };
}
