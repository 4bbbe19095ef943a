/**
 * With server.publicUrl unset, install links are built only for a Host known to be this server:
 * a forged Host gets 400 PROBE_ERR_CONFIG instead of a script (or an admin command) that sends
 * the node key elsewhere. (From source the server has no executable: /install.sh answers 404
 * past the check; test/e2e/install.test.ts reads the script itself.)
 */
import assert from 'node:assert/strict';
import os from 'node:os';
import { test } from 'node:test';
import { loadConfig } from '../../../src/config/load';
import { TestAgent, client, startTestServer } from '../test-server';
import { httpFrom } from '../http-from';

test('/install.sh and /install.ps1 are built only for a Host known to be this server', async (t) => {
  const s = await startTestServer(t, { ackIntervalMs: 0 }, (config) => {
    config.server.allowedHosts = ['status.example.com'];
  });
  const get = (path: string, host: string) => httpFrom(s.base, 'GET', path, { headers: { Host: host } });
  for (const path of ['/install.sh', '/install.ps1']) {
    const forged = await get(path, 'attacker.example:8080');
    assert.equal(forged.status, 400, path);
    assert.equal(forged.body.code, 'PROBE_ERR_CONFIG');
    assert.match(String(forged.body.message), /server\.publicUrl/);
  }
  assert.equal((await get('/install.sh', '203.0.113.99')).status, 400, "an address that is not this machine's");
  for (const host of [
    `127.0.0.1:${s.server.port}`,
    `localhost:${s.server.port}`,
    `[::1]:${s.server.port}`,
    `${os.hostname()}:${s.server.port}`,
    'status.example.com',
    'STATUS.example.com:443',
  ]) {
    assert.equal((await get('/install.sh', host)).status, 404, `${host}: past the check (no executable from source)`);
  }
  assert.equal((await get('/download/probe', 'attacker.example')).status, 404, 'downloads carry no address and need no check');
  assert.equal((await get('/nothing-here', 'attacker.example')).status, 404);
});

test('with server.publicUrl set, the links use it whatever the Host', async (t) => {
  const s = await startTestServer(t, { ackIntervalMs: 0 }, (config) => {
    config.server.publicUrl = 'https://status.example.org';
  });
  assert.equal((await httpFrom(s.base, 'GET', '/install.sh', { headers: { Host: 'attacker.example' } })).status, 404);
  const admin = client(s);
  await admin.signIn();
  const added = await admin.call('POST', '/api/admin/nodes', { name: 'n1' });
  assert.match(String(added.body.install), /^curl -fsSL https:\/\/status\.example\.org\/install\.sh /);
});

test("the admin's install commands: a Host its browser reached us at is believed (and remembered for /install.sh); a forged one refuses before the key is made", async (t) => {
  const s = await startTestServer(t);
  const admin = client(s);
  await admin.signIn();
  const cookie = admin.cookieHeader();
  const csrf = String((await admin.call('GET', '/api/admin/session')).body.csrf);
  const addNode = (name: string, headers: Record<string, string>) =>
    httpFrom(s.base, 'POST', '/api/admin/nodes', { body: { name }, headers: { Cookie: cookie, 'X-CSRF-Token': csrf, ...headers } });

  const forged = await addNode('n1', { Host: 'status.example.net' });
  assert.equal(forged.status, 400, 'no Origin: not shown to be a browser at that address');
  assert.equal(forged.body.code, 'PROBE_ERR_CONFIG');
  assert.equal(
    (
      await httpFrom(s.base, 'POST', '/api/admin/nodes', {
        body: { name: 'n1' },
        headers: { Cookie: cookie, 'X-CSRF-Token': csrf, Host: 'status.example.net', Origin: 'https://attacker.example' },
      })
    ).status,
    400,
  );
  assert.deepEqual(
    ((await admin.call('GET', '/api/admin/nodes')).body as unknown as unknown[]).length,
    0,
    'no node was added (its key would have been lost)',
  );

  const added = await addNode('n1', { Host: 'status.example.net', Origin: 'http://status.example.net' });
  assert.equal(added.status, 201);
  assert.match(String(added.body.install), /^curl -fsSL http:\/\/status\.example\.net\/install\.sh /);
  assert.equal(
    (await httpFrom(s.base, 'GET', '/install.sh', { headers: { Host: 'status.example.net' } })).status,
    404,
    'the name is known now',
  );
  const rotated = await httpFrom(s.base, 'POST', `/api/admin/nodes/${String(added.body.id)}/rotate-key`, {
    body: {},
    headers: { Cookie: cookie, 'X-CSRF-Token': csrf, Host: 'elsewhere.example' },
  });
  assert.equal(rotated.status, 400, 'a rotation is refused before the old key is replaced');
  const agent = new TestAgent(s.ws, String(added.body.key));
  await agent.opened;
  agent.close();
});

test('server.allowedHosts takes names and addresses, and refuses URLs or ports with PROBE_ERR_CONFIG', () => {
  assert.deepEqual(loadConfig({ env: { PROBE_ALLOWED_HOSTS: 'Status.Example.com, 203.0.113.7,[2001:db8::1]' } }).server.allowedHosts, [
    'status.example.com',
    '203.0.113.7',
    '2001:db8::1',
  ]);
  for (const bad of ['https://status.example.com', 'status.example.com:8443', 'bad_name.example', '-x.example']) {
    assert.throws(
      () => loadConfig({ env: { PROBE_ALLOWED_HOSTS: bad } }),
      (err: Error & { code?: string }) => err.code === 'PROBE_ERR_CONFIG' && err.message.includes('server.allowedHosts'),
      bad,
    );
  }
});
