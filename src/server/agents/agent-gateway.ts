/**
 * @module /ws/agent: authenticates agents by the key in the Authorization header (401 before
 * the upgrade if unknown), parses their messages, feeds the hub and the ingest queue, and acks
 * each sample once it is committed. One live connection per node: a new one replaces the old.
 */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer } from 'ws';
import type WebSocket from 'ws';
import { MAX_AGENT_MESSAGE_BYTES, PROTOCOL_VERSION } from '../../protocol/messages';
import type { AgentMessage, ServerMessage } from '../../protocol/messages';
import { isKnownMetric } from '../../protocol/metrics';
import { NamesPool } from '../../protocol/row';
import type { Row } from '../../protocol/row';
import type { DecodedFields } from '../../protocol/compact';
import { parseAgentMessage } from '../../protocol/parse';
import type { ParseResult } from '../../protocol/parse';
import type { Store } from '../../store/store';
import { systemClock } from '../../util/clock';
import type { Clock } from '../../util/clock';
import { BurstLog, log } from '../../util/log';
import { VERSION } from '../../version';
import { ACK_INTERVAL_MS, AUTO_ACK_MAX_AGENTS, AckPacer } from './ack-pacer';
import type { AckPace } from './ack-pacer';
import { SilenceWatch } from './agent-silence';
import type { Heard } from './agent-silence';
import { holdAll } from './agent-hold';
import { refuseUpgrade } from '../net/http-body';
import type { Hub } from '../fleet/hub';
import type { IngestQueue } from './ingest-queue';
import { bearerKey, hashKey, keyMatches } from '../fleet/keys';
import { ClockOffset } from './clock-offset';
import { FailureTracker, TokenBucket, addressKey } from '../net/limits';
import { DEFAULT_METRIC_NAMES_PER_NODE, MetricBudget, tellBudget } from './metric-budget';

export { ACK_INTERVAL_MS, AUTO_ACK_MAX_AGENTS } from './ack-pacer';

/** Consecutive bad messages after which the connection is closed. */
const MAX_BAD_IN_A_ROW = 10;
/**
 * Messages per second one agent may send, with a burst. Backfill after an outage sends about
 * 1 000 per second; anything far above is a flood, and the connection is closed.
 */
const MESSAGE_RATE = 2000;
const MESSAGE_BURST = 4000;
/** Connection events logged one by one per second; beyond, counted (see BurstLog). */
const EVENT_LINES_PER_SECOND = 20;

/** One agent's connection; silent ones are cut and their nodes shown offline (see agent-silence.ts). */
interface AgentConnection extends Heard {
  ws: WebSocket;
  nodeId: number;
  name: string;
  keyHash: string;
  schema: string[] | null;
  /** Decoding state of compact frames; reset by each hello. */
  compact: { prev: DecodedFields | null };
  /** Its acks; their interval is fixed, or chosen at hello (see AUTO_ACK_MAX_AGENTS). */
  acks: AckPace<WebSocket>;
  badInARow: number;
  rate: TokenBucket;
  /** The agent was told its node's metric name budget is spent (once per connection). */
  toldBudget: boolean;
  /** Its node's clock offset, kept across connections; samples are stored at the server's time. */
  clockOffset: ClockOffset;
  correctTs: (seq: number, ts: number) => number;
}

export interface AgentGatewayOptions {
  store: Store;
  hub: Hub;
  queue: IngestQueue;
  /** The clock for timers and time (systemClock unless given). */
  clock?: Clock;
  /** The time only, on the system's timers (`clock` wins if both are given). */
  now?: () => number;
  /** A fixed ack interval, or 'auto' (the default; see AUTO_ACK_MAX_AGENTS). */
  ackIntervalMs?: number | 'auto';
  /** AUTO_ACK_MAX_AGENTS, unless a test lowers it. */
  autoAckMaxAgents?: number;
  /** How long after hello an agent may be silent before it is cut (agent-silence's HELLO_TIMEOUT_MS unless a test shortens it). */
  helloGraceMs?: number;
  /** Called with every live sample (alert rules run here). */
  onSample?: (nodeId: number, row: Row) => void;
  /** Each node's budget of metric names (one with the default size unless given). */
  budget?: MetricBudget;
}

