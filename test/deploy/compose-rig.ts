/**
 * @module deploy/compose run without Docker: the repository's own Caddyfile under Debian's caddy,
 * in front of two `dist/probe server` processes started as the image starts them (its CMD, the
 * compose `probe.json`, the compose environment), a real PostgreSQL 15 and a real VictoriaMetrics.
 * Only the container names are rewritten: each service is an address on loopback, and the
 * proxy's network (the range the servers trust) is 127.0.0.1, where caddy connects from.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { TestContext } from 'node:test';
import { BINARY, ROOT, run, tempDir, waitFor } from '../helpers';
import type { Running } from '../helpers';
import { startPostgres } from '../postgres';
import { freePort, startVictoriaMetrics } from '../e2e/tsdb';

export const CADDY = '/usr/bin/caddy';
const DIR = path.join(ROOT, 'deploy/compose');

/** The proxy's fixed address in the compose network, the one address probe.json trusts. */
const PROXY_ADDRESS = '172.30.0.10';

type Service = { environment?: Record<string, string> };

/** docker-compose.yml as JSON (PyYAML: there is no Docker here to read it). */
export function composeFile(): { services: Record<string, Service> } {
  const json = execFileSync(
    'python3',
    ['-c', 'import json, sys, yaml; print(json.dumps(yaml.safe_load(open(sys.argv[1]))))', path.join(DIR, 'docker-compose.yml')],
    { encoding: 'utf8' },
  );
  return JSON.parse(json) as { services: Record<string, Service> };
}

/** `text` with every `from` replaced by its `to` (container names to loopback addresses); each must be there. */
function rewrite(text: string, names: Record<string, string>, strict = true): string {
  let out = text;
  for (const [from, to] of Object.entries(names)) {
    if (strict && !out.includes(from)) throw new Error(`deploy/compose no longer names ${from}: update the rig`);
    out = out.split(from).join(to);
  }
  return out;
}

/** `${NAME:?message}` and `${NAME}` as Compose fills them from .env; a missing one throws, as Compose refuses. */
function interpolate(value: string, dotEnv: Record<string, string>): string {
  return value.replace(/\$\{(\w+)(?::\?[^}]*)?\}/g, (_, name: string) => {
    const v = dotEnv[name];
    if (v === undefined) throw new Error(`deploy/compose needs ${name} in .env`);
    return v;
  });
}

/** The Dockerfile's `CMD [...]`, as the servers are started. */
function imageCommand(): string[] {
  const line = /^CMD (\[.*\])$/m.exec(readFileSync(path.join(DIR, 'Dockerfile'), 'utf8'))![1]!;
  return JSON.parse(line) as string[];
}

export interface ProbeServer {
  name: string;
  proc: Running;
  /** Its own address (for what a user of Compose cannot reach directly: stop and kill only). */
  address: string;
  /** The environment `docker compose exec <name> probe …` gets. */
  env: Record<string, string>;
}

export interface ComposeRig {
  dir: string;
  proxy: string;
  caddy: Running;
  vm: Awaited<ReturnType<typeof startVictoriaMetrics>>;
  servers: ProbeServer[];
}

/** PostgreSQL and VictoriaMetrics (together), then probe-a and probe-b, then the proxy. */
export async function startCompose(t: TestContext): Promise<ComposeRig> {
  const dir = tempDir(t, 'probe-compose-');
  const [pg, vm] = await Promise.all([
    startPostgres(tempDir(t, 'probe-compose-pg-')),
    freePort().then((port) => startVictoriaMetrics(dir, port, { dedup: true })),
  ]);
  t.after(() => pg.proc.stop('SIGINT'));
  t.after(() => vm.proc.stop());
  // The postgres image makes POSTGRES_DB for POSTGRES_USER; here the same by hand.
  const pgLib = await import('pg');
  const admin = new pgLib.default.Client({ connectionString: pg.url });
  await admin.connect();
  await admin.query('CREATE DATABASE probe');
  await admin.end();

  const [portA, portB, portProxy] = [await freePort(), await freePort(), await freePort()];
  const proxy = `http://127.0.0.1:${portProxy}`;
  const names = {
    'probe-a:8080': `127.0.0.1:${portA}`,
    'probe-b:8080': `127.0.0.1:${portB}`,
    'postgres:5432': new URL(pg.url).host,
    'localhost:8080': `127.0.0.1:${portProxy}`,
  };
  const dotEnv = { PROBE_CLUSTER_SECRET: randomBytes(32).toString('hex'), POSTGRES_PASSWORD: randomBytes(16).toString('hex') };
  const config = path.join(dir, 'probe.json');
  writeFileSync(
    config,
    rewrite(readFileSync(path.join(DIR, 'probe.json'), 'utf8'), {
      'victoriametrics:8428': new URL(vm.base).host,
      [PROXY_ADDRESS]: '127.0.0.1',
    }),
  );
  const { services } = composeFile();
  const command = imageCommand().map((arg) => (arg === '/etc/probe/probe.json' ? config : arg));
  const servers = ['probe-a', 'probe-b'].map((name, i): ProbeServer => {
    const compose = services[name]!.environment!;
    rewrite(Object.values(compose).join('\n'), names);
    const environment = Object.entries(compose).map(([k, v]) => [k, rewrite(interpolate(v, dotEnv), names, false)]);
    const address = `127.0.0.1:${[portA, portB][i]}`;
    const data = path.join(dir, name);
    mkdirSync(data);
    // The Dockerfile's ENV, on this server's own directory and address.
    const env = { ...Object.fromEntries(environment), PROBE_DATA: data, PROBE_LISTEN: address };
    const proc = run(BINARY, command, { cwd: dir, env });
    t.after(() => proc.stop());
    return { name, proc, address, env };
  });
  for (const s of servers) await waitFor(`${s.name} to listen`, async () => (await fetch(`http://${s.address}/healthz`)).ok, 20_000);

  const caddy = await startCaddy(t, dir, portProxy, names);
  return { dir, proxy, caddy, vm, servers };
}

/**
 * The repository's Caddyfile with the upstreams' names rewritten and `:80` on a free loopback port;
 * `admin off` (no admin endpoint on :2019) and its state in `dir`, so it touches nothing outside.
 */
async function startCaddy(t: TestContext, dir: string, port: number, names: Record<string, string>): Promise<Running> {
  const source = readFileSync(path.join(DIR, 'Caddyfile'), 'utf8');
  const caddyfile = path.join(dir, 'Caddyfile');
  const upstreams = rewrite(source, { 'probe-a:8080': names['probe-a:8080']!, 'probe-b:8080': names['probe-b:8080']! });
  writeFileSync(caddyfile, `{\n\tadmin off\n}\n${rewrite(upstreams, { ':80 {': `:${port} {\n\tbind 127.0.0.1` })}`);
  const home = path.join(dir, 'caddy-home');
  const caddy = run(CADDY, ['run', '--config', caddyfile, '--adapter', 'caddyfile'], {
    env: { HOME: home, XDG_DATA_HOME: path.join(home, 'data'), XDG_CONFIG_HOME: path.join(home, 'config') },
  });
  t.after(() => caddy.stop());
  await waitFor('caddy to proxy', async () => (await fetch(`http://127.0.0.1:${port}/healthz`)).ok, 20_000, 50);
  return caddy;
}
