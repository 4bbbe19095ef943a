/**
 * @module The receiving side of one followed peer: applies its frames to this server's hub. Its
 * agents' nodes are shown online "via a peer" and take its live values; nothing is stored or
 * judged by alert rules here (the peer does that). Nodes are matched by name.
 */
import { decodeCompact } from '../../protocol/compact';
import type { DecodedFields } from '../../protocol/compact';
import type { HostFacts } from '../../protocol/messages';
import type { NamesPool } from '../../protocol/row';
import { ProbeError } from '../../util/errors';
import type { Hub } from '../fleet/hub';
import type { PeerFrame } from './peer-frame';
import { MAX_PEER_NAMES, MAX_PEER_NODES, MAX_PEER_SCHEMAS } from './peer-frame';

/** Names of nodes this server lacks, kept to tell (at most this many). */
const MAX_UNKNOWN = 1000;

/** Which peers say each node's agent is connected to them: a node is remote while one does. */
export class PeerClaims {
  private readonly count = new Map<number, number>();

  constructor(private readonly hub: Pick<Hub, 'setRemote'>) {}

  claim(id: number): void {
    const n = (this.count.get(id) ?? 0) + 1;
    this.count.set(id, n);
    if (n === 1) this.hub.setRemote(id, true);
  }

  release(id: number): void {
    const n = (this.count.get(id) ?? 0) - 1;
    if (n > 0) return void this.count.set(id, n);
    this.count.delete(id);
    this.hub.setRemote(id, false);
  }

  /** Nodes shown online through a peer. */
  get size(): number {
    return this.count.size;
  }
}

export type IntakeHub = Pick<Hub, 'remoteSample' | 'setHost' | 'get'>;

interface Known {
  /** This server's id of the node, or -1 while it has none by that name (values are then ignored). */
  localId: number;
  name: string;
  host: HostFacts | null;
  names: readonly string[];
  prev: DecodedFields | null;
  spare: DecodedFields;
}

const bad = (message: string) => new ProbeError('PROBE_ERR_BAD_MESSAGE', `peer frame: ${message}`);

export class PeerIntake {
  private readonly schemas = new Map<number, readonly string[]>();
  private readonly nodes = new Map<number, Known>();
  private names = 0;
  /** Names the peer has that this server does not (told once per connection). */
  readonly unknown = new Set<string>();

  constructor(
    private readonly hub: IntakeHub,
    private readonly claims: PeerClaims,
    private readonly idOf: (name: string) => number | undefined,
    private readonly pool: NamesPool,
  ) {}

  /** Applies a frame; a frame that does not fit what came before throws PROBE_ERR_BAD_MESSAGE (the connection is then closed). */
  apply(frame: PeerFrame): void {
    for (const [key, names] of frame.schemas) {
      if (!this.schemas.has(key) && this.schemas.size >= MAX_PEER_SCHEMAS) throw bad(`more than ${MAX_PEER_SCHEMAS} names lists`);
      this.names += names.length;
      if (this.names > MAX_PEER_NAMES) throw bad(`more than ${MAX_PEER_NAMES} metric names in its lists`);
      this.schemas.set(key, this.pool.intern(names));
    }
    for (const [peerId, name, key, host] of frame.nodes) this.declare(peerId, name, key, host);
    for (const line of frame.values) this.values(line);
    for (const peerId of frame.gone) this.forget(peerId);
  }

  private declare(peerId: number, name: string, key: number, host: HostFacts | null): void {
    const names = this.schemas.get(key);
    if (!names) throw bad(`node ${name} refers to names list ${key}, never declared`);
    const localId = this.idOf(name) ?? -1;
    const before = this.nodes.get(peerId);
    if (!before && this.nodes.size >= MAX_PEER_NODES) throw bad(`more than ${MAX_PEER_NODES} nodes`);
    if (before && before.localId !== localId) this.forget(peerId);
    const node: Known = { localId: -1, name, host, names, prev: null, spare: [] };
    if (before?.localId === localId) node.localId = localId;
    else this.adopt(node, localId);
    this.nodes.set(peerId, node);
    if (localId >= 0 && host && JSON.stringify(this.hub.get(localId)?.host) !== JSON.stringify(host)) this.hub.setHost(localId, host);
  }

  /** The node is this server's node `localId` (-1: none yet, e.g. added to the registry a moment ago). */
  private adopt(node: Known, localId: number): void {
    node.localId = localId;
    if (localId >= 0) {
      this.claims.claim(localId);
      this.unknown.delete(node.name);
    } else if (this.unknown.size < MAX_UNKNOWN) this.unknown.add(node.name);
  }

  private values(line: string): void {
    const mark = line.indexOf('~');
    const node = this.nodes.get(Number(line.slice(0, mark)));
    if (mark < 1 || !node) throw bad(`values for a node never declared: "${line.slice(0, 20)}"`);
    let fields: DecodedFields;
    try {
      fields = decodeCompact(node.prev, line.slice(mark), node.names.length + 1, node.spare);
    } catch (err) {
      throw bad((err as Error).message);
    }
    node.spare = node.prev ?? [];
    node.prev = fields;
    const ts = fields[node.names.length]!;
    if (!Number.isSafeInteger(ts) || ts < 0) throw bad(`a sample time must be Unix ms, got ${ts}`);
    if (node.localId < 0) {
      const localId = this.idOf(node.name);
      if (localId === undefined) return;
      this.adopt(node, localId);
      if (node.host) this.hub.setHost(localId, node.host);
    }
    // The values come first in `fields`: a row over the node's names reads just them.
    if (node.localId >= 0) this.hub.remoteSample(node.localId, ts, { names: node.names, data: fields });
  }

  private forget(peerId: number): void {
    const node = this.nodes.get(peerId);
    if (!node) return;
    this.nodes.delete(peerId);
    if (node.localId >= 0) this.claims.release(node.localId);
  }

  /** The connection ended: none of its nodes is claimed by it any more. */
  close(): void {
    for (const peerId of [...this.nodes.keys()]) this.forget(peerId);
  }
}
