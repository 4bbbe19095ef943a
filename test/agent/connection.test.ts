import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BACKOFF_CAP_MS, backoffDelay } from '../../src/agent/backoff';
import { agentEndpoint } from '../../src/agent/connection';

test('agentEndpoint accepts what people type', () => {
  assert.equal(agentEndpoint('ws://127.0.0.1:8080'), 'ws://127.0.0.1:8080/ws/agent');
  assert.equal(agentEndpoint('https://status.example.com'), 'wss://status.example.com/ws/agent');
  assert.equal(agentEndpoint('http://example.com:8080/'), 'ws://example.com:8080/ws/agent');
  assert.equal(agentEndpoint('example.com:8080'), 'ws://example.com:8080/ws/agent');
  assert.equal(agentEndpoint('wss://example.com/probe/ws/agent'), 'wss://example.com/probe/ws/agent', 'a path behind a proxy is kept');
});

test('backoff grows exponentially with jitter and is capped at 30 s', () => {
  assert.equal(backoffDelay(0, 0), 500);
  assert.equal(backoffDelay(0, 0.999999), 1000);
  assert.equal(backoffDelay(3, 0), 4000);
  for (let attempt = 0; attempt < 50; attempt++) {
    for (const r of [0, 0.5, 0.999]) {
      const d = backoffDelay(attempt, r);
      assert.ok(d > 0 && d <= BACKOFF_CAP_MS, `attempt ${attempt}: ${d}`);
    }
  }
  assert.ok(backoffDelay(20, 0) >= BACKOFF_CAP_MS / 2, 'jitter never drops below half the cap');
});
