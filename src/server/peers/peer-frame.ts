/**
 * @module The frames of the cluster's live feed (/ws/peer, docs/cluster.md): what one server tells
 * a peer that follows it about the agents connected to it, and the one parser for them.
 * A frame is JSON: `{"v":1,"schemas":[[k,names]],"nodes":[[id,name,k,host]],"values":["id~…"],"gone":[id]}`.
 */
import type { HostFacts } from '../../protocol/messages';
import { parseHostFacts } from '../../protocol/parse';
import { ProbeError } from '../../util/errors';

export const PEER_FEED_VERSION = 1;
/** Largest frame a follower takes; a sender starts a new frame past PEER_FRAME_CUT_BYTES. */
export const MAX_PEER_FRAME_BYTES = 4 * 1024 * 1024;
export const PEER_FRAME_CUT_BYTES = 512 * 1024;
/** Names lists a connection may declare, and names per list (a sender forwards a node's first MAX_SCHEMA_NAMES metrics). */
export const MAX_PEER_SCHEMAS = 4096;
export const MAX_SCHEMA_NAMES = 1024;
/** Names in all the lists of one connection, and nodes one connection may declare: what a follower holds per peer. */
export const MAX_PEER_NAMES = 256 * 1024;
export const MAX_PEER_NODES = 100_000;
const MAX_NAME = 256;
const MAX_ITEMS = 200_000;

/** A node whose agent is connected to the sender, (re)declared: its id there, name, names list, host. */
export type PeerNode = [id: number, name: string, schema: number, host: HostFacts | null];

export interface PeerFrame {
  /** Names lists first used in this frame, by the key nodes refer to them with. */
  schemas: [number, string[]][];
  /** Nodes declared in this frame: the next values of each are absolute (compact against nothing). */
  nodes: PeerNode[];
  /**
   * `<id>~<compact fields>`: the node's values in its names' order, then the sample's time (Unix
   * ms, server clock), compact (src/protocol/compact.ts) against the last values sent for it.
   */
  values: string[];
  /** Nodes whose agent left the sender. */
  gone: number[];
}

const bad = (message: string) => new ProbeError('PROBE_ERR_BAD_MESSAGE', `peer frame: ${message}`);

function list(value: unknown, what: string, max = MAX_ITEMS): unknown[] {
  if (value === undefined) return [];
  if (!Array.isArray(value) || value.length > max) throw bad(`${what} must be a list of at most ${max} items`);
  return value;
}

function id(value: unknown, what: string): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) throw bad(`${what} must be an integer >= 0`);
  return value;
}

function text(value: unknown, what: string, max: number): string {
  if (typeof value !== 'string' || value.length > max) throw bad(`${what} must be a string of at most ${max} characters`);
  return value;
}

function schema(item: unknown): [number, string[]] {
  const pair = list(item, 'a schema', 2);
  const names = list(pair[1], "a schema's names", MAX_SCHEMA_NAMES).map((n) => text(n, 'a metric name', MAX_NAME));
  return [id(pair[0], 'a schema key'), names];
}

function node(item: unknown): PeerNode {
  const [nodeId, name, key, host] = list(item, 'a node', 4);
  let facts: HostFacts | null = null;
  if (host !== null && host !== undefined) {
    const parsed = parseHostFacts(host);
    if (!parsed.ok) throw bad(parsed.message);
    facts = parsed.value;
  }
  return [id(nodeId, 'a node id'), text(name, 'a node name', MAX_NAME), id(key, "a node's schema key"), facts];
}

/** Parses a frame (text of at most MAX_PEER_FRAME_BYTES); bad ones throw PROBE_ERR_BAD_MESSAGE. */
export function parsePeerFrame(raw: string): PeerFrame {
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    throw bad('not JSON');
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) throw bad('must be a JSON object');
  const frame = json as Record<string, unknown>;
  if (frame.v !== PEER_FEED_VERSION)
    throw new ProbeError(
      'PROBE_ERR_PROTOCOL_VERSION',
      `peer frame: version ${JSON.stringify(frame.v)}, this server speaks ${PEER_FEED_VERSION}: run the same probe version on every server`,
    );
  return {
    schemas: list(frame.schemas, 'schemas', MAX_PEER_SCHEMAS).map(schema),
    nodes: list(frame.nodes, 'nodes').map(node),
    values: list(frame.values, 'values').map((v) => text(v, 'a value line', 64 * 1024)),
    gone: list(frame.gone, 'gone').map((v) => id(v, 'a gone node id')),
  };
}

/** Gathers one tick's declarations and values into frames, a new one past PEER_FRAME_CUT_BYTES. */
export class PeerFrameBuilder {
  private readonly frames: string[] = [];
  private frame: PeerFrame = { schemas: [], nodes: [], values: [], gone: [] };
  private bytes = 0;

  schema(key: number, names: readonly string[]): void {
    this.frame.schemas.push([key, [...names]]);
    this.bytes += 16 + names.reduce((n, name) => n + name.length + 3, 0);
  }

  node(declared: PeerNode): void {
    this.frame.nodes.push(declared);
    this.bytes += 64 + declared[1].length + (declared[3] ? 300 : 0);
  }

  value(line: string): void {
    this.frame.values.push(line);
    this.bytes += line.length + 3;
  }

  gone(nodeId: number): void {
    this.frame.gone.push(nodeId);
    this.bytes += 12;
  }

  /** Between nodes: starts a new frame if this one is large enough. */
  cut(): void {
    if (this.bytes >= PEER_FRAME_CUT_BYTES) this.flush();
  }

  private flush(): void {
    const { schemas, nodes, values, gone } = this.frame;
    if (schemas.length + nodes.length + values.length + gone.length === 0) return;
    this.frames.push(JSON.stringify({ v: PEER_FEED_VERSION, ...this.frame }));
    this.frame = { schemas: [], nodes: [], values: [], gone: [] };
    this.bytes = 0;
  }

  /** The frames, in the order they must be sent (none if nothing happened). */
  finish(): string[] {
    this.flush();
    return this.frames;
  }
}
