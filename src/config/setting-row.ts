/**
 * @module What one row of the settings table (settings.ts) holds: the dotted key, the PROBE_*
 * variable, the flag and its help, and how a raw value is parsed into the Config.
 */
import type { Config } from './schema';

export interface Setting {
  /** Dotted key, as written in the config file (`server.listen`). */
  key: string;
  /** Environment variable; absent for settings only a config file can hold. */
  env?: string;
  /** Commander flags, e.g. `-l, --listen <host:port>`; a flag without a value is a boolean. */
  flag?: string;
  /** The flag's help under `probe server` / `probe agent`; the env name and `note` follow in parentheses. */
  help?: string;
  note?: string;
  /** The flag may be given several times: its values are joined with commas. */
  repeatable?: boolean;
  /** The flag's help under `probe install <role>`, when it differs from `help`. */
  installHelp?: string;
  /** Parses one raw value (from `source`: a file, the environment or the command line) into the config. */
  apply(config: Config, value: unknown, source: string, key: string): void;
}
