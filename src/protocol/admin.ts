/**
 * @module What /api/admin/* answers and takes, beyond the node views in messages.ts: the admin
 * page (web/state/admin.ts) and the server (server/admin/admin-api.ts) both read these.
 */
import type { AlertsView, PageAccessView, PageLink } from './messages';

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

/** GET and PUT /api/admin/page: who may see the page, and its title, description and links. */
export interface PageModeReply {
  mode: PageAccessView['mode'];
  info: PageInfoView;
}

/**
 * PUT /api/admin/page: the access mode (a password only with mode "password"; left out, the
 * current one stays) and/or any of title, description and links.
 */
export interface PageModeRequest {
  mode?: PageAccessView['mode'];
  password?: string;
  title?: string;
  description?: string;
  links?: PageLink[];
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

/** One field of a channel type's config, for the admin's generated form. */
export interface ChannelFieldSpec {
  name: string;
  /** `list`: strings; `headers`: an object of header names to values; `longtext`: a multi-line string. */
  kind: 'text' | 'url' | 'number' | 'bool' | 'list' | 'headers' | 'longtext';
  required?: boolean;
  /** Write-only: never sent back; left empty on an edit, the stored value stays. */
  secret?: boolean;
  /** The default, shown as a placeholder. */
  hint?: string;
}

/** Where a rule, channel or setting comes from: the config file (read-only here) or the admin. */
export type Source = 'file' | 'admin';

/** A channel as GET /api/admin/channels lists it: its config without secrets, and which secrets are set. */
export interface ChannelView {
  name: string;
  type: string;
  source: Source;
  /** Its config as in the file's `notifications.<name>`, secret fields left out. */
  config: Record<string, unknown>;
  /** The secret fields that hold a value. */
  secretsSet: string[];
  /** A file channel of the same name hides this admin one. */
  shadowed?: boolean;
}

/** GET /api/admin/channels. */
export interface ChannelsView {
  channels: ChannelView[];
  /** Every channel type's fields. */
  types: Record<string, ChannelFieldSpec[]>;
}

/** A rule as GET /api/admin/rules lists it: as written (the file's `alerts.rules[]` shape). */
export interface RuleView {
  name: string;
  source: Source;
  enabled: boolean;
  /** The rule as in the config file's shape (kind, metric, op, threshold, expr, for, notify, …). */
  rule: Record<string, unknown>;
  /** A file rule of the same name hides this admin one. */
  shadowed?: boolean;
}

/** GET /api/admin/rules. */
export interface RulesView {
  rules: RuleView[];
  /** Every `kind` value a rule may have. */
  kinds: string[];
  /** Channels rules may name (the file's and the admin's). */
  channels: string[];
}

/** POST /api/admin/rules/validate: whether the rule parses, the error naming the field if not, and the nodes it would fire for now. */
export interface RuleCheckReply {
  ok: boolean;
  error?: string;
  /** Names of nodes whose condition holds now (without waiting for `for`). */
  wouldFire: string[];
}

/** One entry of the audit log (GET /api/admin/audit, newest first). */
export interface AuditEntry {
  ts: number;
  /** The client's address. */
  address: string;
  /** What changed, such as `rule "cpu" created`. */
  action: string;
}

/** GET /api/admin/2fa and POST /api/admin/2fa/disable: whether sign-in needs a TOTP code. */
export interface SecondFactorReply {
  enabled: boolean;
  /** Unused recovery codes. */
  recoveryLeft: number;
}

/** POST /api/admin/2fa/setup: a new secret (base32) and the URI an authenticator app takes; confirmed with a code. */
export interface SecondFactorSetupReply {
  secret: string;
  uri: string;
}

/** POST /api/admin/2fa/confirm: the recovery codes, shown once. */
export interface RecoveryCodesReply {
  recoveryCodes: string[];
}

/**
 * The page's title, description and footer links as GET /api/admin/page shows them; `fromFile`:
 * those the config file sets (read-only here).
 */
export interface PageInfoView {
  title: string;
  description: string;
  links: PageLink[];
  fromFile: ('title' | 'description' | 'links')[];
}

/** GET /api/admin/nodes/:id/notes: the node's notes in the config file's `nodes.<name>` shape, and where they come from (null: none). */
export interface NodeNotesView {
  source: Source | null;
  notes: Record<string, unknown>;
}
