import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { AlertMessage } from '../../src/notify/notifier';
import { sendWithRetry } from '../../src/notify/notifier';
import { renderTemplate } from '../../src/notify/providers/webhook';
import { startReceiver } from './receiver';

const message: AlertMessage = {
  rule: 'cpu-high',
  node: 'tokyo-1',
  group: 'asia',
  state: 'firing',
  severity: 'warning',
  value: 95,
  metric: 'cpu',
  since: 1_764_000_000_000,
  link: 'http://x/#/node/1',
  text: '[warning] cpu-high on tokyo-1: cpu 95 > 90',
};

test('the webhook POSTs the alert as JSON with the configured headers', async (t) => {
  const receiver = await startReceiver(t);
  assert.equal(
    await sendWithRetry('hook', { type: 'webhook', url: receiver.url, headers: { Authorization: 'Bearer s3cret' } }, message),
    true,
  );
  assert.equal(receiver.requests.length, 1);
  const [req] = receiver.requests;
  assert.deepEqual(req!.body, message);
  assert.equal(req!.headers.authorization, 'Bearer s3cret');
  assert.match(String(req!.headers['content-type']), /application\/json/);
});

test('failures are retried with backoff; a channel that keeps failing gives up', async (t) => {
  const receiver = await startReceiver(t);
  receiver.failWith = [500, 502];
  assert.equal(
    await sendWithRetry('hook', { type: 'webhook', url: receiver.url, headers: {} }, message, { attempts: 4, baseDelayMs: 10 }),
    true,
  );
  assert.equal(receiver.requests.length, 3);
  receiver.failWith = [500, 500, 500];
  assert.equal(
    await sendWithRetry('hook', { type: 'webhook', url: receiver.url, headers: {} }, message, { attempts: 3, baseDelayMs: 10 }),
    false,
  );
  assert.equal(receiver.requests.length, 6);
});

test('a body template fills {{fields}}, escaped so quotes in names cannot break the JSON', async (t) => {
  const receiver = await startReceiver(t);
  const template = '{"msgtype":"text","content":"{{text}}","where":"{{node}}","v":"{{value}}","none":"{{nothing}}"}';
  const odd = { ...message, node: 'tokyo "1"\n' };
  assert.equal(await sendWithRetry('hook', { type: 'webhook', url: receiver.url, headers: {}, template }, odd), true);
  assert.deepEqual(JSON.parse(receiver.requests[0]!.raw), {
    msgtype: 'text',
    content: message.text,
    where: 'tokyo "1"\n',
    v: '95',
    none: '',
  });
  assert.equal(renderTemplate('{{ rule }} on {{node}}', message), 'cpu-high on tokyo-1');
});
