/**
 * @module Access to the single executable's embedded assets; null when running from source.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

export interface SeaAssets {
  getAsset(name: string): ArrayBuffer;
  getRawAsset(name: string): ArrayBuffer;
}

export function seaAssets(): SeaAssets | null {
  try {
    // node:sea is a built-in from Node 20.12; required, not imported, so esbuild leaves it alone.
    const sea = createRequire(process.execPath)('node:sea') as SeaAssets & { isSea(): boolean };
    return sea.isSea() ? sea : null;
  } catch {
    return null;
  }
}

/**
 * A file bundled apart from the main script (remote write's thread, nodemailer, pg): its text from
 * the executable's assets, or its path beside the running bundle (dist/probe.cjs); null from source.
 * (Throws if the executable lacks the asset.)
 */
export function bundledApart(file: string): { code: string } | { file: string } | null {
  const sea = seaAssets();
  if (sea) return { code: Buffer.from(sea.getAsset(file)).toString('utf8') };
  const beside = typeof __filename === 'string' ? path.join(path.dirname(__filename), file) : null;
  return beside && existsSync(beside) ? { file: beside } : null;
}
