/**
 * @module The admin's alert rules, notification channels and audit log: signals and the actions
 * that change them through /api/admin/rules, /channels and /audit.
 */
import { signal } from '@preact/signals';
import type { AuditEntry, ChannelsView, OkReply, RuleCheckReply, RulesView } from '../../src/protocol/admin';
import { api, attempt } from './admin-api';

export const rulesView = signal<RulesView | null>(null);
export const channelsView = signal<ChannelsView | null>(null);
export const auditLog = signal<AuditEntry[]>([]);

export async function loadSetup(): Promise<void> {
  const [rules, channels, audit] = await Promise.all([
    api<RulesView>('GET', '/api/admin/rules'),
    api<ChannelsView>('GET', '/api/admin/channels'),
    api<AuditEntry[]>('GET', '/api/admin/audit?limit=50'),
  ]);
  rulesView.value = rules;
  channelsView.value = channels;
  auditLog.value = audit;
}

const named = (kind: 'rules' | 'channels', name: string) => `/api/admin/${kind}/${encodeURIComponent(name)}`;

/** Creates a rule (`original` null) or replaces the admin rule named `original`. */
export function saveRule(original: string | null, rule: Record<string, unknown>, ok: string): Promise<boolean> {
  return attempt(async () => {
    rulesView.value =
      original === null
        ? await api<RulesView>('POST', '/api/admin/rules', rule)
        : await api<RulesView>('PUT', named('rules', original), rule);
    await loadSetup();
  }, ok);
}

export function deleteRule(name: string): Promise<boolean> {
  return attempt(async () => {
    rulesView.value = await api<RulesView>('DELETE', named('rules', name));
    await loadSetup();
  });
}

/** Whether the rule parses and which nodes it would fire for now; never throws. */
export async function checkRule(rule: Record<string, unknown>): Promise<RuleCheckReply> {
  try {
    return await api<RuleCheckReply>('POST', '/api/admin/rules/validate', rule);
  } catch (err) {
    return { ok: false, error: (err as Error).message, wouldFire: [] };
  }
}

/** Creates or edits a channel; secret fields left empty keep their stored values. */
export function saveChannel(name: string, config: Record<string, unknown>, ok: string): Promise<boolean> {
  return attempt(async () => {
    channelsView.value = await api<ChannelsView>('PUT', named('channels', name), config);
    await loadSetup();
  }, ok);
}

export function deleteChannel(name: string): Promise<boolean> {
  return attempt(async () => {
    channelsView.value = await api<ChannelsView>('DELETE', named('channels', name));
    await loadSetup();
  });
}

export function testChannel(name: string, ok: string): Promise<boolean> {
  return attempt(() => api<OkReply>('POST', `${named('channels', name)}/test`, {}), ok);
}
