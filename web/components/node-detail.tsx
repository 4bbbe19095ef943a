/**
 * @module The node page (`#/node/<id>`): current facts, then charts of its history over a chosen
 * range; the 1h view keeps moving with the live feed.
 */
import { useEffect } from 'preact/hooks';
import type { NodeView } from '../../src/protocol/messages';
import { formatBytes, formatDuration, shortOs } from '../lib/format';
import { t } from '../state/lang';
import { RANGES, appendLive, history, loadHistory, range } from '../state/history';
import type { Range } from '../state/history';
import { link, nodes } from '../state/nodes';
import type { ForecastAnswer } from '../../src/protocol/forecast';
import { forecastLine, loadForecast, nodeForecast } from '../state/forecast';
import { NodeCharts } from './node-charts';
import { ClockTag, Flag, Notes, StatusText, Traffic } from './node-status';
import { access } from '../state/access';
import { clockOffsets, loadClockOffsets } from '../state/node-clock';

/** Every filesystem's and the quota's forecast, memory's and swap's only when they have a date. */
function Forecasts({ answer }: { answer: ForecastAnswer }) {
  const now = Date.now();
  const shown = answer.items.filter((i) => i.metric === 'disk' || i.metric === 'traffic' || i.fullAt !== null);
  if (shown.length === 0) return null;
  return (
    <p class="forecast" data-testid="forecast">
      {t('forecast')}:{' '}
      {shown.map((item, i) => (
        <span key={`${item.metric}${item.mount ?? ''}`} title={item.reason}>
          {i > 0 && ' · '}
          {forecastLine(item, now)}
        </span>
      ))}
    </p>
  );
}

function Facts({ node }: { node: NodeView }) {
  const v = node.values;
  return (
    <div class="detail-facts">
      <p class="os">
        {[
          shortOs(node.os),
          node.arch,
          node.cores ? t('cores', { n: node.cores }) : '',
          node.hostname,
          v.memTotalBytes ? `${formatBytes(v.memTotalBytes)} RAM` : '',
          v.diskTotalBytes ? `${formatBytes(v.diskTotalBytes)} ${t('disk')}` : '',
        ]
          .filter(Boolean)
          .join(' · ')}
      </p>
      <p>
        {t('uptime')}: {formatDuration(v.uptimeSec)}
      </p>
      <Traffic node={node} />
      <Notes node={node} />
      {nodeForecast.value?.nodeId === node.id && <Forecasts answer={nodeForecast.value} />}
    </div>
  );
}

/** The history range buttons; the chosen one is pressed. */
function RangePicker({ which }: { which: Range }) {
  return (
    // biome-ignore lint/a11y/useSemanticElements: a row of toggle buttons, not a form's fieldset
    <div class="segmented ranges" role="group" aria-label={t('range')}>
      {RANGES.map((r) => (
        <button key={r} type="button" aria-pressed={r === which} onClick={() => (range.value = r)}>
          {r}
        </button>
      ))}
    </div>
  );
}

export function NodeDetail({ id }: { id: number }) {
  const node = nodes.value.get(id);
  const which = range.value;

  useEffect(() => {
    void loadHistory(id, which);
  }, [id, which]);
  useEffect(() => {
    void loadForecast(id);
  }, [id]);
  const admin = access.value?.admin === true;
  useEffect(() => {
    if (admin) void loadClockOffsets();
  }, [id, admin]);

  // Live samples move the 1h charts along.
  const lastSeen = node?.lastSeen;
  useEffect(() => {
    const state = history.peek();
    if (which !== '1h' || !node || state.status !== 'ready') return;
    const next = appendLive(state.data, node);
    if (next) history.value = { status: 'ready', data: next };
  }, [lastSeen]);

  if (!node) {
    return <main id="main">{link.value === 'live' ? <p class="empty">{t('notFound')}</p> : <p class="empty">{t('loading')}</p>}</main>;
  }
  const state = history.value;
  const data = state.status === 'ready' ? state.data : state.status === 'loading' ? state.previous : null;
  const busy = state.status === 'loading';
  return (
    <main id="main" class="detail">
      <nav>
        <a href="#/" class="back">
          ← {t('back')}
        </a>
      </nav>
      <header class="detail-head">
        <Flag code={node.location} />
        <h2 class="node-name">{node.name}</h2>
        {node.group && <span class="tag">{node.group}</span>}
        <StatusText node={node} />
        {admin && <ClockTag offsetMs={clockOffsets.value.get(id)} testId="clock-off" />}
      </header>
      <Facts node={node} />
      <RangePicker which={which} />
      {state.status === 'loading' && !state.previous && <p class="empty">{t('loading')}</p>}
      {state.status === 'error' && (
        <p class="empty" role="alert">
          {t('loadFailed', { msg: state.message })}
        </p>
      )}
      {data && <NodeCharts node={node} data={data} busy={busy} />}
    </main>
  );
}
