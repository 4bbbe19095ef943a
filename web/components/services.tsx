/**
 * @module The Services section of the overview: each service check with its state, uptime over
 * 24 h / 7 d / 30 d, certificate expiry (https), its response time over the last day and the
 * 90-day bar of daily status, grouped like the nodes.
 */
import type { CheckView, Uptime } from '../../src/protocol/checks';
import { formatMs } from '../lib/format';
import { checkHistory, checks } from '../state/checks';
import { t } from '../state/lang';
import { Chart } from './chart';

const DAY = 86_400_000;

function percent(u: Uptime): string {
  return u === null ? '–' : `${(u * 100).toFixed(u === 1 ? 0 : 2)}%`;
}

/** A day's class: all up, partly down, mostly down, or no runs. */
function dayClass(u: Uptime): string {
  if (u === null) return 'none';
  return u >= 0.999 ? 'up' : u >= 0.95 ? 'partial' : 'down';
}

function DailyBar({ check }: { check: CheckView }) {
  return (
    <div class="days-wrap">
      <div class="days" role="img" aria-label={`${t('uptime30d')}: ${percent(check.uptime['30d'])}`}>
        {check.daily.map((u, i) => {
          const day = new Date(check.dailyFrom + i * DAY).toISOString().slice(0, 10);
          return (
            <span
              key={i}
              class={`day ${dayClass(u)}`}
              title={u === null ? t('dayNoData', { day }) : t('dayUptime', { day, p: percent(u) })}
            />
          );
        })}
      </div>
      <div class="days-legend">
        <span>{t('daysAgo90')}</span>
        <span>{t('today')}</span>
      </div>
    </div>
  );
}

function Cert({ check }: { check: CheckView }) {
  if (check.certExpiresAt === undefined) return null;
  const days = Math.floor((check.certExpiresAt - Date.now()) / DAY);
  return <span class={`tag${days <= 14 ? ' warn' : ''}`}>{days < 0 ? t('certExpired', { d: -days }) : t('certExpires', { d: days })}</span>;
}

function CheckCard({ check }: { check: CheckView }) {
  const state = check.up === null ? 'pending' : check.up ? 'up' : 'down';
  const history = checkHistory.value.get(check.id);
  return (
    <article class={`card check ${state}`} data-testid="check" data-check={check.name}>
      <div class="card-head">
        <h3 class="node-name">{check.name}</h3>
        <span class="tag">{check.type}</span>
        <Cert check={check} />
        <span class="status">
          <span class={`dot ${state}`} aria-hidden="true" />
          {t(state === 'up' ? 'checkUp' : state === 'down' ? 'checkDown' : 'checkPending')}
          {check.latencyMs !== null && ` · ${formatMs(check.latencyMs)}`}
        </span>
      </div>
      {check.error && <p class="check-error">{check.error}</p>}
      <dl class="uptimes">
        {(['24h', '7d', '30d'] as const).map((span) => (
          <div key={span}>
            <dt>{t(span === '24h' ? 'uptime24h' : span === '7d' ? 'uptime7d' : 'uptime30d')}</dt>
            <dd>{percent(check.uptime[span])}</dd>
          </div>
        ))}
      </dl>
      <DailyBar check={check} />
      {history && (
        <Chart
          title={t('responseTime')}
          unit="ms"
          height={110}
          series={[{ metric: 'latency_ms', label: 'ms', color: '#4e9af1' }]}
          data={history}
        />
      )}
    </article>
  );
}

export function Services() {
  const list = checks.value;
  if (list.length === 0) return null;
  const groups = new Map<string, CheckView[]>();
  for (const c of list) groups.set(c.group, [...(groups.get(c.group) ?? []), c]);
  return (
    <section id="services" class="services" aria-label={t('services')}>
      <h2 class="section-title">{t('services')}</h2>
      {[...groups].map(([group, members]) => (
        <div key={group}>
          {group && <h3 class="group">{group}</h3>}
          <div class="grid checks">
            {members.map((c) => (
              <CheckCard key={c.id} check={c} />
            ))}
          </div>
        </div>
      ))}
    </section>
  );
}
