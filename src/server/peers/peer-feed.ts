/**
 * @module The live feed between the servers of a cluster (docs/cluster.md): this server follows each peer of
 * `cluster.peers` (peer-link.ts) and shows its agents' nodes live, and serves /ws/peer to peers
 * that follow it (Bearer `cluster.secret`), sending them its own agents' samples every
 * PEER_BATCH_MS (peer-outlet.ts). Nothing it receives is stored, judged by alert rules or passed on.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer } from 'ws';
import type WebSocket from 'ws';
import type { ClusterConfig } from '../../config/cluster';
import { NamesPool } from '../../protocol/row';
import type { Clock, Timer } from '../../util/clock';
import { log } from '../../util/log';
import type { Hub } from '../fleet/hub';
import { refuseUpgrade } from '../net/http-body';
import { PeerClaims, PeerIntake } from './peer-intake';
import { PEER_ID_HEADER, PeerLink } from './peer-link';
import { PeerOutlet } from './peer-outlet';

/** How often followers are sent what changed. */
export const PEER_BATCH_MS = 200;
/** How long a node whose agent left stays online on pages, in case it is moving to another server. */
export const HANDOVER_MS = 3000;
/** How often at most the index of node names is remade for a name it lacks. */
const INDEX_EVERY_MS = 1000;
/** Followers at once. */
const MAX_FOLLOWERS = 32;
/** A follower with this much unsent skips ticks; behind for STUCK_MS, it is cut (it reconnects afresh). */
const BEHIND_BYTES = 8 * 1024 * 1024;
const STUCK_MS = 60_000;

const digest = (text: string) => createHash('sha256').update(text).digest();

export class PeerFeed {
  /** Names this server itself by, so it never follows itself when its own URL is among the peers. */
  readonly selfId = randomBytes(12).toString('base64url');
  private readonly wss = new WebSocketServer({ noServer: true, maxPayload: 1024, perMessageDeflate: false });
  private readonly outlets = new Map<WebSocket, { outlet: PeerOutlet; behindSince: number }>();
  private readonly links: PeerLink[];
  private readonly claims: PeerClaims;
  private readonly secretDigest: Buffer | null;
  private readonly pool = new NamesPool();
  /** Node ids by name, and when that index was made (remade at most once a second, for names it lacks). */
  private byName = new Map<string, number>();
  private indexedAt = -Infinity;
  private timer: Timer | null = null;

  constructor(
    private readonly hub: Hub,
    config: ClusterConfig,
    private readonly clock: Clock,
  ) {
    this.secretDigest = config.secret ? digest(config.secret) : null;
    this.claims = new PeerClaims(hub);
    this.links = config.peers.map(
      (url) =>
        new PeerLink({
          url,
          secret: config.secret,
          selfId: this.selfId,
          clock,
          intake: () => new PeerIntake(hub, this.claims, (name) => this.idOf(name), this.pool),
        }),
    );
  }

  /** This server's id of the node named `name`, if it has one. */
  private idOf(name: string): number | undefined {
    const id = this.byName.get(name);
    if (id !== undefined && this.hub.get(id)?.name === name) return id;
    const now = this.clock.now();
    if (now - this.indexedAt < INDEX_EVERY_MS) return undefined;
    this.indexedAt = now;
    this.byName = new Map(this.hub.ids().map((i) => [this.hub.get(i)!.name, i]));
    return this.byName.get(name);
  }

  start(): this {
    for (const link of this.links) link.start();
    this.timer = this.clock.every(PEER_BATCH_MS, () => this.tick()).unref();
    return this;
  }

  /** For /healthz: peers followed and connected, followers, and nodes shown online through a peer. */
  figures(): { peers: number; peersConnected: number; followers: number; nodesViaPeers: number } {
    return {
      peers: this.links.length,
      peersConnected: this.links.filter((l) => l.connected).length,
      followers: this.outlets.size,
      nodesViaPeers: this.claims.size,
    };
  }

  /** /ws/peer: 401 without the right secret, 409 for this server itself, 503 past MAX_FOLLOWERS. */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const given = /^Bearer (\S+)$/.exec(String(req.headers.authorization ?? ''))?.[1];
    if (!this.secretDigest || !given || !timingSafeEqual(digest(given), this.secretDigest)) {
      log.warn('cluster peer refused: wrong or missing cluster secret', { address: req.socket.remoteAddress, code: 'PROBE_ERR_AUTH' });
      const message = this.secretDigest
        ? 'wrong or missing cluster secret: every server needs the same cluster.secret'
        : 'this server has no cluster.secret, so no peer may follow it';
      return refuseUpgrade(socket, 401, { code: 'PROBE_ERR_AUTH', message });
    }
    if (req.headers[PEER_ID_HEADER] === this.selfId)
      return refuseUpgrade(socket, 409, { code: 'PROBE_ERR_PEER', message: 'this is the server itself' });
    if (this.outlets.size >= MAX_FOLLOWERS)
      return refuseUpgrade(socket, 503, { code: 'PROBE_ERR_BUSY', message: `at most ${MAX_FOLLOWERS} peers follow one server` });
    this.wss.handleUpgrade(req, socket, head, (ws) => {
      this.outlets.set(ws, { outlet: new PeerOutlet(), behindSince: 0 });
      log.info('cluster peer following this server', { address: req.socket.remoteAddress });
      ws.on('error', () => ws.terminate());
      ws.on('close', () => this.outlets.delete(ws));
    });
  }

  /** One batch: handovers that ran out end, and each follower gets what changed since its last. */
  private tick(): void {
    this.hub.settle();
    const now = this.clock.now();
    for (const [ws, state] of this.outlets) {
      if (ws.readyState !== ws.OPEN) continue;
      if (ws.bufferedAmount > BEHIND_BYTES) {
        state.behindSince ||= now;
        if (now - state.behindSince > STUCK_MS) ws.terminate();
        continue;
      }
      state.behindSince = 0;
      for (const frame of state.outlet.frames(this.hub)) ws.send(frame, { binary: false });
      if (state.outlet.full) ws.close(1013, 'too many metric lists; reconnect');
    }
  }

  /** Stops following peers and cuts followers (they reconnect to whichever server is up). */
  stop(): void {
    this.timer?.cancel();
    for (const link of this.links) link.stop();
    for (const ws of this.wss.clients) ws.terminate();
    this.wss.close();
  }
}
