/**
 * @module Access to the single executable's embedded assets; null when running from source.
 */
import { createRequire } from 'node:module';

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
