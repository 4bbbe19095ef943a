import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import { SMTPServer } from 'smtp-server';
import { parseChannels } from '../../src/notify/channels';
import type { AlertMessage } from '../../src/notify/notifier';
import { sendWithRetry } from '../../src/notify/notifier';

const message: AlertMessage = {
  rule: 'disk-full',
  node: 'db-1',
  group: '',
  state: 'firing',
  severity: 'critical',
  value: 97,
  metric: 'diskUsedBytes',
  since: 0,
  link: 'https://status.example.com/#/node/9',
  text: '[critical] disk-full on db-1',
};

/** A real SMTP server on loopback (no TLS offered), recording what it receives. */
async function startSmtp(t: { after(fn: () => unknown): void }) {
  const received: { from: string; to: string[]; data: string; user: string | undefined }[] = [];
  const server = new SMTPServer({
    hideSTARTTLS: true,
    allowInsecureAuth: true,
    authOptional: true,
    onAuth(auth, _session, cb) {
      if (auth.username === 'probe' && auth.password === 'pw') cb(null, { user: 'probe' });
      else cb(new Error('bad credentials'));
    },
    onData(stream, session, cb) {
      let data = '';
      stream.on('data', (c: Buffer) => (data += c.toString()));
      stream.on('end', () => {
        received.push({
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          to: session.envelope.rcptTo.map((r) => r.address),
          data,
          user: session.user as string | undefined,
        });
        cb();
      });
    },
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.after(() => new Promise<void>((r) => server.close(() => r())));
  return { port: (server.server.address() as AddressInfo).port, received };
}

test('email arrives at a real SMTP server with subject, text, link and authentication', async (t) => {
  const smtp = await startSmtp(t);
  const { mail } = parseChannels({
    mail: {
      type: 'email',
      host: '127.0.0.1',
      port: smtp.port,
      requireTLS: false,
      user: 'probe',
      pass: 'pw',
      from: 'probe@example.com',
      to: ['ops@example.com', 'oncall@example.com'],
    },
  });
  assert.equal(await sendWithRetry('mail', mail!, message, { attempts: 1, baseDelayMs: 0 }), true);
  assert.equal(smtp.received.length, 1);
  const [m] = smtp.received;
  assert.equal(m!.from, 'probe@example.com');
  assert.deepEqual(m!.to, ['ops@example.com', 'oncall@example.com']);
  assert.equal(m!.user, 'probe');
  assert.match(m!.data, /Subject: \[critical\] disk-full on db-1/);
  assert.match(m!.data, /https:\/\/status\.example\.com\/#\/node\/9/);
});

test('by default email refuses to go out without TLS', async (t) => {
  const smtp = await startSmtp(t);
  const { mail } = parseChannels({
    mail: {
      type: 'email',
      host: '127.0.0.1',
      port: smtp.port,
      user: 'probe',
      pass: 'pw',
      from: 'probe@example.com',
      to: 'ops@example.com',
    },
  });
  assert.equal(await sendWithRetry('mail', mail!, message, { attempts: 1, baseDelayMs: 0 }), false);
  assert.equal(smtp.received.length, 0);
  assert.throws(() => parseChannels({ m: { type: 'email', host: 'h', from: 'a@b', to: 'nobody' } }), /notifications.m.to/);
});
