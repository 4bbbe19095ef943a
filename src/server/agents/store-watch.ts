/**
 * @module Watches whether samples are being stored, told after each write of the ingest queue
 * (`tick`). While writes fail (a full disk, a failing database), agents hear `hold` at each retry
 * (agent-hold.ts), /healthz says degraded, and every configured channel gets one built-in alert,
 * resolved when storing resumes. The ingest queue holds the samples meanwhile and writes them once
 * it can.
 */
import type { AlertMessage } from '../../notify/message';
import type { Clock } from '../../util/clock';
import { log } from '../../util/log';
import { holdReason } from './agent-hold';

/** The rule name the built-in alert goes by. */
export const STORE_ALERT_RULE = 'storage';

/** Whether samples are stored now; if not, since when and why. */
export interface StorageState {
  storing: boolean;
  /** When writes began to fail (Unix ms), or null while they succeed. */
  since: number | null;
  /** `disk full` or `database not writable`, or null while storing. */
  reason: string | null;
}

export interface StoreWatchDeps {
  /** The last write's error while writes fail. */
  failing: () => Error | null;
  /** Tells the agents whose ack is due (AgentGateway.hold). */
  hold: (reason: string) => void;
  /** Sends the built-in alert to every configured channel. */
  notify: (message: AlertMessage) => void;
  /** The server's page, for the alert's link. */
  link: () => string;
  clock: Clock;
}

export class StoreWatch {
  private since: number | null = null;
  private reason: string | null = null;

  constructor(private readonly deps: StoreWatchDeps) {}

  get state(): StorageState {
    return { storing: this.since === null, since: this.since, reason: this.reason };
  }

  /** After each write: a failing one tells the agents to hold (again), the first success resolves. */
  tick(): void {
    const err = this.deps.failing();
    const now = this.deps.clock.now();
    if (err) {
      if (this.since === null) {
        this.since = now;
        this.reason = holdReason(err);
        log.error('not storing samples; agents are told to hold them', {
          reason: this.reason,
          code: 'PROBE_ERR_STORE',
          error: err.message,
        });
        this.deps.notify(
          this.message('firing', `probe server is not storing samples (${this.reason}): agents keep them until it can. ${err.message}`),
        );
      }
      this.deps.hold(this.reason!);
      return;
    }
    if (this.since === null) return;
    const downSec = Math.round((now - this.since) / 1000);
    log.info('storing samples again', { afterSec: downSec });
    this.deps.notify(
      this.message(
        'resolved',
        `probe server stores samples again after ${downSec} s (${this.reason}); what the agents held is being written.`,
      ),
    );
    this.since = null;
    this.reason = null;
  }

  private message(state: AlertMessage['state'], text: string): AlertMessage {
    return {
      rule: STORE_ALERT_RULE,
      node: 'probe server',
      group: '',
      state,
      severity: 'critical',
      value: null,
      metric: null,
      since: this.since ?? this.deps.clock.now(),
      link: this.deps.link(),
      text,
    };
  }
}
