/**
 * @module GET /api/checks and a check's history from the real server on port 0, its checks run
 * against real loopback servers: HTTPS with a self-signed certificate that expires in 5 days
 * (openssl), a closed TCP port, ping 127.0.0.1 and the test DNS server; hidden checks kept from
 * guests; the check and cert alert kinds firing once each to a local webhook receiver.
 */
import assert from 'node:assert/strict';
import https from 'node:https';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import { parseRules } from '../../../src/alerts/rules';
import { parseChecks } from '../../../src/checks/checks';
import { parseChannels } from '../../../src/notify/channels';
import type { ChecksAnswer } from '../../../src/protocol/checks';
import type { HistoryAnswer } from '../../../src/protocol/history';
import { startDnsServer } from '../../checks/dns-server';
import { requireTool } from '../../checks/tools';
import { type tempDir, waitFor } from '../../helpers';
import { startReceiver } from '../../notify/receiver';
import { startTestServer } from '../test-server';
import { selfSignedCert } from '../../checks/self-signed';

const DAY = 86_400_000;

async function selfSigned(t: Parameters<typeof tempDir>[0]): Promise<{ url: string; made: number }> {
  const { key, cert, made } = selfSignedCert(t);
  const server = https.createServer({ key, cert }, (_req, res) => res.end('hello from the site'));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => new Promise((resolve) => server.close(resolve)));
  return { url: `https://127.0.0.1:${(server.address() as AddressInfo).port}/`, made };
}

/** A loopback port nothing listens on (bound, then closed). */
async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** An admin session on the server (the first password through its setup link). */
async function adminCookie(base: string, setupUrl: string): Promise<string> {
  const res = await fetch(`${base}/api/admin/setup`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ token: setupUrl.split('#setup=')[1], password: 'a long enough password' }),
  });
  assert.equal(res.status, 200);
  return res.headers.getSetCookie()[0]!.split(';')[0]!;
}

test('GET /api/checks: real checks of real loopback servers, uptime, history, hidden ones for admins only, alerts once', async (t) => {
  requireTool('ping', 'iputils-ping');
  const site = await selfSigned(t);
  const port = await closedPort();
  const dns = await startDnsServer({ A: { 'www.example.test': ['192.0.2.10'] } });
  t.after(() => dns.close());
  const receiver = await startReceiver(t);
  const s = await startTestServer(t, { ackIntervalMs: 0 }, (config) => {
    config.checks = parseChecks([
      { name: 'Site', type: 'https', url: site.url, keyword: 'hello', insecure: true, interval: '5s', group: 'Web' },
      { name: 'Closed', type: 'tcp', host: `127.0.0.1:${port}`, interval: '5s', hidden: true },
      { name: 'Loopback', type: 'icmp', host: '127.0.0.1', interval: '5s' },
      { name: 'Names', type: 'dns', host: 'www.example.test', expect: '192.0.2.10', resolver: dns.address, interval: '5s' },
    ]);
    config.channels = parseChannels({ hook: { type: 'webhook', url: receiver.url } });
    config.rules = parseRules(
      {
        rules: [
          { name: 'service-down', kind: 'check', for: '0s', notify: ['hook'] },
          { name: 'cert-soon', kind: 'cert', within: '14d', checks: ['Site'], notify: ['hook'] },
        ],
      },
      config.channels,
      new Set(config.checks.map((c) => c.name)),
    );
  });
  // Run and stored: a result shows at once, its uptime once the ingest queue has written it (failed
  // under a loaded CI run when read in between: uptime null).
  const guest = await waitFor('every visible check run and stored', async () => {
    const answer = (await (await fetch(`${s.base}/api/checks`)).json()) as ChecksAnswer;
    return answer.checks.every((c) => c.up !== null && c.uptime['24h'] !== null) ? answer : null;
  });
  assert.deepEqual(
    guest.checks.map((c) => [c.name, c.type, c.group, c.up]),
    [
      ['Site', 'https', 'Web', true],
      ['Loopback', 'icmp', '', true],
      ['Names', 'dns', '', true],
    ],
    'the hidden check is not for guests',
  );
  const [siteView] = guest.checks;
  assert.ok(Math.abs(siteView!.certExpiresAt! - (site.made + 5 * DAY)) < 60_000, 'the certificate expires in 5 days');
  assert.equal(siteView!.uptime['24h'], 1);
  assert.equal(siteView!.daily.length, 90);
  assert.equal(siteView!.daily.at(-1), 1);
  assert.equal(siteView!.target, undefined, 'guests do not learn what a check connects to');
  assert.ok(guest.checks.every((c) => typeof c.latencyMs === 'number'));

  const cookie = await adminCookie(s.base, s.server.setupUrl!);
  const admin = (await (await fetch(`${s.base}/api/checks`, { headers: { Cookie: cookie } })).json()) as ChecksAnswer;
  const closed = admin.checks.find((c) => c.name === 'Closed')!;
  assert.deepEqual([closed.up, closed.hidden, closed.latencyMs, closed.target], [false, true, null, `127.0.0.1:${port}`]);
  assert.match(closed.error!, /refused/);
  assert.equal(admin.checks[0]!.certVerified, false);
  assert.equal((await fetch(`${s.base}/api/checks/${closed.id}/history?range=1h`)).status, 404, 'no history of a hidden check for guests');

  // A second run of each, so that an alert sent twice would show.
  await waitFor('history of two runs', async () => {
    const history = (await (await fetch(`${s.base}/api/checks/${siteView!.id}/history?range=1h`)).json()) as HistoryAnswer;
    return (history.up as (number | null)[]).filter((v) => v === 1).length >= 1 && history.stepMs > 0 && Array.isArray(history.cert_days)
      ? history
      : null;
  });
  await waitFor(
    'second runs',
    async () => {
      const answer = (await (await fetch(`${s.base}/api/checks`, { headers: { Cookie: cookie } })).json()) as ChecksAnswer;
      return answer.checks.every((c) => c.checkedAt! >= Date.now() - 4000 && c.checkedAt! > guest.checks[0]!.checkedAt! + 4000);
    },
    15_000,
  );
  const sent = receiver.requests.map((r) => `${r.body.rule} ${r.body.state} ${r.body.node}`).sort();
  assert.deepEqual(sent, ['cert-soon firing Site', 'service-down firing Closed'], 'each alert fired once');
  const cert = receiver.requests.find((r) => r.body.rule === 'cert-soon')!.body;
  assert.equal(cert.value, 4, 'days left, rounded down');
  assert.match(cert.text, /the certificate expires in 4 days/);
  assert.match(cert.link, /\/#services$/);
});
