/**
 * @module The agent's config file that the Windows service and the launchd job start it with
 * (`probe agent --config <file>`): the key lives in this one file, never on a command line.
 */
import { ENV_KEYS } from '../config/settings';

/**
 * `{ "agent": { … } }` from the PROBE_* settings `probe install agent` was given (empty ones left
 * out), with the buffer in `stateDir`. The values stay the strings they were: the config loader
 * reads them as it reads the same PROBE_* variables.
 */
export function agentConfigFile(settings: Record<string, string | undefined>, stateDir: string): string {
  const agent: Record<string, string> = {};
  for (const [name, value] of Object.entries(settings)) {
    if (value === undefined || value === '') continue;
    const key = ENV_KEYS[name];
    if (!key?.startsWith('agent.')) throw new Error(`${name} is not an agent setting`);
    agent[key.slice('agent.'.length)] = value;
  }
  agent.stateDir = stateDir;
  const file = {
    '//': 'Written by `probe install agent`; `probe install agent --uninstall` removes it. Settings: docs/configuration.md',
    agent,
  };
  return `${JSON.stringify(file, null, 2)}\n`;
}
