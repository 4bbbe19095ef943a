/**
 * The server's code is a bundle apart (server-part.cjs) from the executable's main script, which
 * every agent holds: the main script carries none of src/server/, no module is in both bundles
 * (the part takes the ones the main script holds from it), and the state they share is one: the
 * log level the CLI sets, the ProbeError class the CLI recognizes.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { copyFileSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import net from 'node:net';
import path from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { BINARY, ROOT, listeningUrl, run, tempDir } from '../helpers';

type Meta = { outputs: Record<string, { inputs: Record<string, { bytesInOutput: number }> }> };

/** The source files that put code in a bundle, and how many bytes each, from its metafile. */
function held(file: string): Map<string, number> {
  const meta = JSON.parse(readFileSync(path.join(ROOT, 'dist', file), 'utf8')) as Meta;
  return new Map(
    Object.values(meta.outputs).flatMap((o) =>
      Object.entries(o.inputs)
        .filter(([f, i]) => i.bytesInOutput > 0 && !f.includes(':'))
        .map(([f, i]) => [f, i.bytesInOutput] as const),
    ),
  );
}

test('the main script holds almost none of the server, and no module is in both bundles but the copied portable collectors', () => {
  const main = held('meta.json');
  const part = held('server-part-meta.json');
  assert.ok(main.has('src/agent/run-agent.ts') && main.has('src/cli/main.ts'), 'the main script is the CLI and the agent');
  assert.ok(part.has('src/server/run-server.ts') && part.has('src/store/sqlite-store.ts'), 'the part is the server');
  // What the CLI itself uses of them (a setting's parser, a table's name): the part takes those from it.
  const serverInMain = [...main].filter(([f]) => /^src\/(server|store)\//.test(f));
  const bytes = serverInMain.reduce((sum, [, n]) => sum + n, 0);
  assert.ok(bytes < 8 * 1024, `${bytes} bytes of the server in the main script: ${serverInMain.map(([f]) => f).join(', ')}`);
  const partBytes = [...part.values()].reduce((sum, n) => sum + n, 0);
  assert.ok(partBytes > 150 * 1024, `the part holds the server's code (${partBytes} bytes)`);
  assert.deepEqual(
    [...part.keys()].filter((f) => main.has(f) && !/^src\/agent\/collectors\/(portable|system-information)/.test(f)),
    [],
  );
  assert.ok(!part.has('src/util/log.ts') && main.has('src/util/log.ts'), 'the log module is the main script’s alone');
});

test("the server's own info lines follow the CLI's --log-level, and a ProbeError from inside it ends the CLI with its code", async (t) => {
  const dir = tempDir(t, 'probe-part-');
  const quiet = run(BINARY, ['server', '--listen', '127.0.0.1:0', '--data', path.join(dir, 'a'), '--log-level', 'warn'], { cwd: dir });
  t.after(() => quiet.stop());
  await listeningUrl(quiet);
  // "server listening" is the part's log.info: with a second log module it would print at info.
  assert.doesNotMatch(quiet.stdout() + quiet.stderr(), /server listening/);

  const busy = net.createServer();
  await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', resolve));
  t.after(() => busy.close());
  const port = (busy.address() as net.AddressInfo).port;
  const failed = await promisify(execFile)(BINARY, ['server', '--listen', `127.0.0.1:${port}`, '--data', path.join(dir, 'b')], {
    cwd: dir,
  }).then(
    () => assert.fail('a second listener on a busy port started'),
    (err: { code: number; stderr: string }) => err,
  );
  assert.match(failed.stderr, /^probe: PROBE_ERR_LISTEN: /m);
  assert.equal(failed.code, 1);
});

test('dist/probe.cjs copied without server-part.cjs says what is missing; the agent needs no part', async (t) => {
  const dir = tempDir(t, 'probe-part-alone-');
  copyFileSync(path.join(ROOT, 'dist/probe.cjs'), path.join(dir, 'probe.cjs'));
  const failed = await promisify(execFile)(process.execPath, [path.join(dir, 'probe.cjs'), 'server', '--data', path.join(dir, 'data')], {
    cwd: dir,
  }).then(
    () => assert.fail('the server started without its code'),
    (err: { code: number; stderr: string }) => err,
  );
  assert.match(failed.stderr, /PROBE_ERR_UNSUPPORTED: server-part\.cjs is missing/);
  const version = await promisify(execFile)(process.execPath, [path.join(dir, 'probe.cjs'), 'version']);
  assert.match(version.stdout, /\d+\.\d+\.\d+/);
});

test('the part beside dist/probe.cjs under node opens SQLite through its own require (as bench:ingest runs the server)', async (t) => {
  const dir = tempDir(t, 'probe-part-beside-');
  for (const file of ['probe.cjs', 'server-part.cjs']) copyFileSync(path.join(ROOT, 'dist', file), path.join(dir, file));
  // better-sqlite3 looks for its addon under the nearest package.json: the one npm built, linked here.
  writeFileSync(path.join(dir, 'package.json'), '{}');
  const addon = path.dirname(createRequire(path.join(ROOT, 'package.json')).resolve('better-sqlite3/package.json'));
  symlinkSync(path.join(addon, 'build'), path.join(dir, 'build'));
  const added = await promisify(execFile)(process.execPath, [
    path.join(dir, 'probe.cjs'),
    'node',
    'add',
    'web-1',
    '--data',
    path.join(dir, 'data'),
  ]);
  assert.match(added.stdout, /Added node "web-1"/);
  const listed = await promisify(execFile)(process.execPath, [
    path.join(dir, 'probe.cjs'),
    'node',
    'list',
    '--data',
    path.join(dir, 'data'),
  ]);
  assert.match(listed.stdout, /web-1/);
});
