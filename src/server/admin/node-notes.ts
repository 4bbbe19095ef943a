/**
 * @module Per-node notes set in the admin (price, billing cycle, expiry, traffic limit and reset
 * day, a note), kept in the setting `admin.nodeNotes` by node name in the config file's
 * `nodes.<name>` shape. A node the config file has an entry for keeps the file's. Every change is
 * handed to the hub at once (the page, traffic periods and expiry and traffic rules read it there).
 */
import { parseNodeSettings } from '../../config/page';
import type { NodeSettings } from '../../config/page';
import type { SettingsStore } from '../../store/store';
import { configFields } from '../../util/fields';
import { log } from '../../util/log';
import type { Hub } from '../fleet/hub';

const KEY = 'admin.nodeNotes';
const NOTE_KEYS = ['price', 'billing', 'expires', 'trafficLimit', 'trafficResetDay', 'note'] as const;

export type RawNotes = Record<string, unknown>;

/** The file's settings of a node back in the file's shape, for the admin's read-only view. */
export function notesShape(settings: NodeSettings): RawNotes {
  const { trafficLimitBytes, ...notes } = settings.notes ?? {};
  return {
    ...notes,
    ...(trafficLimitBytes === undefined ? {} : { trafficLimit: trafficLimitBytes }),
    trafficResetDay: settings.trafficResetDay,
  };
}

export class NodeNotesSetup {
  constructor(
    private readonly store: SettingsStore,
    readonly file: Record<string, NodeSettings>,
    private readonly hub: Pick<Hub, 'setSettings'>,
  ) {}

  all(): Record<string, RawNotes> {
    const text = this.store.getSetting(KEY);
    return text ? (JSON.parse(text) as Record<string, RawNotes>) : {};
  }

  fromFile(name: string): boolean {
    return Object.hasOwn(this.file, name);
  }

  /** Checks `raw` as a node's notes (errors name the field as `nodes.notes.<field>`); empty fields are left out. */
  check(raw: unknown): RawNotes {
    const notes = configFields.object(raw, 'nodes.notes');
    configFields.knownKeys(notes, 'nodes.notes', NOTE_KEYS);
    parseNodeSettings({ notes });
    return Object.fromEntries(Object.entries(notes).filter(([, v]) => v !== '' && v !== null));
  }

  /** Stores the node's notes (null or empty: none) and applies them. */
  set(name: string, notes: RawNotes | null): void {
    const all = this.all();
    if (notes && Object.keys(notes).length) all[name] = notes;
    else delete all[name];
    this.save(all);
  }

  /** The node was renamed in the admin: its notes go with it. */
  rename(from: string, to: string): void {
    const all = this.all();
    if (from === to || !all[from]) return;
    all[to] = all[from]!;
    delete all[from];
    this.save(all);
  }

  private save(all: Record<string, RawNotes>): void {
    this.store.putSetting(KEY, Object.keys(all).length ? JSON.stringify(all) : null);
    this.apply();
  }

  /** Hands the hub the admin's notes under the file's (an entry that no longer parses is skipped). */
  apply(): void {
    const merged: Record<string, NodeSettings> = {};
    for (const [name, raw] of Object.entries(this.all())) {
      try {
        Object.assign(merged, parseNodeSettings({ [name]: raw }));
      } catch (err) {
        log.warn('admin node notes skipped', { node: name, error: (err as Error).message });
      }
    }
    this.hub.setSettings({ ...merged, ...this.file });
  }
}
