/**
 * @module What this executable is: the target it was built for and whether it carries the
 * server (its SQLite addon and page). Set by the build (packaging/bundle.mjs); from source, this
 * machine with both roles.
 */
declare const PROBE_BUILD: { target: string; server: boolean } | undefined;

export interface BuildInfo {
  /** `linux-x64`, `linux-armv7`, `windows-x64`… as the release names its files. */
  target: string;
  /** False for agent-only builds (Windows, macOS, armv7), which have no SQLite addon. */
  server: boolean;
}

export const buildInfo: BuildInfo =
  typeof PROBE_BUILD === 'undefined' ? { target: `${process.platform}-${process.arch}`, server: true } : PROBE_BUILD;
