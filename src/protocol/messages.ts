/**
 * @module Every message on the two WebSockets, as typed unions: agent <-> server on
 * `/ws/agent` and server -> page on `/ws/live`. Documented in docs/protocol.md.
 */
import type { ErrorCode } from './errors';
import type { MetricValues } from './metrics';
import type { Row } from './row';

export const PROTOCOL_VERSION = 1;

/** Largest agent message the server accepts, in bytes. */
export const MAX_AGENT_MESSAGE_BYTES = 64 * 1024;

export interface HostFacts {
  hostname: string;
  os: string;
  kernel: string;
  arch: string;
  cpuModel: string;
  cores: number;
  bootTime: number;
  /**
   * `none`, a hypervisor (`kvm`, `vmware`, `hyperv`, `xen`, `virtualbox`, `vm` when unknown) or a
   * container (`docker`, `podman`, `lxc`, `container`). Optional.
   */
  virtualization?: string;
  memTotalBytes?: number;
  diskTotalBytes?: number;
  /** Whether an interface holds a public (globally routable) address; the address itself is never sent. Optional. */
  publicIpv4?: boolean;
  publicIpv6?: boolean;
}

/** First message of every agent connection. `metrics` is the schema for array-form samples. */
export interface HelloMessage {
  type: 'hello';
  protocol: number;
  agentVersion: string;
  host: HostFacts;
  metrics: string[];
  intervalMs: number;
  /** The node's clock when it sent hello (Unix ms): the server learns the clock offset from it. Optional. */
  ts?: number;
}

/** One sample. On the wire `values` is an array aligned with hello's `metrics` or an object; parsed, a row. */
export interface SampleMessage {
  type: 'sample';
  seq: number;
  ts: number;
  row: Row;
}

export type AgentMessage = HelloMessage | SampleMessage;

export interface WelcomeMessage {
  type: 'welcome';
  protocol: number;
  serverVersion: string;
  node: string;
  /** Metrics named in hello that this server does not know and will drop. */
  ignoredMetrics: string[];
  /** The server acks at most this often; an agent may presume the connection dead after this plus two intervals of silence. */
  ackIntervalMs?: number;
  /** The server takes compact sample frames (see compact.ts) on this connection. */
  compact?: boolean;
}

/** Sample `seq`, and every sample sent before it on this connection, is committed to storage. */
export interface AckMessage {
  type: 'ack';
  seq: number;
}

export interface ErrorMessage {
  type: 'error';
  /** A PROBE_ERR_* code (errors.ts); a string, since an agent may hear codes of a newer server. */
  code: string;
  message: string;
}

/**
 * The server is alive but not storing (its disk is full, its database failing): sent instead of
 * acks, on the ack schedule, while that lasts. The agent keeps its samples and its connection.
 */
export interface HoldMessage {
  type: 'hold';
  reason: string;
}

export type ServerMessage = WelcomeMessage | AckMessage | ErrorMessage | HoldMessage;

/** What the owner chose to show about a node (config `nodes.<name>`). */
export interface NodeNotes {
  price?: string;
  /** Billing cycle as the owner writes it: "monthly", "yearly", "$5/mo"… */
  billing?: string;
  /** YYYY-MM-DD. */
  expires?: string;
  trafficLimitBytes?: number;
  note?: string;
}

export interface PageLink {
  label: string;
  url: string;
}

/** What the public page and GET /api/alerts show of alerts (config page.alerts). */
export type AlertsVisibility = 'none' | 'firing' | 'all';

/** The page's own settings, embedded in index.html as JSON. */
export interface PageInfo {
  title: string;
  description: string;
  links: PageLink[];
  version: string;
  alerts: AlertsVisibility;
}

/** GET /api/alerts: alerts firing now and, with page.alerts "all", recent events (90 days kept). */
export interface AlertsView {
  firing: { rule: string; node: string; nodeId: number; severity: string; since: number; silenced: boolean }[];
  recent: {
    ts: number;
    rule: string;
    node: string;
    nodeId: number;
    state: 'firing' | 'resolved';
    severity: string;
    value: number | null;
    text: string;
  }[];
}

