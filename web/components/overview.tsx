/** @module The overview: filter, sort and layout controls, then nodes grouped as cards or a table. */
import { t } from '../state/lang';
import { groups, link, nodes } from '../state/nodes';
import type { SortKey } from '../state/prefs';
import { filter, layout, sortBy, sortDesc, sortKey } from '../state/prefs';
import { AlertsPanel } from './alerts-panel';
import { CardSlot } from './card-slot';
import { NodeTable } from './node-table';
import { Services } from './services';

const SORTS: [SortKey, Parameters<typeof t>[0]][] = [
  ['order', 'sortOrder'],
  ['name', 'sortName'],
  ['cpu', 'sortCpu'],
  ['mem', 'sortMem'],
  ['disk', 'sortDisk'],
  ['net', 'sortNet'],
  ['traffic', 'sortTraffic'],
  ['uptime', 'sortUptime'],
];

function Controls() {
  return (
    <div class="controls">
      <label class="filter">
        <span class="sr-only">{t('filter')}</span>
        <input
          type="search"
          placeholder={t('filter')}
          value={filter.value}
          onInput={(e) => (filter.value = (e.target as HTMLInputElement).value)}
          data-testid="filter"
        />
      </label>
      <label>
        <span class="sr-only">{t('sortBy')}</span>
        <select value={sortKey.value} onChange={(e) => sortBy((e.target as HTMLSelectElement).value as SortKey)} data-testid="sort">
          {SORTS.map(([key, label]) => (
            <option key={key} value={key}>
              {t('sortBy')}: {t(label)}
            </option>
          ))}
        </select>
      </label>
      <button
        type="button"
        class="icon"
        onClick={() => (sortDesc.value = !sortDesc.value)}
        aria-label={sortDesc.value ? '▾' : '▴'}
        title={t('sortBy')}
      >
        {sortDesc.value ? '▾' : '▴'}
      </button>
      {/* biome-ignore lint/a11y/useSemanticElements: a row of toggle buttons, not a form's fieldset */}
      <div class="segmented" role="group" aria-label={t('view')}>
        {(['cards', 'table'] as const).map((l) => (
          <button key={l} type="button" aria-pressed={layout.value === l} onClick={() => (layout.value = l)} data-testid={`layout-${l}`}>
            {t(l)}
          </button>
        ))}
      </div>
    </div>
  );
}

export function Overview({ compact = false }: { compact?: boolean }) {
  const list = groups.value;
  const query = filter.value.trim();
  const cards = layout.value !== 'table' || compact;
  let index = 0;
  return (
    <main id="main">
      {!compact && <AlertsPanel />}
      {!compact && <Controls />}
      {nodes.value.size === 0 && link.value === 'live' && (
        <p class="empty">
          {t('noNodes')} <code>probe node add &lt;name&gt;</code>
        </p>
      )}
      {nodes.value.size > 0 && list.length === 0 && <p class="empty">{t('noMatch', { q: query })}</p>}
      {list.map(([group, members]) => {
        const first = index;
        index += members.length;
        return (
          <section key={group} aria-label={group || t('node')}>
            {group && <h2 class="group">{group}</h2>}
            {!cards ? (
              <NodeTable list={members} first={first} />
            ) : (
              <div class={`grid${compact ? ' compact' : ''}`}>
                {members.map((n, i) => (
                  <CardSlot key={n.id} node={n} index={first + i} compact={compact} />
                ))}
              </div>
            )}
          </section>
        );
      })}
      {!compact && <Services />}
    </main>
  );
}
