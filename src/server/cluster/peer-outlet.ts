/**
 * @module The sending side of one follower's /ws/peer connection: each tick, the agents connected
 * to this server that it was not told of yet, the live values newer than those it was sent, and
 * the agents that left. Only this server's own agents: what peers forward is never passed on.
 */
import { encodeCompact } from '../../protocol/compact';
import type { Fields } from '../../protocol/compact';
import type { NodeRecord } from '../../store/store';
import type { Hub } from '../fleet/hub';
import { MAX_PEER_SCHEMAS, PeerFrameBuilder } from './peer-frame';

/** What a follower was last told of a node. */
interface Sent {
  record: NodeRecord;
  names: readonly string[];
  sampleTs: number;
  /** The fields of the values last sent (null: none since the node was declared), and a spare array. */
  prev: Fields | null;
  spare: Fields;
}

export class PeerOutlet {
  private readonly schemas = new Map<readonly string[], number>();
  private readonly sent = new Map<number, Sent>();
  private readonly seen = new Set<number>();

  /** Whether this connection has used up its names lists (then it is closed, and the follower starts afresh). */
  get full(): boolean {
    return this.schemas.size >= MAX_PEER_SCHEMAS;
  }

  /** The frames of one tick (none when nothing changed). */
  frames(hub: Pick<Hub, 'forEachLocal'>): string[] {
    const out = new PeerFrameBuilder();
    this.seen.clear();
    hub.forEachLocal((id, node) => {
      this.seen.add(id);
      let sent = this.sent.get(id);
      if (!sent || sent.record !== node.record || sent.names !== node.names) {
        let key = this.schemas.get(node.names);
        if (key === undefined) {
          this.schemas.set(node.names, (key = this.schemas.size));
          out.schema(key, node.names);
        }
        out.node([id, node.record.name, key, node.record.host ?? null]);
        sent = { record: node.record, names: node.names, sampleTs: 0, prev: null, spare: [] };
        this.sent.set(id, sent);
      }
      if (node.sampleTs > sent.sampleTs) {
        // The values in their names' order, then the time: a row over `names` reads the first part as is.
        const fields = sent.spare;
        fields.length = node.names.length + 1;
        for (let i = 0; i < node.names.length; i++) fields[i] = Number.isNaN(node.data[i]!) ? null : node.data[i]!;
        fields[node.names.length] = node.sampleTs;
        out.value(`${id}${encodeCompact(sent.prev, fields)}`);
        sent.spare = sent.prev ?? [];
        sent.prev = fields;
        sent.sampleTs = node.sampleTs;
      }
      out.cut();
    });
    for (const id of this.sent.keys()) {
      if (this.seen.has(id)) continue;
      this.sent.delete(id);
      out.gone(id);
    }
    return out.finish();
  }
}
