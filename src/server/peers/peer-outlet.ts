/**
 * @module The sending side of one follower's /ws/peer connection: each tick, the agents connected
 * to this server that it was not told of yet, the live values newer than those it was sent, and
 * the agents that left. Only this server's own agents: what peers forward is never passed on.
 */
import { encodeCompact } from '../../protocol/compact';
import type { Fields } from '../../protocol/compact';
import type { NodeRecord } from '../../store/store';
import type { Hub } from '../fleet/hub';
import type { NodeState } from '../fleet/node-state';
import { MAX_PEER_NAMES, MAX_PEER_SCHEMAS, MAX_SCHEMA_NAMES, PeerFrameBuilder } from './peer-frame';

/** What a follower was last told of a node. */
interface Sent {
  record: NodeRecord;
  /** The hub's names array last seen for it, and the key of the names list it was declared with. */
  names: readonly string[];
  schema: number;
  /** How many of its values are forwarded (at most MAX_SCHEMA_NAMES). */
  width: number;
  sampleTs: number;
  /** The fields of the values last sent (null: none since the node was declared), and a spare array. */
  prev: Fields | null;
  spare: Fields;
}

export class PeerOutlet {
  /** Names lists declared on this connection, by their names (rows of object-form samples bring a new array each time). */
  private readonly schemas = new Map<string, number>();
  private readonly sent = new Map<number, Sent>();
  private readonly seen = new Set<number>();
  private names = 0;

  /** Whether this connection has used up its names lists (then it is closed, and the follower starts afresh). */
  get full(): boolean {
    return this.schemas.size >= MAX_PEER_SCHEMAS || this.names >= MAX_PEER_NAMES - MAX_SCHEMA_NAMES;
  }

  /** The key of a names list (its first MAX_SCHEMA_NAMES names), declared in `out` if new. */
  private schemaOf(names: readonly string[], out: PeerFrameBuilder): number {
    const list = names.length > MAX_SCHEMA_NAMES ? names.slice(0, MAX_SCHEMA_NAMES) : names;
    const text = list.join('\n');
    let key = this.schemas.get(text);
    if (key === undefined) {
      this.schemas.set(text, (key = this.schemas.size));
      this.names += list.length;
      out.schema(key, list);
    }
    return key;
  }

  /** The node as last told, (re)declared in `out` when it is new to the follower or its record or names changed. */
  private declared(id: number, node: Readonly<NodeState>, out: PeerFrameBuilder): Sent {
    let sent = this.sent.get(id);
    if (sent && sent.record === node.record && sent.names === node.names) return sent;
    const schema = this.schemaOf(node.names, out);
    if (sent && sent.record === node.record && sent.schema === schema) {
      sent.names = node.names;
      return sent;
    }
    out.node([id, node.record.name, schema, node.record.host ?? null]);
    const width = Math.min(node.names.length, MAX_SCHEMA_NAMES);
    sent = { record: node.record, names: node.names, schema, width, sampleTs: 0, prev: null, spare: [] };
    this.sent.set(id, sent);
    return sent;
  }

  /** The frames of one tick (none when nothing changed). */
  frames(hub: Pick<Hub, 'forEachLocal'>): string[] {
    const out = new PeerFrameBuilder();
    this.seen.clear();
    hub.forEachLocal((id, node) => {
      this.seen.add(id);
      const sent = this.declared(id, node, out);
      if (node.sampleTs > sent.sampleTs) {
        // The values in their names' order, then the time: a row over `names` reads the first part as is.
        const { width } = sent;
        const fields = sent.spare;
        fields.length = width + 1;
        for (let i = 0; i < width; i++) fields[i] = Number.isNaN(node.data[i]!) ? null : node.data[i]!;
        fields[width] = node.sampleTs;
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
