/**
 * @module Generic webhook: POSTs the alert as JSON to a URL of the user's, with optional headers.
 */
import type { WebhookChannel } from '../alerts/rules';
import type { AlertMessage } from './notifier';

const TIMEOUT_MS = 10_000;

export async function sendWebhook(channel: WebhookChannel, message: AlertMessage): Promise<void> {
  const res = await fetch(channel.url, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', 'User-Agent': 'probe', ...channel.headers },
    body: JSON.stringify(message),
    signal: AbortSignal.timeout(TIMEOUT_MS),
  });
  await res.arrayBuffer();
  if (!res.ok) throw new Error(`HTTP ${res.status} from the webhook`);
}