/** What the public page knows about a node: no IP or key, and no hostname unless page.showHostnames. */
export interface NodeView {
  id: number;
  name: string;
  group: string;
  location: string;
  online: boolean;
  /** Unix ms of the newest sample, or null if the node never reported. */
  lastSeen: number | null;
  os: string;
  arch: string;
  cores: number;
  /** Only when the config sets page.showHostnames. */
  hostname?: string;
  /** Bytes received and sent in the current billing period (since `periodStart`, Unix ms). */
  monthRxBytes: number;
  monthTxBytes: number;
  periodStart: number;
  notes: NodeNotes | null;
  /** Place on the page chosen in the admin (lower first; ties by name). */
  position: number;
  values: MetricValues;
}

/** A node's budget of metric names (server.metricNamesPerNode) as the admin sees it. */
export interface MetricNamesView {
  /** Distinct names the node has stored, and how many it may. */
  names: number;
  limit: number;
  /** Since the server started: samples stored without some of their new names, and the names left out. */
  refusedSamples: number;
  refusedNames: number;
  /** Unix ms of the last refusal, or null. */
  lastRefusedAt: number | null;
  /** A few of the names refused first. */
  examples: string[];
}

/** GET /api/admin/nodes: a node as the admin sees it. */
export interface AdminNodeView extends NodeView {
  /** Hidden from guests now (by the admin's choice or the config file's). */
  hidden: boolean;
  /** The admin's own choice; null follows the config file. */
  hiddenSetting: boolean | null;
  metricNames: MetricNamesView;
  /** How far the node's clock is off (ms to add to its stamps; 0 when in agreement): its samples are stored at the server's time. */
  clockOffsetMs: number;
}

/** GET /healthz: `degraded` (HTTP 503) while the server cannot store samples; figures only for those who may see the page. */
export interface HealthView {
  status: 'ok' | 'degraded';
  storing?: false;
  /** `disk full` or `database not writable`. */
  reason?: string;
  /** Since when samples are not stored (Unix ms). */
  since?: number;
  version?: string;
  /** Admins only: how far ahead of the system clock the server's time is while it eases back after a step. */
  clockAheadMs?: number;
  /** Admins only: the last step of the system clock the server saw (ms, negative: back) and when (Unix ms). */
  clockStepMs?: number;
  clockStepAt?: number;
}

/** GET /api/access: whether this visitor may see the page, and how to get in if not. */
export interface PageAccessView {
  mode: 'public' | 'private' | 'password';
  granted: boolean;
  admin: boolean;
}

/** GET /api/summary: fleet totals for widgets. */
export interface Summary {
  nodes: number;
  online: number;
  offline: number;
  rxBytesPerSec: number;
  txBytesPerSec: number;
  monthRxBytes: number;
  monthTxBytes: number;
  /** Mean cpu % over online nodes that report it, or null if none does. */
  cpuAvg: number | null;
  ts: number;
}

export interface LiveSnapshot {
  type: 'snapshot';
  nodes: NodeView[];
}

/**
 * What changed in one node since the previous frame: `id`, then only the fields that changed;
 * `values` holds only metrics whose value changed, `null` for a metric no longer reported.
 * A node the page does not know yet arrives whole.
 */
export type NodeDelta = { id: number } & Partial<Omit<NodeView, 'id' | 'values'>> & { values?: Record<string, number | null> };

export interface LiveUpdate {
  type: 'update';
  nodes: NodeDelta[];
}

export interface LiveRemove {
  type: 'remove';
  ids: number[];
}

/** Every value of the node a page watches (see LiveWatch): replaces the page's copy of it. */
export interface LiveNode {
  type: 'node';
  node: NodeView;
}

/** A request the server could not take; the feed goes on. */
export interface LiveError {
  type: 'error';
  code: ErrorCode;
  message: string;
}

export type LiveMessage = LiveSnapshot | LiveUpdate | LiveRemove | LiveNode | LiveError;

/**
 * What a page may send on /ws/live: the node it shows in detail (null for none). Snapshots and
 * updates carry only the overview's metrics (isOverviewMetric); the watched node comes whole in a
 * LiveNode, then its other metrics in updates too.
 */
export interface LiveWatch {
  type: 'watch';
  id: number | null;
}
