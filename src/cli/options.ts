/**
 * @module Commander options made from the settings table (config/settings.ts), and the flags they
 * parsed read back as dotted settings: a setting's flag and help are written only there.
 */
import { Option } from 'commander';
import type { Command } from 'commander';
import type { RawSettings } from '../config/load';
import { settingOf } from '../config/settings';

/** `run`: the help of `probe server` / `probe agent`, naming the env variable; `install`: `probe install <role>`'s. */
export type HelpForm = 'run' | 'install';

/** Parsed flags, by commander's attribute name. */
export type ParsedFlags = Record<string, unknown>;

function settingOption(key: string, form: HelpForm): Option {
  const setting = settingOf(key);
  if (!setting?.flag) throw new Error(`${key} has no flag`);
  const help =
    form === 'install'
      ? (setting.installHelp ?? setting.help)
      : `${setting.help} (env: ${setting.env}${setting.note ? `, ${setting.note}` : ''})`;
  const option = new Option(setting.flag, help);
  return setting.repeatable ? option.argParser((value: string, previous?: string) => (previous ? `${previous},${value}` : value)) : option;
}

/**
 * Adds options to `command` in this order: a string is a setting's key, an Option one of the
 * command's own. Returns a reader of the settings' values (undefined when not given).
 */
export function addFlags(
  command: Command,
  items: ReadonlyArray<string | Option>,
  form: HelpForm = 'run',
): (flags: ParsedFlags) => RawSettings {
  const read: Array<[string, string]> = [];
  for (const item of items) {
    const option = typeof item === 'string' ? settingOption(item, form) : item;
    command.addOption(option);
    if (typeof item === 'string') read.push([item, option.attributeName()]);
  }
  return (flags) => Object.fromEntries(read.map(([key, name]) => [key, flags[name]]));
}

/** The config file: not a setting itself, it holds them. */
export const configOption = (): Option => new Option('-c, --config <file>', 'JSON config file (env: PROBE_CONFIG)');
