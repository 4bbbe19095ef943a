import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { test } from 'node:test';
import { parseChannels } from '../../src/notify/channels';
import { dingtalkSign } from '../../src/notify/providers/dingtalk';
import { feishuSign } from '../../src/notify/providers/feishu';
import type { AlertMessage } from '../../src/notify/notifier';
import { sendWithRetry } from '../../src/notify/notifier';
import { startReceiver } from './receiver';

const message: AlertMessage = {
  rule: 'cpu-high',
  node: 'tokyo-1',
  group: 'asia',
  state: 'firing',
  severity: 'critical',
  value: 97,
  metric: 'cpu',
  since: 1_764_000_000_000,
  link: 'https://status.example.com/#/node/3',
  text: '[critical] cpu-high on tokyo-1: cpu 97 > 90 since 2025-11-24 16:00:00 UTC',
};

test('each chat provider sends what its service expects, to a local stand-in', async (t) => {
  const receiver = await startReceiver(t);
  const base = receiver.url.replace(/\/hook$/, '');
  const channels = parseChannels({
    telegram: { type: 'telegram', botToken: '123:ABC', chatId: '-1001', apiUrl: base },
    discord: { type: 'discord', url: `${base}/api/webhooks/1/x` },
    slack: { type: 'slack', url: `${base}/services/T/B/X` },
    ntfy: { type: 'ntfy', server: base, topic: 'ops alerts', token: 'tk' },
    gotify: { type: 'gotify', server: base, token: 'AppToken' },
    bark: { type: 'bark', server: base, deviceKey: 'dk' },
    serverchan: { type: 'serverchan', apiUrl: base, sendKey: 'SCT1' },
    dingtalk: { type: 'dingtalk', url: `${base}/robot/send?access_token=at`, secret: 'SEC' },
    feishu: { type: 'feishu', url: `${base}/open-apis/bot/v2/hook/h`, secret: 'fs' },
    wecom: { type: 'wecom', url: `${base}/cgi-bin/webhook/send?key=k` },
  });
  for (const [name, channel] of Object.entries(channels))
    assert.equal(await sendWithRetry(name, channel, message, { attempts: 1, baseDelayMs: 0 }), true, name);
  const [telegram, discord, slack, ntfy, gotify, bark, serverchan, dingtalk, feishu, wecom] = receiver.requests;
  const withLink = `${message.text}\n${message.link}`;
  assert.equal(telegram!.url, '/bot123:ABC/sendMessage');
  assert.deepEqual(telegram!.body, { chat_id: '-1001', text: withLink, disable_web_page_preview: true });
  assert.deepEqual(discord!.body, { content: withLink });
  assert.deepEqual(slack!.body, { text: withLink });
  assert.equal(ntfy!.url, '/ops%20alerts');
  assert.equal(ntfy!.raw, message.text);
  assert.equal(ntfy!.headers.title, 'CRITICAL: cpu-high on tokyo-1');
  assert.equal(ntfy!.headers.priority, 'urgent');
  assert.equal(ntfy!.headers.authorization, 'Bearer tk');
  assert.equal(gotify!.url, '/message');
  assert.equal(gotify!.headers['x-gotify-key'], 'AppToken');
  assert.deepEqual(gotify!.body, { title: 'CRITICAL: cpu-high on tokyo-1', message: withLink, priority: 8 });
  assert.deepEqual(bark!.body, {
    device_key: 'dk',
    title: 'CRITICAL: cpu-high on tokyo-1',
    body: message.text,
    url: message.link,
    group: 'probe',
  });
  assert.equal(serverchan!.url, '/SCT1.send');
  assert.match(dingtalk!.url, /^\/robot\/send\?access_token=at&timestamp=\d+&sign=/);
  assert.deepEqual(dingtalk!.body, { msgtype: 'text', text: { content: withLink } });
  const f = feishu!.body as unknown as { timestamp: string; sign: string; msg_type: string };
  assert.equal(f.msg_type, 'text');
  assert.equal(f.sign, feishuSign('fs', Number(f.timestamp)));
  assert.deepEqual(wecom!.body, { msgtype: 'text', text: { content: withLink } });
});

test("signatures match the services' documented algorithms", () => {
  assert.equal(dingtalkSign('SEC', 1_700_000_000_000), createHmac('sha256', 'SEC').update('1700000000000\nSEC').digest('base64'));
  assert.equal(feishuSign('fs', 1_700_000_000), createHmac('sha256', '1700000000\nfs').update('').digest('base64'));
});

test('errors reported inside a 200 answer count as failures', async (t) => {
  const receiver = await startReceiver(t);
  const base = receiver.url.replace(/\/hook$/, '');
  const { telegram, dingtalk } = parseChannels({
    telegram: { type: 'telegram', botToken: 't', chatId: '1', apiUrl: base },
    dingtalk: { type: 'dingtalk', url: `${base}/robot` },
  });
  receiver.answer = '{"ok":false,"description":"Bad Request: chat not found"}';
  assert.equal(await sendWithRetry('telegram', telegram!, message, { attempts: 1, baseDelayMs: 0 }), false);
  receiver.answer = '{"errcode":310000,"errmsg":"sign not match"}';
  assert.equal(await sendWithRetry('dingtalk', dingtalk!, message, { attempts: 1, baseDelayMs: 0 }), false);
});
