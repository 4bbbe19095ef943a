/** @module The header: title, description, fleet totals, link state, theme and language switches. */
import { formatRate } from '../lib/format';
import type { Lang } from '../lib/i18n';
import { LANGUAGES } from '../lib/i18n';
import { lang, t } from '../state/lang';
import { link, totals } from '../state/nodes';
import { pageInfo } from '../state/page-info';
import type { Theme } from '../state/prefs';
import { setLang, theme } from '../state/prefs';

/** `feed`: whether the live feed runs on this page (not on the admin or behind the page password). */
export function TopBar({ feed }: { feed: boolean }) {
  const sum = totals.value;
  return (
    <header class="top">
      <div class="brand">
        <h1>
          <a href="/#/">{pageInfo.title}</a>
        </h1>
        {pageInfo.description && <p class="description">{pageInfo.description}</p>}
      </div>
      {feed && (
        <p class="totals">
          <span data-testid="online-count">{t('onlineCount', { n: sum.online, total: sum.total })}</span>
          <span title={t('totalIn')}>↓ {formatRate(sum.rx)}</span>
          <span title={t('totalOut')}>↑ {formatRate(sum.tx)}</span>
          {link.value !== 'live' && (
            <span class="link-state" role="status">
              {t(link.value === 'connecting' ? 'connecting' : 'reconnecting')}
            </span>
          )}
        </p>
      )}
      <div class="switches">
        <label>
          <span class="sr-only">{t('theme')}</span>
          <select value={theme.value} onChange={(e) => (theme.value = (e.target as HTMLSelectElement).value as Theme)} data-testid="theme">
            <option value="auto">◐ {t('themeAuto')}</option>
            <option value="light">☀ {t('themeLight')}</option>
            <option value="dark">☾ {t('themeDark')}</option>
          </select>
        </label>
        <label>
          <span class="sr-only">{t('language')}</span>
          <select value={lang.value} onChange={(e) => setLang((e.target as HTMLSelectElement).value as Lang)} data-testid="lang">
            {Object.entries(LANGUAGES).map(([code, name]) => (
              <option key={code} value={code}>
                {name}
              </option>
            ))}
          </select>
        </label>
      </div>
    </header>
  );
}

export function Footer() {
  return (
    <footer class="foot">
      {pageInfo.links.map((l) => (
        <a key={l.url} href={l.url} rel="noopener noreferrer">
          {l.label}
        </a>
      ))}
      <span>{t('poweredBy', { v: pageInfo.version })}</span>
    </footer>
  );
}
