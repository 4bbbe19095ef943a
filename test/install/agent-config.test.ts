/**
 * The agent.json `probe install agent` writes on Windows and macOS, read back by the agent's own
 * config loader (`probe agent --config`): every setting arrives, the key once and intact.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { loadConfig } from '../../src/config/load';
import { agentConfigFile } from '../../src/install/agent-config';
import { tempDir } from '../helpers';

const KEY = 'pk_0123456789abcdefghijklmnopqrstuvwxyzABCDEFG';

function load(t: Parameters<typeof tempDir>[0], text: string) {
  const file = path.join(tempDir(t, 'probe-agent-json-'), 'agent.json');
  writeFileSync(file, text);
  return loadConfig({ file, env: {} }).agent;
}

test('agent.json: the agent loads every setting from it, the key appears once', (t) => {
  const text = agentConfigFile(
    {
      PROBE_SERVER: 'wss://status.example.com',
      PROBE_KEY: KEY,
      PROBE_INTERVAL: '5s',
      PROBE_LATENCY_TARGETS: 'cu=www.example.cn:80',
      PROBE_TEXTFILE_DIR: undefined,
      PROBE_CA: '',
    },
    'C:\\ProgramData\\probe\\state',
  );
  assert.equal(text.split(KEY).length - 1, 1);
  const agent = load(t, text);
  assert.deepEqual(agent.servers, ['wss://status.example.com']);
  assert.equal(agent.key, KEY);
  assert.equal(agent.intervalMs, 5000);
  assert.deepEqual(
    agent.latencyTargets.map((l) => [l.label, l.host, l.port]),
    [['cu', 'www.example.cn', 80]],
  );
  assert.equal(agent.stateDir, 'C:\\ProgramData\\probe\\state');
  assert.equal(agent.textfileDir, '', 'settings not given stay out of the file');
  assert.deepEqual(Object.keys(JSON.parse(text).agent), ['server', 'key', 'interval', 'latencyTargets', 'stateDir']);
});

test('agent.json: hostile values arrive as they were given', (t) => {
  const key = `pk_"quote\\back'$(x)</a>`;
  const agent = load(
    t,
    agentConfigFile({ PROBE_SERVER: 'wss://x.example/"}, "key": "stolen', PROBE_KEY: key }, '/usr/local/var/probe-agent'),
  );
  assert.equal(agent.key, key);
  assert.deepEqual(agent.servers, ['wss://x.example/"}, "key": "stolen']);
});

test('agent.json: only agent settings go in', () => {
  assert.throws(() => agentConfigFile({ PROBE_LISTEN: '0.0.0.0:80' }, '/x'), /PROBE_LISTEN is not an agent setting/);
});
