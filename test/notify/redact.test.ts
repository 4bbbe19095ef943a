/**
 * Failed notifications are logged without the channel's secrets: tokens, passwords in URLs,
 * webhook URLs (the URL is the secret for most chat services), header values.
 */
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import type { Channel } from '../../src/notify/channels';
import { parseChannels } from '../../src/notify/channels';
import type { AlertMessage } from '../../src/notify/notifier';
import { sendWithRetry } from '../../src/notify/notifier';
import { redact } from '../../src/notify/redact';
import { setLogLevel } from '../../src/util/log';
import { startReceiver } from './receiver';

const message: AlertMessage = {
  rule: 'cpu-high',
  node: 'tokyo-1',
  group: '',
  state: 'firing',
  severity: 'warning',
  value: 95,
  metric: 'cpu',
  since: 1_764_000_000_000,
  link: 'http://x/#/node/1',
  text: 'cpu 95 > 90',
};

/** A loopback port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  await new Promise((r) => server.close(r));
  return port;
}

/** Log lines written while `fn` runs. */
async function logged(fn: () => Promise<unknown>): Promise<string[]> {
  const lines: string[] = [];
  const original = process.stderr.write.bind(process.stderr);
  process.stderr.write = ((chunk: string) => (lines.push(String(chunk).trimEnd()), true)) as typeof process.stderr.write;
  try {
    await fn();
  } finally {
    process.stderr.write = original;
  }
  return lines;
}

test("a failed send logs why without the channel's secrets: a malformed Telegram URL, credentials in a webhook URL, secret paths and queries, header values", async (t) => {
  setLogLevel('info');
  const receiver = await startReceiver(t);
  receiver.failWith = [500, 500, 500, 500];
  const port = new URL(receiver.url).port;
  const closed = await closedPort();
  const secrets = [
    '123456789:AAHsecretBotToken',
    'hunter2secret',
    'T000/B000/XXXXwebhookXXXX',
    'accesstoken0123456789',
    'SECdingtalk0123456789',
    'Bearer hdr-secret-0123',
    'gotifyAppToken01',
    'my-private-topic-01',
  ];
  const channels = parseChannels({
    telegram: { type: 'telegram', botToken: secrets[0], chatId: '42', apiUrl: 'https://api.telegram.org:99999' },
    creds: { type: 'webhook', url: `http://admin:${secrets[1]}@127.0.0.1:${port}/hook` },
    slack: { type: 'slack', url: `http://127.0.0.1:${closed}/services/${secrets[2]}` },
    ding: { type: 'dingtalk', url: `http://127.0.0.1:${port}/robot/send?access_token=${secrets[3]}`, secret: secrets[4] },
    hook: { type: 'webhook', url: receiver.url, headers: { Authorization: secrets[5] } },
    gotify: { type: 'gotify', server: `http://127.0.0.1:${closed}`, token: secrets[6] },
    ntfy: { type: 'ntfy', server: 'http://[::1', topic: secrets[7] },
  });
  const lines = await logged(async () => {
    for (const [name, channel] of Object.entries(channels)) await sendWithRetry(name, channel, message, { attempts: 2, baseDelayMs: 1 });
  });
  const text = lines.join('\n');
  for (const secret of secrets) {
    assert.ok(!text.includes(secret) && !text.includes(encodeURIComponent(secret)), `"${secret}" is in the log:\n${text}`);
  }
  assert.match(text, /channel=telegram .*Failed to parse URL from https:\/\/api\.telegram\.org:99999\/…/, 'what is wrong still shows');
  assert.match(text, /channel=creds .*includes credentials: http:\/\/127\.0\.0\.1:\d+\/…/);
  assert.match(text, /channel=slack .*fetch failed \(connect ECONNREFUSED 127\.0\.0\.1:\d+\)/, 'the cause of "fetch failed" is shown');
  assert.match(text, /channel=hook .*HTTP 500/);
  assert.equal(lines.filter((l) => l.includes('giving up')).length, Object.keys(channels).length, 'every channel failed');
});

test('redact keeps what helps and drops secrets wherever they appear', () => {
  const channel = { type: 'telegram', botToken: 'tok:SECRET', chatId: '1', apiUrl: 'https://bot.example.com' } as Channel;
  assert.equal(redact('POST https://bot.example.com/bottok:SECRET/sendMessage failed', channel), 'POST https://bot.example.com/… failed');
  assert.equal(redact('token tok%3ASECRET refused', channel), 'token *** refused');
  assert.equal(redact('connect ECONNREFUSED 127.0.0.1:443', channel), 'connect ECONNREFUSED 127.0.0.1:443');
});
