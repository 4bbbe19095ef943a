/**
 * @module A self-signed certificate for CN=localhost, made now by openssl, that expires in
 * `days`: what the HTTPS check tests serve, on loopback.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { tempDir } from '../helpers';
import { requireTool } from './tools';

export function selfSignedCert(t: Parameters<typeof tempDir>[0], days = 5): { key: Buffer; cert: Buffer; made: number } {
  requireTool('openssl', 'openssl');
  const dir = tempDir(t, 'probe-cert-');
  const [key, cert] = [path.join(dir, 'key.pem'), path.join(dir, 'cert.pem')];
  const made = Date.now();
  execFileSync(
    'openssl',
    ['req', '-x509', '-newkey', 'rsa:2048', '-days', String(days), '-nodes', '-subj', '/CN=localhost', '-keyout', key, '-out', cert],
    { stdio: 'pipe' },
  );
  return { key: readFileSync(key), cert: readFileSync(cert), made };
}
