/**
 * The Store contract (contract.ts) run against the Store a server of a cluster uses: a SQLite
 * mirror whose shared settings and sessions go through PostgreSQL (pg-shared.ts), on a real
 * PostgreSQL with a fresh database per test. Node, series, alert and check roles are the mirror's
 * own there (node writes of a cluster go through PgRegistry, tested in pg-registry.test.ts).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before } from 'node:test';
import pg from 'pg';
import { PgRegistry } from '../../src/store/pg-registry';
import { PgShared, clusterStore } from '../../src/store/pg-shared';
import { openSqliteStore } from '../../src/store/sqlite-store';
import { tempDir } from '../helpers';
import { startPostgres } from '../postgres';
import type { Postgres } from '../postgres';
import { storeContract } from './contract';

let server: Postgres;
let databases = 0;
// One PostgreSQL for the file, its dir removed once it is stopped.
const pgDir = mkdtempSync(path.join(os.tmpdir(), 'probe-pg-contract-'));
before(async () => {
  server = await startPostgres(pgDir);
});
after(async () => {
  await server.proc.stop('SIGINT');
  rmSync(pgDir, { recursive: true, force: true });
});

storeContract('postgres cluster', async (t) => {
  const name = `contract_${++databases}`;
  const admin = new pg.Client({ connectionString: server.url });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const local = openSqliteStore(tempDir(t));
  const registry = await PgRegistry.open(server.url.replace(/\/postgres$/, `/${name}`), local);
  const shared = await PgShared.open(registry, local);
  const store = clusterStore(local, shared, registry);
  return Object.assign(store, {
    close() {
      local.close();
      void registry.close();
    },
  });
});
