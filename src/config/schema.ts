/**
 * @module The configuration: its shape and its defaults (where each key can come from: settings.ts).
 */
import os from 'node:os';
import type { Rule, Silence } from '../alerts/rules';
import type { Check } from '../checks/checks';
import type { Channel } from '../notify/channels';
import type { AlertsVisibility, PageLink } from '../protocol/messages';
import type { NodeSettings } from './page';
import type { ClusterConfig } from './cluster';
import type { HistoryReadTarget, RemoteWriteTarget } from './remote-write';
import type { CommandMetric } from '../agent/collectors/commands';
import type { LatencyTarget } from '../agent/collectors/latency';
import path from 'node:path';
import { DEFAULT_RETENTION } from '../store/tiers';
import type { Retention } from '../store/tiers';

export interface ServerConfig {
  /** host:port to listen on. */
  listen: string;
  /** Directory holding probe.db. */
  data: string;
  /** Run an agent inside the server process that reports this machine. */
  localAgent: boolean;
  /** Page title. */
  title: string;
  /** Base URL agents use to reach this server, shown in `probe node add` output. */
  publicUrl: string;
  /**
   * Names (or addresses) this server is reached at besides publicUrl, localhost and the machine's
   * own: install links are built for them, and their pages may open the live feed.
   */
  allowedHosts: string[];
  /** PEM files for HTTPS/WSS directly; both or neither. Re-read on SIGHUP. */
  tlsCert: string;
  tlsKey: string;
  /** Behind a reverse proxy: take the client address from X-Forwarded-For, as `trustedProxies` write it. */
  trustProxy: boolean;
  /** Addresses or CIDR ranges of the proxies whose X-Forwarded-For is believed (loopback by default). */
  trustedProxies: string[];
  /**
   * How often an agent is sent an ack at most, in ms, or 'auto'. Acks are also what tells an agent
   * its server is alive: it gives up after this (or its interval, if longer) plus one interval of
   * silence. 'auto': once per sample interval (at most 5 s) while at most 1 000 agents are
   * connected, else every 5 s.
   */
  ackIntervalMs: number | 'auto';
  /**
   * Distinct metric names each node may store, built-in and custom together; past it, samples are
   * stored without their new names and the agent is told (PROBE_ERR_METRIC_BUDGET).
   */
  metricNamesPerNode: number;
}

export interface AgentConfig {
  /** ws:// or wss:// URLs of the servers, the preferred one first (the others are fallbacks). */
  servers: string[];
  /** While on a fallback server, how often the agent checks whether the first one is back. */
  preferredRetryMs: number;
  /** The node key printed by `probe node add`. */
  key: string;
  intervalMs: number;
  /** Where the agent keeps its sample buffer. */
  stateDir: string;
  bufferMaxBytes: number;
  bufferMaxAgeMs: number;
  /** TCP connect-time probes: label, host, port. */
  latencyTargets: LatencyTarget[];
  latencyIntervalMs: number;
  /** Directory of *.prom files read for custom metrics; '' for none. */
  textfileDir: string;
  /** Where the host's / is mounted when the agent runs in a container (with the host's PID namespace); '' otherwise. */
  hostRoot: string;
  /** Custom metric commands from this node's own config file. */
  commands: CommandMetric[];
  /** Service checks this node's agent runs, from its own config file only (see docs/checks.md). */
  checks: Check[];
  /** PEM file of extra CA certificates to trust for wss:// (besides the built-in ones). */
  ca: string;
}

export interface PageConfig {
  /** A line under the title. */
  description: string;
  /** Footer links. */
  links: PageLink[];
  /** Send each node's hostname to the public page (off: hostnames stay on the server). */
  showHostnames: boolean;
  /** Alerts on the public page and GET /api/alerts: none, firing ones, or also recent events. */
  alerts: AlertsVisibility;
}

export interface Config {
  server: ServerConfig;
  agent: AgentConfig;
  page: PageConfig;
  /** Per-node public notes, hiding and traffic reset day, by node name (config file only). */
  nodes: Record<string, NodeSettings>;
  /** How long each history tier is kept, in ms. */
  retention: Retention;
  /** Where else history goes (config file only). */
  history: { remoteWrite: RemoteWriteTarget[]; read: HistoryReadTarget | null };
  /** Other servers whose agents' live values this one shows (docs/cluster.md). */
  cluster: ClusterConfig;
  /** Notification channels by name (config file only). */
  channels: Record<string, Channel>;
  /** Alert rules (config file only). */
  rules: Rule[];
  /** Alert silences (config file only). */
  silences: Silence[];
  /** Service checks the server runs (config file only; see docs/checks.md). */
  checks: Check[];
  /** A registry shared by several servers: PostgreSQL connection string, '' for none (docs/cluster.md). */
  store: { postgres: string };
  logLevel: 'debug' | 'info' | 'warn' | 'error';
}

export const DEFAULTS: Config = {
  server: {
    listen: '0.0.0.0:8080',
    data: './probe-data',
    localAgent: false,
    title: 'probe',
    publicUrl: '',
    allowedHosts: [],
    tlsCert: '',
    tlsKey: '',
    trustProxy: false,
    trustedProxies: ['127.0.0.0/8', '::1'],
    ackIntervalMs: 'auto',
    metricNamesPerNode: 1000,
  },
  agent: {
    servers: ['ws://127.0.0.1:8080'],
    preferredRetryMs: 30_000,
    key: '',
    intervalMs: 1000,
    stateDir: path.join(os.homedir(), '.probe-agent'),
    bufferMaxBytes: 64 * 1024 * 1024,
    bufferMaxAgeMs: 24 * 3_600_000,
    latencyTargets: [],
    latencyIntervalMs: 10_000,
    textfileDir: '',
    hostRoot: '',
    commands: [],
    checks: [],
    ca: '',
  },
  page: { description: '', links: [], showHostnames: false, alerts: 'firing' },
  nodes: {},
  retention: { ...DEFAULT_RETENTION },
  history: { remoteWrite: [], read: null },
  cluster: { peers: [], secret: '' },
  channels: {},
  rules: [],
  silences: [],
  checks: [],
  store: { postgres: '' },
  logLevel: 'info',
};

export const MIN_INTERVAL_MS = 1000;
export const MAX_INTERVAL_MS = 3_600_000;