function send(ws: WebSocket, msg: ServerMessage): void {
  if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(msg));
}

export class AgentGateway {
  private readonly wss = new WebSocketServer({ noServer: true, maxPayload: MAX_AGENT_MESSAGE_BYTES, perMessageDeflate: false });
  private readonly byNode = new Map<number, AgentConnection>();
  /** Each node's clock offset, kept while the server runs (a reconnecting agent's backfill needs it at once). */
  private readonly offsets = new Map<number, ClockOffset>();
  private readonly silence: SilenceWatch<AgentConnection>;
  private readonly acks: AckPacer<WebSocket>;
  private readonly clock: Clock;
  private readonly now: () => number;
  private readonly ackIntervalMs: number | 'auto';
  private readonly failures = new FailureTracker();
  private readonly events: BurstLog;
  private readonly names = new NamesPool();
  readonly budget: MetricBudget;

  constructor(private readonly options: AgentGatewayOptions) {
    this.clock = options.clock ?? (options.now ? { ...systemClock, now: options.now } : systemClock);
    this.now = () => this.clock.now();
    this.budget = options.budget ?? new MetricBudget(DEFAULT_METRIC_NAMES_PER_NODE, (id) => options.store.metricNames(id), this.now);
    options.hub.subscribe((event) => {
      if ('removed' in event) for (const id of event.removed) this.budget.forget(id);
    });
    this.ackIntervalMs = options.ackIntervalMs ?? 'auto';
    this.events = new BurstLog(EVENT_LINES_PER_SECOND, this.now);
    this.silence = new SilenceWatch(
      this.clock,
      () => this.byNode.values(),
      (conn, silentMs) => this.dropSilent(conn, silentMs),
      options.helloGraceMs,
    );
    this.acks = new AckPacer(this.clock, (ws, seq) => send(ws, { type: 'ack', seq }));
  }

  private dropSilent(conn: AgentConnection, silentMs: number): void {
    const what = conn.intervalMs === null ? 'agent sent no hello' : 'agent silent for two intervals';
    this.events.write('warn', `${what}; dropping its connection`, { node: conn.name, silentMs });
    // An agent that is only slow still learns what was stored, and resends less when it is back.
    this.acks.flush(conn.acks);
    conn.revoked = true;
    conn.ws.terminate();
  }

  get connectedCount(): number {
    return this.byNode.size;
  }

