/**
 * @module The page's title, description and footer links set in the admin (setting `admin.page`).
 * What the config file (or environment, or a flag) set differently from the default wins, field by
 * field. A change is applied at once: index.html is filled in again.
 */
import { parseLinks } from '../../config/page';
import { DEFAULTS } from '../../config/schema';
import type { Config } from '../../config/schema';
import type { PageInfo, PageLink } from '../../protocol/messages';
import type { PageInfoView } from '../../protocol/admin';
import type { SettingsStore } from '../../store/store';
import { configFields } from '../../util/fields';

const KEY = 'admin.page';
type Field = 'title' | 'description' | 'links';
type Info = Pick<PageInfo, Field>;

export class PageSetup {
  constructor(
    private readonly store: SettingsStore,
    private readonly config: Config,
    private readonly base: Omit<PageInfo, Field>,
    /** Where the page info goes when it changes (index.html). */
    private readonly changed: (page: PageInfo) => void,
  ) {}

  /** What the file set: title, description and links that differ from the defaults. */
  fromFile(): Field[] {
    const file = this.fileInfo();
    const defaults: Info = { title: DEFAULTS.server.title, description: DEFAULTS.page.description, links: DEFAULTS.page.links };
    return (['title', 'description', 'links'] as const).filter((f) => JSON.stringify(file[f]) !== JSON.stringify(defaults[f]));
  }

  private fileInfo(): Info {
    return { title: this.config.server.title, description: this.config.page.description, links: this.config.page.links };
  }

  private admin(): Partial<Info> {
    const text = this.store.getSetting(KEY);
    return text ? (JSON.parse(text) as Partial<Info>) : {};
  }

  /** The page info in force. */
  info(): PageInfo {
    const file = this.fileInfo();
    const fromFile = new Set(this.fromFile());
    const admin = this.admin();
    const pick = <F extends Field>(f: F): Info[F] => (fromFile.has(f) ? file[f] : (admin[f] ?? file[f]));
    return { ...this.base, title: pick('title'), description: pick('description'), links: pick('links') };
  }

  view(): PageInfoView {
    const { title, description, links } = this.info();
    return { title, description, links, fromFile: this.fromFile() };
  }

  /** Checks and stores the fields given in `body` (errors name them as `page.<field>`), then applies them. */
  set(body: Record<string, unknown>): void {
    const next: Partial<Info> = { ...this.admin() };
    if (body.title !== undefined) next.title = configFields.text(body.title, 'page.title', 100, 1);
    if (body.description !== undefined) next.description = configFields.text(body.description, 'page.description', 500);
    if (body.links !== undefined) next.links = parseLinks(body.links) satisfies PageLink[];
    this.store.putSetting(KEY, JSON.stringify(next));
    this.changed(this.info());
  }
}
