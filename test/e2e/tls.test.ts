/**
 * Direct TLS with the real executable: HTTPS and WSS with a certificate given by flags, an agent
 * that trusts it through --ca (and one that does not), a certificate swapped and reloaded on
 * SIGHUP without dropping the connected agent, a broken renewal that keeps the old one, and the
 * admin's session cookie marked Secure over HTTPS.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import https from 'node:https';
import type { TLSSocket } from 'node:tls';
import path from 'node:path';
import { test } from 'node:test';
import type { NodeView } from '../../src/protocol/messages';
import { BINARY, FIXTURES, listeningUrl, run, tempDir, waitFor } from '../helpers';

const TLS = path.join(FIXTURES, 'tls');

function postJson(url: string, caFile: string, body: unknown): Promise<{ status: number; cookie: string }> {
  return new Promise((resolve, reject) => {
    const req = https.request(
      url,
      { method: 'POST', ca: readFileSync(caFile), agent: false, headers: { 'Content-Type': 'application/json' } },
      (res) => {
        res.resume();
        res.on('end', () => resolve({ status: res.statusCode!, cookie: String(res.headers['set-cookie']?.[0] ?? '') }));
      },
    );
    req.on('error', reject);
    req.end(JSON.stringify(body));
  });
}

/** GET over HTTPS trusting `caFile`; the body and the certificate the server showed. */
function get(url: string, caFile: string): Promise<{ status: number; body: string; subject: string }> {
  return new Promise((resolve, reject) => {
    const req = https.get(url, { ca: readFileSync(caFile), agent: false }, (res) => {
      let body = '';
      res.on('data', (c) => (body += c));
      res.on('end', () =>
        resolve({ status: res.statusCode!, body, subject: (res.socket as TLSSocket).getPeerCertificate().subject.CN as string }),
      );
    });
    req.on('error', reject);
  });
}

test('HTTPS/WSS with --tls-cert/--tls-key, agents with --ca, reload on SIGHUP without dropping agents', async (t) => {
  const dir = tempDir(t, 'probe-tls-');
  const cert = path.join(dir, 'cert.pem');
  const key = path.join(dir, 'key.pem');
  copyFileSync(path.join(TLS, 'cert-a.pem'), cert);
  copyFileSync(path.join(TLS, 'key-a.pem'), key);
  const server = run(
    BINARY,
    ['server', '--listen', '127.0.0.1:0', '--data', path.join(dir, 'data'), '--tls-cert', cert, '--tls-key', key],
    { cwd: dir },
  );
  t.after(() => server.stop());
  const base = await listeningUrl(server, 'server URL');
  const page = await get(`${base}/`, cert);
  assert.equal(page.status, 200);
  assert.equal(page.subject, 'probe test a');

  // Over HTTPS the admin's session cookie is Secure.
  const token = await waitFor('setup link', () => /#setup=([A-Za-z0-9_-]+)/.exec(server.stdout())?.[1]);
  const setup = await postJson(`${base}/api/admin/setup`, cert, { token, password: 'correct horse battery' });
  assert.equal(setup.status, 200);
  assert.match(setup.cookie, /^probe_session=[^;]+; Path=\/; HttpOnly; SameSite=Strict; Max-Age=\d+; Secure$/);

  const out = execFileSync(BINARY, ['node', 'add', 'secure-1', '--data', path.join(dir, 'data')], { encoding: 'utf8' });
  const nodeKey = /\n {2}(pk_[A-Za-z0-9_-]+)\n/.exec(out)![1]!;
  const wss = base.replace('https', 'wss');
  const untrusting = run(BINARY, ['agent', '--server', wss, '--state-dir', path.join(dir, 'untrusting')], {
    cwd: dir,
    env: { PROBE_KEY: nodeKey },
  });
  t.after(() => untrusting.stop());
  await waitFor(
    'the agent without --ca refuses the self-signed certificate',
    () => /self[- ]signed certificate/i.test(untrusting.stderr()),
    15_000,
  );
  await untrusting.stop();

  const agent = run(BINARY, ['agent', '--server', wss, '--ca', path.join(TLS, 'cert-a.pem'), '--state-dir', path.join(dir, 'agent')], {
    cwd: dir,
    env: { PROBE_KEY: nodeKey },
  });
  t.after(() => agent.stop());
  const online = async () => (JSON.parse((await get(`${base}/api/nodes`, cert)).body) as NodeView[])[0]?.online ?? false;
  await waitFor('secure-1 online over WSS', online, 15_000);

  // Renewal: new files in place, then SIGHUP.
  copyFileSync(path.join(TLS, 'cert-b.pem'), cert);
  copyFileSync(path.join(TLS, 'key-b.pem'), key);
  server.child.kill('SIGHUP');
  await waitFor('reloaded', () => server.stderr().includes('TLS certificate reloaded'));
  assert.equal((await get(`${base}/`, cert)).subject, 'probe test b', 'new connections get the new certificate');
  assert.ok(await online(), 'the connected agent stays connected');
  assert.equal(agent.stderr().match(/connected to server/g)?.length, 1, 'and did not have to reconnect');

  // A broken renewal keeps the certificate that works.
  writeFileSync(cert, 'not a certificate');
  server.child.kill('SIGHUP');
  await waitFor('refused', () => server.stderr().includes('TLS certificate not reloaded'));
  assert.equal((await get(`${base}/`, path.join(TLS, 'cert-b.pem'))).subject, 'probe test b');
});

test('a certificate without its key is a config error naming both settings', (t) => {
  const dir = tempDir(t, 'probe-tls-');
  const result = (() => {
    try {
      execFileSync(
        BINARY,
        ['server', '--listen', '127.0.0.1:0', '--data', path.join(dir, 'data'), '--tls-cert', path.join(TLS, 'cert-a.pem')],
        { encoding: 'utf8', stdio: 'pipe' },
      );
      return { status: 0, stderr: '' };
    } catch (err) {
      return err as { status: number; stderr: string };
    }
  })();
  assert.equal(result.status, 2);
  assert.match(result.stderr, /PROBE_ERR_CONFIG.*tlsCert.*tlsKey/);
});
