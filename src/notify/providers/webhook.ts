/**
 * @module Generic webhook: POSTs the alert as JSON to a URL of the user's, with optional headers,
 * or the user's own body template with `{{field}}` placeholders.
 */
import type { AlertMessage } from '../message';
import type { Provider } from '../provider';
import { configFields } from '../../util/fields';
import { post, urlField } from '../provider';

export interface WebhookChannel {
  type: 'webhook';
  url: string;
  headers: Record<string, string>;
  /** Body with {{field}} placeholders instead of the default JSON (set Content-Type in headers if not JSON). */
  template?: string;
}

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

export const webhook: Provider<WebhookChannel> = {
  type: 'webhook',
  fields: [
    { name: 'url', kind: 'url', required: true },
    { name: 'headers', kind: 'headers', secret: true },
    { name: 'template', kind: 'longtext' },
  ],
  parse(raw, key) {
    const url = urlField(raw, key, 'url');
    const headers = raw.headers ?? {};
    if (
      typeof headers !== 'object' ||
      headers === null ||
      Array.isArray(headers) ||
      !Object.values(headers).every((h) => typeof h === 'string')
    ) {
      throw configFields.bad(`${key}.headers`, 'must be an object of header names to string values');
    }
    const template = configFields.optionalText(raw.template, `${key}.template`, 8192);
    return { type: 'webhook', url, headers: headers as Record<string, string>, ...(template === undefined ? {} : { template }) };
  },
  send: (c, m) => post({ url: c.url, headers: c.headers, body: c.template ? renderTemplate(c.template, m) : JSON.stringify(m) }),
};
