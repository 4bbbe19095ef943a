/**
 * @module packaging/service-host.mjs for the tests: the Windows service host, built as the release builds it.
 */
import path from 'node:path';
import { ROOT } from '../helpers';

export async function buildServiceHost(outFile: string): Promise<string> {
  // A path the type checker does not follow: packaging/ is plain JavaScript.
  const module = (await import(path.join(ROOT, 'packaging/service-host.mjs'))) as { buildServiceHost(outFile: string): Promise<string> };
  return module.buildServiceHost(outFile);
}
