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
import type { HelloMessage, SampleMessage } from '../../protocol/messages';
import { isKnownMetric } from '../../protocol/metrics';
import { NamesPool } from '../../protocol/row';
import type { Row } from '../../protocol/row';
import type { Store } from '../../store/store';
import { systemClock } from '../../util/clock';
import type { Clock } from '../../util/clock';
import { BurstLog, log } from '../../util/log';
import { VERSION } from '../../version';
import { ACK_INTERVAL_MS, AUTO_ACK_MAX_AGENTS, AckPacer } from './ack-pacer';
import { AgentAuth } from './agent-auth';
import { MESSAGE_BURST, MESSAGE_RATE, readMessage, send } from './agent-connection';
import type { AgentConnection } from './agent-connection';
import { SilenceWatch } from './agent-silence';
import { holdAll } from './agent-hold';
import type { Hub } from '../fleet/hub';
import type { IngestQueue } from './ingest-queue';
import { ClockOffset } from './clock-offset';
import { TokenBucket } from '../net/limits';
import { DEFAULT_METRIC_NAMES_PER_NODE, MetricBudget, tellBudget } from './metric-budget';

export { ACK_INTERVAL_MS, AUTO_ACK_MAX_AGENTS } from './ack-pacer';

/** Connection events logged one by one per second; beyond, counted (see BurstLog). */
const EVENT_LINES_PER_SECOND = 20;

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
  /** Each node's newest sample stored before the server started (its clock offset goes on from there). */
  newestStored?: (nodeId: number) => { seq: number; ts: number } | undefined;
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
  private readonly auth: AgentAuth;
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
    this.auth = new AgentAuth(options.store, this.clock, this.events);
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
    const record = this.auth.nodeFor(req, socket, address);
    if (!record) return;
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
    const clockOffset =
      this.offsets.get(nodeId) ?? new ClockOffset(undefined, this.options.hub.clockOffset(nodeId), this.options.newestStored?.(nodeId));
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
      correctTs: (seq, ts, now) => this.correctTs(conn, seq, ts, now),
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
    const msg = readMessage(conn, data, isBinary, this.now);
    if (msg?.type === 'hello') this.hello(conn, msg);
    else if (msg) this.sample(conn, msg);
  }

  private hello(conn: AgentConnection, msg: HelloMessage): void {
    const { hub, store } = this.options;
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
  }

  private sample(conn: AgentConnection, msg: SampleMessage): void {
    const { row, newNames, refused, firstRefusal } = this.budget.admit(conn.nodeId, msg.row);
    if (refused > 0) tellBudget(conn, firstRefusal, this.budget, (msg) => send(conn.ws, msg));
    if (
      !this.options.queue.push({ nodeId: conn.nodeId, seq: msg.seq, ts: msg.ts, row, newNames: newNames ?? undefined }, () =>
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
    if (this.options.hub.sample(conn.nodeId, msg.ts, row)) this.options.onSample?.(conn.nodeId, row);
  }

  /** Learns the node's clock offset from a sample as it arrives, and gives the sample's time on the server's clock. */
  private correctTs(conn: AgentConnection, seq: number, ts: number, now: number): number {
    const at = conn.clockOffset.take(seq, ts, now);
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
