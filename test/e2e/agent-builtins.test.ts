/**
 * The agent loads the Node built-ins its configuration uses and no others: over ws:// with no
 * latency targets, commands or GPU, neither tls, https, http, crypto, zlib, child_process nor
 * dns/promises (tls alone put ~4 MB on its RSS, http and crypto ~2.3 MB). The agent runs from the executable's own bundle (dist/probe.cjs) under
 * node, with a preload that writes `process.moduleLoadList` on SIGUSR2. A plain http check does
 * not load tls either. And where `process.getBuiltinModule` is missing (armv7's Node 20.11), they
 * still load.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { BINARY, FIXTURES, ROOT, listeningUrl, run, tempDir, waitFor } from '../helpers';

const BUNDLE = path.join(ROOT, 'dist/probe.cjs');
const PRELOAD = `
if (process.env.DROP_GET_BUILTIN) delete process.getBuiltinModule;
process.on('SIGUSR2', () => require('node:fs').writeFileSync(process.env.MODULES_OUT, process.moduleLoadList.join('\\n')));
`;

interface AgentRun {
  args?: string[];
  env?: NodeJS.ProcessEnv;
  /** The agent's config file, given the server's http:// base URL. */
  config?: (base: string) => unknown;
  /** A value name to wait for at the server besides cpu. */
  awaitValue?: (name: string) => boolean;
}

/** A server, and an agent of the bundle under node; the built-ins it had loaded once its samples arrived. */
async function agentBuiltins(
  t: Parameters<typeof tempDir>[0],
  { args = [], env = {}, config, awaitValue }: AgentRun,
): Promise<Set<string>> {
  const dir = tempDir(t, 'probe-builtins-');
  const server = run(BINARY, ['server', '--listen', '127.0.0.1:0', '--data', path.join(dir, 'data')], { cwd: dir });
  t.after(() => server.stop());
  const base = await listeningUrl(server);
  if (config) {
    writeFileSync(path.join(dir, 'agent.json'), JSON.stringify(config(base)));
    args = [...args, '--config', path.join(dir, 'agent.json')];
  }
  const out = execFileSync(BINARY, ['node', 'add', 'lean', '--data', path.join(dir, 'data')], { encoding: 'utf8' });
  const key = /\n {2}(pk_[A-Za-z0-9_-]+)\n/.exec(out)![1]!;
  const preload = path.join(dir, 'preload.cjs');
  writeFileSync(preload, PRELOAD);
  const modulesOut = path.join(dir, 'modules.txt');
  const agent = run(
    process.execPath,
    ['--require', preload, BUNDLE, 'agent', '--server', base.replace('http', 'ws'), '--state-dir', path.join(dir, 'agent'), ...args],
    { cwd: dir, env: { PROBE_KEY: key, MODULES_OUT: modulesOut, ...env } },
  );
  t.after(() => agent.stop());
  await waitFor('a sample of the agent at the server', async () => {
    const nodes = (await (await fetch(`${base}/api/nodes`)).json()) as { online: boolean; values: Record<string, number> }[];
    const values = nodes[0]?.online ? nodes[0].values : {};
    return values.cpu !== undefined && (!awaitValue || Object.keys(values).some(awaitValue));
  });
  agent.child.kill('SIGUSR2');
  const list = await waitFor('the module list', () => (existsSync(modulesOut) ? readFileSync(modulesOut, 'utf8') : null));
  return new Set(list.split('\n').map((line) => line.replace(/^NativeModule /, '')));
}

test('an agent over ws:// with nothing optional configured loads neither tls, https, http, crypto, zlib, child_process nor dns/promises', async (t) => {
  const loaded = await agentBuiltins(t, {});
  // What it does use is listed, so the list is the agent's own.
  for (const used of ['net', 'stream', 'fs']) assert.ok(loaded.has(used), `${used} is loaded`);
  const unneeded = ['tls', 'https', 'http', 'crypto', 'zlib', 'child_process', 'dgram', 'dns/promises'].filter((m) => loaded.has(m));
  assert.deepEqual(unneeded, []);
});

test('without process.getBuiltinModule (Node < 20.16) an agent given --ca still loads tls for it', async (t) => {
  const loaded = await agentBuiltins(t, { args: ['--ca', path.join(FIXTURES, 'tls/cert-a.pem')], env: { DROP_GET_BUILTIN: '1' } });
  assert.ok(loaded.has('tls'));
});

test('an agent running a plain http check does not load tls for it', async (t) => {
  const loaded = await agentBuiltins(t, {
    config: (base) => ({ agent: { checks: [{ name: 'page', type: 'http', url: `${base}/healthz`, interval: '5s' }] } }),
    awaitValue: (name) => name.startsWith('check.http.page.'),
  });
  assert.ok(loaded.has('http'));
  assert.equal(loaded.has('tls'), false);
});
