/**
 * @module A real PostgreSQL 15 (Debian's postgresql, per test/requirements.mjs) for the cluster tests:
 * a fresh cluster in a temp dir, listening on a free loopback port and a unix socket in that dir,
 * stopped by its PID. As root (initdb refuses root) it runs as the `postgres` user through setpriv,
 * which execs, so the PID stopped is the postmaster's own. The cluster is a copy of one initdb made
 * once per machine into the user's cache (`probe-tests/`, as test/wine-prefix.ts does): initdb
 * cost ~0.85 CPU seconds for each of the suite's seven clusters, a copy ~0.1.
 */
import { execFileSync } from 'node:child_process';
import { chownSync, existsSync, mkdirSync, mkdtempSync, renameSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { run, testCache, waitFor } from './helpers';
import type { Running } from './helpers';
import { freePort } from './e2e/tsdb';

export const PG_BIN = '/usr/lib/postgresql/15/bin';

export interface Postgres {
  url: string;
  proc: Running;
  /** Starts the postmaster again on the same data and port (after `proc.stop`); `proc` is the new one. */
  restart(): Promise<void>;
}

function asUser(): string[] {
  if (process.getuid?.() !== 0) return [];
  const uid = Number(execFileSync('id', ['-u', 'postgres']).toString().trim());
  const gid = Number(execFileSync('id', ['-g', 'postgres']).toString().trim());
  return ['setpriv', `--reuid=${uid}`, `--regid=${gid}`, '--clear-groups', '--'];
}

type Command = (bin: string, args: string[]) => [string, string[]];

/** The machine's initdb'd cluster to copy, made if missing (by whichever test gets there first). */
function template(cmd: Command, asUserPrefix: string[]): string {
  const owner = asUserPrefix.length ? 'postgres' : String(process.getuid?.() ?? 'user');
  const dir = testCache(`pg15-cluster-${owner}`);
  if (existsSync(path.join(dir, 'PG_VERSION'))) return dir;
  // Made in a temp dir: as root, initdb runs as `postgres`, which may not enter the user's home.
  const parent = mkdtempSync(path.join(os.tmpdir(), 'probe-pg-template-'));
  if (asUserPrefix.length) chownSync(parent, Number(asUserPrefix[1]!.split('=')[1]), Number(asUserPrefix[2]!.split('=')[1]));
  const [initCmd, initArgs] = cmd('initdb', ['-D', path.join(parent, 'pg'), '-A', 'trust', '-U', 'probe', '--no-sync', '-E', 'UTF8']);
  execFileSync(initCmd, initArgs, { stdio: 'pipe' });
  const placed = `${dir}.${process.pid}`;
  mkdirSync(path.dirname(dir), { recursive: true });
  execFileSync('cp', ['-a', path.join(parent, 'pg'), placed]);
  try {
    renameSync(placed, dir);
  } catch {
    rmSync(placed, { recursive: true, force: true }); // another test made it meanwhile
  }
  rmSync(parent, { recursive: true, force: true });
  return dir;
}

/** A copy of the template cluster in `dir`/pg, then the postmaster; resolves once it accepts connections. */
export async function startPostgres(dir: string): Promise<Postgres> {
  const prefix = asUser();
  if (prefix.length) {
    const uid = Number(prefix[1]!.split('=')[1]);
    const gid = Number(prefix[2]!.split('=')[1]);
    chownSync(dir, uid, gid);
  }
  const data = path.join(dir, 'pg');
  const cmd: Command = (bin, args) =>
    prefix.length ? [prefix[0]!, [...prefix.slice(1), path.join(PG_BIN, bin), ...args]] : [path.join(PG_BIN, bin), args];
  execFileSync('cp', ['-a', template(cmd, prefix), data]);
  const port = await freePort();
  const [pgCmd, pgArgs] = cmd('postgres', [
    '-D',
    data,
    '-p',
    String(port),
    '-k',
    dir,
    '-c',
    'listen_addresses=127.0.0.1',
    '-c',
    'fsync=off',
  ]);
  const url = `postgres://probe@127.0.0.1:${port}/postgres`;
  const pg = await import('pg');
  const up = () =>
    waitFor(
      'PostgreSQL to accept connections',
      async () => {
        const client = new pg.default.Client({ connectionString: url });
        await client.connect();
        await client.end();
        return true;
      },
      20_000,
      100,
    );
  const server: Postgres = {
    url,
    proc: run(pgCmd, pgArgs),
    async restart() {
      server.proc = run(pgCmd, pgArgs);
      await up();
    },
  };
  await up();
  return server;
}
