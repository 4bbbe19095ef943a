/** @module The status page: header totals and one card per node, grouped. */
import { formatRate } from './lib/format';
import { link, sortedNodes, totals } from './state/nodes';
import { NodeCard } from './components/node-card';

export function App() {
  const t = totals.value;
  const groups = new Map<string, typeof sortedNodes.value>();
  for (const n of sortedNodes.value) groups.set(n.group, [...(groups.get(n.group) ?? []), n]);
  return (
    <>
      <header class="top">
        <h1>{document.title}</h1>
        <p class="totals">
          <span data-testid="online-count">
            {t.online}/{t.total} online
          </span>
          <span>↓ {formatRate(t.rx)}</span>
          <span>↑ {formatRate(t.tx)}</span>
          {link.value !== 'live' && <span class="link-state" role="status">{link.value}…</span>}
        </p>
      </header>
      <main>
        {t.total === 0 && link.value === 'live' && <p class="empty">No nodes yet. Add one with <code>probe node add &lt;name&gt;</code>.</p>}
        {[...groups].map(([group, list]) => (
          <section key={group} aria-label={group || 'nodes'}>
            {group && <h2 class="group">{group}</h2>}
            <div class="grid">
              {list.map((n) => (
                <NodeCard key={n.id} node={n} />
              ))}
            </div>
          </section>
        ))}
      </main>
    </>
  );
}
