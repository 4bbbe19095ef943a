/**
 * nodemailer and pg live outside the executable's main script (each bundled on its own, embedded
 * as an asset: every KB of the main script costs each process RSS) and still work from it: a test
 * email from the executable and from dist/probe.cjs under node (the bundle beside it) reaches a
 * real SMTP server on loopback. (pg from the executable: test/e2e/cluster.test.ts.)
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { SMTPServer } from 'smtp-server';
import { BINARY, ROOT, tempDir } from '../helpers';

test('the main script carries neither nodemailer nor pg', () => {
  const meta = JSON.parse(readFileSync(path.join(ROOT, 'dist/meta.json'), 'utf8')) as {
    outputs: Record<string, { inputs: Record<string, unknown> }>;
  };
  const inputs = Object.values(meta.outputs).flatMap((o) => Object.keys(o.inputs));
  assert.ok(
    inputs.some((f) => f.startsWith('node_modules/ws/')),
    'the metafile lists the bundle',
  );
  assert.deepEqual(
    inputs.filter((f) => /^node_modules\/(nodemailer|pg)\//.test(f)),
    [],
  );
});

/**
 * dist/probe.cjs and its pkg-nodemailer.cjs copied where no node_modules is above them: so the
 * email can only go out through the bundle beside it, not through an import() that finds the package.
 */
function bundleAlone(dir: string): string[] {
  for (const file of ['probe.cjs', 'pkg-nodemailer.cjs']) copyFileSync(path.join(ROOT, 'dist', file), path.join(dir, file));
  return [process.execPath, path.join(dir, 'probe.cjs')];
}

for (const [how, command] of [
  ['the executable', () => [BINARY]],
  ['dist/probe.cjs under node, from the bundle beside it', bundleAlone],
] as const) {
  test(`probe notify test sends an email through ${how}`, async (t) => {
    const received: string[] = [];
    const smtp = new SMTPServer({
      hideSTARTTLS: true,
      authOptional: true,
      onData(stream, _session, cb) {
        let data = '';
        stream.on('data', (c: Buffer) => (data += c.toString()));
        stream.on('end', () => {
          received.push(data);
          cb();
        });
      },
    });
    await new Promise<void>((r) => smtp.listen(0, '127.0.0.1', r));
    t.after(() => new Promise<void>((r) => smtp.close(() => r())));
    const dir = tempDir(t, 'probe-packages-');
    const config = path.join(dir, 'probe.json');
    const port = (smtp.server.address() as AddressInfo).port;
    const mail = { type: 'email', host: '127.0.0.1', port, requireTLS: false, from: 'probe@example.com', to: ['ops@example.com'] };
    writeFileSync(config, JSON.stringify({ notifications: { mail } }));
    const [file, ...args] = command(dir);
    const { stdout } = await promisify(execFile)(file, [...args, 'notify', 'test', 'mail', '--config', config], { cwd: dir });
    assert.match(stdout, /Sent a test message through "mail"/);
    assert.equal(received.length, 1);
    assert.match(received[0]!, /^To: ops@example\.com/m);
  });
}