  /** `address` is the client's address (the proxy's, unless the proxy is trusted to name it). */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer, address = req.socket.remoteAddress ?? ''): void {
    const now = this.now();
    // A valid key is always let in, whatever else came from its address (a NAT, a proxy without
    // --trust-proxy): checking one is a hash and an indexed lookup. Only bad keys are limited.
    const key = bearerKey(req.headers.authorization);
    const record = key ? this.options.store.findNodeByKeyHash(hashKey(key)) : null;
    if (!key || !record || !keyMatches(key, record.keyHash)) {
      const client = addressKey(address);
      const blocked = this.failures.blockedFor(client, now);
      if (blocked > 0) {
        const retry = Math.ceil(blocked / 1000);
        refuseUpgrade(
          socket,
          429,
          {
            code: 'PROBE_ERR_RATE',
            message: `too many failed authentications from this address: try again in ${retry} s (a valid key is let in meanwhile)`,
          },
          { 'Retry-After': retry },
        );
        return;
      }
      const delay = this.failures.fail(client, now);
      // Never the key; client addresses only at debug level (no IPs in logs by default).
      this.events.write('warn', 'agent refused: unknown key', { code: 'PROBE_ERR_AUTH' });
      log.debug('agent refused: unknown key', { remote: address });
      const answer = () =>
        refuseUpgrade(socket, 401, {
          code: 'PROBE_ERR_AUTH',
          message: 'unknown node key: send "Authorization: Bearer <key>" with a key from `probe node add`',
        });
      // A guessing client waits longer after each failure.
      if (delay > 0) this.clock.after(delay, answer).unref();
      else answer();
      return;
    }
    // A node added by the CLI a moment ago may not have reached the hub's periodic sync yet.
    if (!this.options.hub.get(record.id)) {
      const records = this.options.store.listNodes();
      log.debug('new node connecting; syncing hub', { nodes: records.length });
      this.options.hub.sync(records);
    }
    this.wss.handleUpgrade(req, socket, head, (ws) => this.accept(ws, record.id, record.name, record.keyHash));
  }

  private accept(ws: WebSocket, nodeId: number, name: string, keyHash: string): void {
    const previous = this.byNode.get(nodeId);
    if (previous) {
      this.events.write('info', 'agent reconnected; closing its previous connection', { node: name });
      previous.ws.close(4000, 'replaced by a newer connection with the same key');
    }
    const clockOffset = this.offsets.get(nodeId) ?? new ClockOffset();
    this.offsets.set(nodeId, clockOffset);
    const conn: AgentConnection = {
      ws,
      nodeId,
      name,
      keyHash,
      schema: null,
      compact: { prev: null },
      acks: this.acks.open(ws, this.ackIntervalMs === 'auto' ? ACK_INTERVAL_MS : this.ackIntervalMs),
      lastMessageAt: this.now(),
      intervalMs: null,
      helloAt: 0,
      badInARow: 0,
      revoked: false,
      rate: new TokenBucket(MESSAGE_RATE, MESSAGE_BURST, this.now()),
      toldBudget: false,
      clockOffset,
      correctTs: (seq, ts) => this.correctTs(conn, seq, ts),
    };
    this.byNode.set(nodeId, conn);
    ws.on('message', (data, isBinary) => this.onMessage(conn, data, isBinary));
    ws.on('error', (err) => this.events.write('warn', 'agent connection error', { node: name, error: err.message }));
    ws.on('close', () => {
      this.acks.forget(conn.acks);
      if (this.byNode.get(nodeId) !== conn) return;
      this.byNode.delete(nodeId);
      this.options.hub.setOnline(nodeId, false);
      this.events.write('info', 'agent disconnected', { node: name });
    });
  }

  private onMessage(conn: AgentConnection, data: WebSocket.RawData, isBinary: boolean): void {
    if (conn.revoked) return;
    conn.lastMessageAt = this.now();
    if (!conn.rate.take(this.now())) {
      log.warn('agent sends too fast; closing its connection', { node: conn.name, code: 'PROBE_ERR_RATE' });
      send(conn.ws, { type: 'error', code: 'PROBE_ERR_RATE', message: `more than ${MESSAGE_RATE} messages per second` });
      conn.revoked = true;
      conn.ws.close(1008, 'too many messages');
      return;
    }
    const result: ParseResult<AgentMessage> = isBinary
      ? { ok: false, code: 'PROBE_ERR_BAD_MESSAGE', message: 'binary frames are not part of the protocol: send JSON text' }
      : parseAgentMessage(data.toString(), { schema: conn.schema, now: this.now(), compact: conn.compact, correctTs: conn.correctTs });
    if (!result.ok) {
      conn.badInARow++;
      if (conn.badInARow <= 3) log.warn('bad message from agent', { node: conn.name, code: result.code, error: result.message });
      send(conn.ws, { type: 'error', code: result.code, message: result.message });
      // Everything after a broken compact frame would be misread: start over on a new connection (the agent resends).
      if (result.fatal || conn.badInARow >= MAX_BAD_IN_A_ROW) {
        conn.revoked = true;
        conn.ws.close(1008, result.fatal ? 'broken compact frame' : 'too many bad messages');
      }
      return;
    }
    conn.badInARow = 0;
    const msg = result.value;
    const { hub, store, queue } = this.options;
    if (msg.type === 'hello') {
      conn.schema = this.names.intern(msg.metrics);
      conn.intervalMs = msg.intervalMs;
      conn.helloAt = this.now();
      if (this.ackIntervalMs === 'auto')
        conn.acks.intervalMs =
          this.byNode.size <= (this.options.autoAckMaxAgents ?? AUTO_ACK_MAX_AGENTS)
            ? Math.min(msg.intervalMs, ACK_INTERVAL_MS)
            : ACK_INTERVAL_MS;
      conn.compact.prev = null;
      if (msg.ts !== undefined) conn.clockOffset.restart(msg.ts, this.now());
      hub.setClockOffset(conn.nodeId, conn.clockOffset.offsetMs);
      store.setHost(conn.nodeId, msg.host);
      hub.setHost(conn.nodeId, msg.host);
      hub.setOnline(conn.nodeId, true);
      send(conn.ws, {
        type: 'welcome',
        protocol: PROTOCOL_VERSION,
        serverVersion: VERSION,
        node: conn.name,
        ignoredMetrics: msg.metrics.filter((m) => !isKnownMetric(m)),
        ackIntervalMs: conn.acks.intervalMs,
        compact: true,
      });
      this.events.write('info', 'agent connected', { node: conn.name, agentVersion: msg.agentVersion });
      return;
    }
    const { row, newNames, refused, firstRefusal } = this.budget.admit(conn.nodeId, msg.row);
    if (refused > 0) tellBudget(conn, firstRefusal, this.budget, (msg) => send(conn.ws, msg));
    if (
      !queue.push({ nodeId: conn.nodeId, seq: msg.seq, ts: msg.ts, row, ...(newNames ? { newNames } : {}) }, () =>
        this.acks.committed(conn.acks, msg.seq),
      )
    ) {
      // The agent keeps this sample and everything after it, and sends them again after reconnecting.
      this.events.write('warn', 'ingest queue full; asking the agent to come back later', { node: conn.name, code: 'PROBE_ERR_BUSY' });
      send(conn.ws, { type: 'error', code: 'PROBE_ERR_BUSY', message: 'the server is not keeping up with writes; reconnect later' });
      conn.revoked = true;
      conn.ws.close(1013, 'try again later');
      return;
    }
    // Alerts judge the present: backfilled samples are stored but not evaluated.
    if (hub.sample(conn.nodeId, msg.ts, row)) this.options.onSample?.(conn.nodeId, row);
  }

  /** Learns the node's clock offset from a sample as it arrives, and gives the sample's time on the server's clock. */
  private correctTs(conn: AgentConnection, seq: number, ts: number): number {
    const at = conn.clockOffset.take(seq, ts, this.now());
    this.options.hub.setClockOffset(conn.nodeId, conn.clockOffset.offsetMs);
    return at;
  }

  /** The store is not writing: each agent hears so when its ack is due (see agent-hold.ts). */
  hold(reason: string): void {
    holdAll(this.byNode.values(), this.now(), reason, send);
  }

  /** Drops connections whose node was removed or whose key was rotated by the CLI. */
  revokeStale(): void {
    for (const conn of this.byNode.values()) {
      const record = this.options.hub.get(conn.nodeId);
      if (!record || record.keyHash !== conn.keyHash) {
        log.info('node removed or key rotated; disconnecting its agent', { node: conn.name });
        conn.revoked = true;
        conn.ws.close(4001, 'key no longer valid');
      }
    }
  }

  close(): void {
    this.silence.close();
    this.acks.close();
    this.events.flush();
    for (const conn of this.byNode.values()) conn.ws.close(1001, 'server shutting down');
    this.wss.close();
  }

  /** Cuts every connection that did not finish its close handshake. */
  terminate(): void {
    for (const ws of this.wss.clients) ws.terminate();
  }
}
