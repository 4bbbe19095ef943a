/**
 * A Notifier for the alert tests that sends nothing and keeps every message the engine dispatched.
 */
import type { AlertMessage } from '../../src/notify/notifier';
import { Notifier } from '../../src/notify/notifier';

export class RecordingNotifier extends Notifier {
  readonly sent: AlertMessage[] = [];
  constructor() {
    super({});
  }
  override dispatch(_names: readonly string[], message: AlertMessage): void {
    this.sent.push(message);
  }
}
