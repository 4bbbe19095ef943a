/**
 * @module The systeminformation calls the portable collectors make, its module loaded on the first
 * call: loading it costs ~40 ms of CPU (`npm run bench:portable`), which an agent reading /proc
 * never pays.
 */
import type { NetworkSources } from './portable-network';
import type { FsSizeEntry } from './portable-disk';

export interface PortableSources extends NetworkSources {
  fsSize(): Promise<readonly FsSizeEntry[]>;
}

export function systemInformation(): PortableSources {
  // A dynamic import: esbuild keeps the module in the bundle but runs its code only here.
  const si = () => import('systeminformation');
  return {
    fsSize: async () => (await si()).fsSize(),
    // false: reuse the last scan while os.networkInterfaces() is unchanged (a scan runs `ifconfig` or PowerShell).
    networkInterfaces: async () => (await si()).networkInterfaces(false),
    networkStats: async (ifaces) => (await si()).networkStats(ifaces),
  };
}
