/**
 * @module Email over SMTP with nodemailer: implicit TLS (port 465, `secure`) or STARTTLS, which is
 * required by default so credentials never cross the network in the clear.
 */
import type { EmailChannel } from '../alerts/rules';
import type { AlertMessage } from './notifier';

export async function sendEmail(channel: EmailChannel, m: AlertMessage): Promise<void> {
  const { createTransport } = await import('nodemailer');
  const transport = createTransport({
    host: channel.host,
    port: channel.port,
    secure: channel.secure,
    requireTLS: channel.requireTLS && !channel.secure,
    auth: channel.user ? { user: channel.user, pass: channel.pass } : undefined,
    connectionTimeout: 10_000,
    greetingTimeout: 10_000,
    socketTimeout: 20_000,
  });
  try {
    await transport.sendMail({
      from: channel.from,
      to: channel.to,
      subject: `${m.state === 'firing' ? `[${m.severity}]` : '[resolved]'} ${m.rule} on ${m.node}`,
      text: `${m.text}\n\n${m.link}\n`,
    });
  } finally {
    transport.close();
  }
}
