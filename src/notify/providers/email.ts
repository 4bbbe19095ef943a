/**
 * @module Email over SMTP with nodemailer: implicit TLS (port 465, `secure`) or STARTTLS, which is
 * required by default so credentials never cross the network in the clear.
 */
import type { Provider } from '../provider';
import { configFields } from '../../util/fields';
import { optional, required } from '../provider';
import { serverPackage } from '../../util/server-package';

export interface EmailChannel {
  type: 'email';
  host: string;
  port: number;
  /** Implicit TLS (usually port 465); otherwise STARTTLS. */
  secure: boolean;
  /** Refuse to send without TLS (default true). */
  requireTLS: boolean;
  user: string;
  pass: string;
  from: string;
  to: string[];
}

export const email: Provider<EmailChannel> = {
  type: 'email',
  fields: [
    { name: 'host', kind: 'text', required: true },
    { name: 'port', kind: 'number', hint: '587' },
    { name: 'secure', kind: 'bool' },
    { name: 'requireTLS', kind: 'bool', hint: 'true' },
    { name: 'user', kind: 'text' },
    { name: 'pass', kind: 'text', secret: true },
    { name: 'from', kind: 'text', required: true },
    { name: 'to', kind: 'list', required: true },
  ],
  parse(raw, key) {
    const secure = configFields.bool(raw.secure, `${key}.secure`, false);
    const port = configFields.integer(raw.port, `${key}.port`, 1, 65535, secure ? 465 : 587);
    const to = typeof raw.to === 'string' ? [raw.to] : raw.to;
    if (!Array.isArray(to) || to.length === 0 || !to.every((a) => typeof a === 'string' && a.includes('@')))
      throw configFields.bad(`${key}.to`, 'must be an address or a list of addresses');
    return {
      type: 'email',
      host: required(raw, key, 'host'),
      port,
      secure,
      requireTLS: configFields.bool(raw.requireTLS, `${key}.requireTLS`, true),
      user: optional(raw, key, 'user', ''),
      pass: optional(raw, key, 'pass', ''),
      from: required(raw, key, 'from'),
      to: to as string[],
    };
  },
  async send(c, m) {
    const { createTransport } = await serverPackage('nodemailer', () => import('nodemailer'));
    const transport = createTransport({
      host: c.host,
      port: c.port,
      secure: c.secure,
      requireTLS: c.requireTLS && !c.secure,
      auth: c.user ? { user: c.user, pass: c.pass } : undefined,
      connectionTimeout: 10_000,
      greetingTimeout: 10_000,
      socketTimeout: 20_000,
    });
    try {
      await transport.sendMail({
        from: c.from,
        to: c.to,
        subject: `${m.state === 'firing' ? `[${m.severity}]` : '[resolved]'} ${m.rule} on ${m.node}`,
        text: `${m.text}\n\n${m.link}\n`,
      });
    } finally {
      transport.close();
    }
  },
};
