/**
 * @module Generic webhook: POSTs the alert as JSON to a URL of the user's, with optional headers,
 * or the user's own body template with `{{field}}` placeholders.
 */
import type { WebhookChannel } from '../alerts/rules';
import type { AlertMessage } from './notifier';

const TIMEOUT_MS = 10_000;

/**
 * Fills `{{rule}}`, `{{text}}`, … with the message's fields, JSON-string-escaped (no quotes added),
 * so a JSON template stays valid JSON whatever a node or rule is called. Unknown names stay empty.
 */
export function renderTemplate(template: string, message: AlertMessage): string {
  return template.replace(/\{\{\s*(\w+)\s*\}\}/g, (_, name: string) => {
    const value = (message as unknown as Record<string, unknown>)[name];
    return value === undefined || value === null ? '' : JSON.stringify(String(value)).slice(1, -1);
  });
}

export async function sendWebhook(channel: WebhookChannel, message: AlertMessage): Promise<void> {
  const res = await fetch(channel.url, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', 'User-Agent': 'probe', ...channel.headers },
    body: channel.template ? renderTemplate(channel.template, message) : JSON.stringify(message),
    signal: AbortSignal.timeout(TIMEOUT_MS),
  });
  await res.arrayBuffer();
  if (!res.ok) throw new Error(`HTTP ${res.status} from the webhook`);
}
