/**
 * @module What /api/admin/* answers and takes, beyond the node views in messages.ts: the admin
 * page (web/state/admin.ts) and the server (server/admin/admin-api.ts) both read these.
 */
import type { AlertsView, PageAccessView } from './messages';

/** POST /api/admin/setup, /login and GET /api/admin/session: the token every state-changing request sends as X-CSRF-Token. */
export interface SessionReply {
  csrf: string;
}

/** Answers that only confirm. */
export interface OkReply {
  ok: true;
}

/** A node key, shown once, with the commands that install or run an agent with it (POST …/rotate-key). */
export interface NodeKeyReply {
  key: string;
  /** `probe agent --server … --key …`. */
  command: string;
  /** The one-line install for Linux and macOS. */
  install: string;
  /** The one-line install for Windows PowerShell. */
  installWindows: string;
}

/** POST /api/admin/nodes. */
export interface AddedNodeReply extends NodeKeyReply {
  id: number;
  name: string;
}

/** POST /api/admin/nodes: the node's name, and optionally its group and country code. */
export interface AddNodeRequest {
  name: string;
  group?: string;
  location?: string;
}

/** PATCH /api/admin/nodes/:id: the fields to change; `hidden: null` follows the config file again. */
export interface EditNodeRequest {
  name?: string;
  group?: string;
  location?: string;
  hidden?: boolean | null;
  position?: number;
}

/** GET and PUT /api/admin/page. */
export interface PageModeReply {
  mode: PageAccessView['mode'];
}

/** PUT /api/admin/page: a password only with mode "password" (left out, the current one stays). */
export interface PageModeRequest extends PageModeReply {
  password?: string;
}

/** A rule from the config file, as the admin lists it. */
export interface AdminRuleView {
  name: string;
  kind: string;
  severity: string;
  notify: string[];
}

/** GET /api/admin/alerts: the rules, the channels by name, and what fires now (every event, whatever page.alerts says). */
export interface AdminAlertsView extends AlertsView {
  rules: AdminRuleView[];
  channels: string[];
}

/** A silence made in the admin; null rule or node means any. GET, POST and DELETE /api/admin/silences answer the list. */
export interface SilenceView {
  rule: string | null;
  node: string | null;
  /** Unix ms. */
  until: number;
  reason: string;
}

/** POST /api/admin/silences: `until` as an ISO 8601 time; at least one of rule or node. */
export interface SilenceRequest {
  rule?: string;
  node?: string;
  until: string;
  reason?: string;
}
