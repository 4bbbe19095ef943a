/**
 * deploy/compose: no Docker runs here, so the Compose file is parsed (PyYAML) and held to what the
 * README promises: two probe servers sharing one registry in PostgreSQL and following each other
 * behind a proxy that spreads agents and pages over both, VictoriaMetrics, the image from the
 * release binary, secrets from .env only; and the config file both servers read is one
 * `probe server` takes, with the registry's URL as the servers get it.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { loadConfig } from '../../src/config/load';
import { ROOT } from '../helpers';

const DIR = path.join(ROOT, 'deploy/compose');

interface Service {
  image?: string;
  build?: { context: string; dockerfile: string };
  environment?: Record<string, string>;
  volumes?: string[];
  ports?: string[];
  command?: string[];
  profiles?: string[];
  depends_on?: string[];
}

function compose(): { services: Record<string, Service> } {
  const json = execFileSync(
    'python3',
    ['-c', 'import json, sys, yaml; print(json.dumps(yaml.safe_load(open(sys.argv[1]))))', path.join(DIR, 'docker-compose.yml')],
    { encoding: 'utf8' },
  );
  return JSON.parse(json) as { services: Record<string, Service> };
}

test('the Compose file: two probe servers on one PostgreSQL registry, as peers, a proxy over both, VictoriaMetrics', () => {
  const { services } = compose();
  assert.deepEqual(Object.keys(services).sort(), ['postgres', 'probe-a', 'probe-b', 'proxy', 'victoriametrics']);
  for (const name of ['probe-a', 'probe-b']) {
    const s = services[name]!;
    assert.equal(s.build?.dockerfile, 'deploy/compose/Dockerfile');
    const peers = s.environment!.PROBE_CLUSTER_PEERS!.split(',');
    assert.deepEqual(peers, ['http://probe-a:8080', 'http://probe-b:8080'], `${name} follows both (skipping itself)`);
    assert.match(s.environment!.PROBE_CLUSTER_SECRET!, /^\$\{PROBE_CLUSTER_SECRET:\?/, 'the secret only from .env, required');
    assert.match(
      s.environment!.PROBE_STORE_POSTGRES!,
      /^postgres:\/\/probe:\$\{POSTGRES_PASSWORD:\?[^}]+\}@postgres:5432\/probe$/,
      `${name} uses the one registry, its password only from .env`,
    );
    assert.deepEqual(s.depends_on, ['victoriametrics', 'postgres']);
    assert.ok(s.volumes!.includes('./probe.json:/etc/probe/probe.json:ro'));
    assert.ok(
      s.volumes!.some((v) => v.endsWith(':/var/lib/probe')),
      'its own data volume',
    );
  }
  assert.notEqual(services['probe-a']!.volumes![1], services['probe-b']!.volumes![1]);
  assert.ok(services.proxy!.volumes!.includes('./Caddyfile:/etc/caddy/Caddyfile:ro'));
  assert.ok(services.victoriametrics!.command!.includes('-dedup.minScrapeInterval=1ms'), 'a sample both servers sent is kept once');
  assert.match(services.postgres!.environment!.POSTGRES_PASSWORD!, /^\$\{POSTGRES_PASSWORD:\?/);
  assert.equal(services.postgres!.environment!.POSTGRES_USER, 'probe');
  assert.equal(services.postgres!.environment!.POSTGRES_DB, 'probe');
});

test('the proxy spreads both servers; the image copies the release binary; the config file is valid', () => {
  const caddy = readFileSync(path.join(DIR, 'Caddyfile'), 'utf8');
  assert.match(caddy, /reverse_proxy probe-a:8080 probe-b:8080 \{/);
  assert.match(caddy, /health_uri \/healthz/);
  const dockerfile = readFileSync(path.join(DIR, 'Dockerfile'), 'utf8');
  assert.match(dockerfile, /^COPY dist\/probe \/usr\/local\/bin\/probe$/m);
  assert.doesNotMatch(dockerfile, /^RUN .*npm/m, 'no build inside the image: it takes the release binary');
  const config = loadConfig({
    file: path.join(DIR, 'probe.json'),
    env: {
      PROBE_CLUSTER_PEERS: 'http://probe-a:8080,http://probe-b:8080',
      PROBE_CLUSTER_SECRET: 'x'.repeat(64),
      PROBE_STORE_POSTGRES: 'postgres://probe:0123456789abcdef@postgres:5432/probe',
    },
  });
  assert.equal(config.store.postgres, 'postgres://probe:0123456789abcdef@postgres:5432/probe');
  assert.equal(config.history.remoteWrite[0]!.url, 'http://victoriametrics:8428/api/v1/write');
  assert.equal(config.history.read!.url, 'http://victoriametrics:8428');
  assert.deepEqual(config.server.trustedProxies.length, 1);
  const { services } = compose();
  const proxyNet = services.proxy as unknown as { networks: { probe: { ipv4_address: string } } };
  assert.deepEqual(
    config.server.trustedProxies,
    [proxyNet.networks.probe.ipv4_address],
    "the servers trust the proxy's fixed address alone: Docker's gateway, in the network's range, is not a proxy",
  );
});

test("each image's build context holds what its Dockerfile copies, and no .env secrets", () => {
  const ignoreLines = (file: string) =>
    readFileSync(file, 'utf8')
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l && !l.startsWith('#'));
  // BuildKit (Compose v2) reads <Dockerfile>.dockerignore beside the Dockerfile instead of the root one;
  // the root one leaves dist/ out (the multi-stage image builds it), which made `COPY dist/probe` fail in Docker.
  const rootIgnore = ignoreLines(path.join(ROOT, '.dockerignore'));
  assert.ok(rootIgnore.includes('dist'));
  assert.ok(rootIgnore.includes('**/.env'), "deploy/Dockerfile's COPY . . must not take deploy/compose/.env into a layer");
  const clusterIgnore = ignoreLines(path.join(DIR, 'Dockerfile.dockerignore'));
  assert.equal(clusterIgnore[0], '*', 'the cluster image sends nothing but what it copies');
  const copied = [...readFileSync(path.join(DIR, 'Dockerfile'), 'utf8').matchAll(/^COPY (\S+) /gm)].map((m) => m[1]);
  assert.deepEqual(copied, ['dist/probe']);
  for (const source of copied) assert.ok(clusterIgnore.includes(`!${source}`), `${source} is in the build context`);
});
