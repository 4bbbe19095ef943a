/**
 * @module Who may open /ws/agent: the node whose key is in the Authorization header. Unknown keys
 * are answered 401 (later after each failure from the same address), then 429 for a while.
 */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { NodeRecord, Store } from '../../store/store';
import type { Clock } from '../../util/clock';
import { log } from '../../util/log';
import type { BurstLog } from '../../util/log';
import { bearerKey, hashKey, keyMatches } from '../fleet/keys';
import { refuseUpgrade } from '../net/http-body';
import { FailureTracker, addressKey } from '../net/limits';

export class AgentAuth {
  private readonly failures = new FailureTracker();

  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
    private readonly events: BurstLog,
  ) {}

  /** The node whose key `req` carries, or null when refused (the refusal is sent on `socket`). */
  nodeFor(req: IncomingMessage, socket: Duplex, address: string): NodeRecord | null {
    const now = this.clock.now();
    // A valid key is always let in, whatever else came from its address (a NAT, a proxy without
    // --trust-proxy): checking one is a hash and an indexed lookup. Only bad keys are limited.
    const key = bearerKey(req.headers.authorization);
    const record = key ? this.store.findNodeByKeyHash(hashKey(key)) : null;
    if (key && record && keyMatches(key, record.keyHash)) return record;
    const client = addressKey(address);
    const blocked = this.failures.blockedFor(client, now);
    if (blocked > 0) {
      const retry = Math.ceil(blocked / 1000);
      refuseUpgrade(
        socket,
        429,
        {
          code: 'PROBE_ERR_RATE',
          message: `too many failed authentications from this address: try again in ${retry} s (a valid key is let in meanwhile)`,
        },
        { 'Retry-After': retry },
      );
      return null;
    }
    const delay = this.failures.fail(client, now);
    // Never the key; client addresses only at debug level (no IPs in logs by default).
    this.events.write('warn', 'agent refused: unknown key', { code: 'PROBE_ERR_AUTH' });
    log.debug('agent refused: unknown key', { remote: address });
    const answer = () =>
      refuseUpgrade(socket, 401, {
        code: 'PROBE_ERR_AUTH',
        message: 'unknown node key: send "Authorization: Bearer <key>" with a key from `probe node add`',
      });
    // A guessing client waits longer after each failure.
    if (delay > 0) this.clock.after(delay, answer).unref();
    else answer();
    return null;
  }
}
