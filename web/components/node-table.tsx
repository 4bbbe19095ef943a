/** @module The dense overview: one row per node, columns sortable by clicking their header. */
import type { NodeView } from '../../src/protocol/messages';
import { formatBytes, formatDuration, formatLoad, formatPercent, formatRate, ratio } from '../lib/format';
import type { StringKey } from '../lib/i18n';
import { t } from '../state/lang';
import type { SortKey } from '../state/prefs';
import { sortBy, sortDesc, sortKey } from '../state/prefs';
import { level } from './bar';
import { Flag, StatusText } from './node-status';

function SortHeader({ label, sort }: { label: StringKey; sort: SortKey }) {
  const active = sortKey.value === sort;
  return (
    <th scope="col" aria-sort={active ? (sortDesc.value ? 'descending' : 'ascending') : 'none'}>
      <button type="button" class="th-button" onClick={() => sortBy(sort)}>
        {t(label)}
        {active ? (sortDesc.value ? ' ▾' : ' ▴') : ''}
      </button>
    </th>
  );
}

function pct(value: number | undefined) {
  return <span class={`pct ${level(value)}`}>{formatPercent(value)}</span>;
}

/** Flag and status are called, not mounted: one component a row instead of six (200 rows redraw every second). */
function Row({ node }: { node: NodeView }) {
  const v = node.values;
  return (
    <tr class={node.online ? 'online' : 'offline'} data-node={node.name}>
      <th scope="row">
        {Flag({ code: node.location })} <a href={`#/node/${node.id}`}>{node.name}</a>
      </th>
      <td>{StatusText({ node })}</td>
      <td>{pct(v.cpu)}</td>
      <td>
        {pct(ratio(v.memUsedBytes, v.memTotalBytes))} <small>{formatBytes(v.memUsedBytes)}</small>
      </td>
      <td>
        {pct(ratio(v.diskUsedBytes, v.diskTotalBytes))} <small>{formatBytes(v.diskUsedBytes)}</small>
      </td>
      <td>
        ↓ {formatRate(v.netRxBytesPerSec)}
        <br />↑ {formatRate(v.netTxBytesPerSec)}
      </td>
      <td>
        ↓ {formatBytes(node.monthRxBytes)}
        <br />↑ {formatBytes(node.monthTxBytes)}
      </td>
      <td>{formatLoad(v.load1)}</td>
      <td>{formatDuration(v.uptimeSec)}</td>
    </tr>
  );
}

export function NodeTable({ list }: { list: NodeView[] }) {
  return (
    <div class="table-wrap">
      <table class="nodes">
        <thead>
          <tr>
            <SortHeader label="node" sort="name" />
            <th scope="col">{t('status')}</th>
            <SortHeader label="cpu" sort="cpu" />
            <SortHeader label="memory" sort="mem" />
            <SortHeader label="disk" sort="disk" />
            <SortHeader label="network" sort="net" />
            <SortHeader label="trafficShort" sort="traffic" />
            <th scope="col">{t('load')}</th>
            <SortHeader label="uptime" sort="uptime" />
          </tr>
        </thead>
        <tbody>
          {list.map((n) => (
            <Row key={n.id} node={n} />
          ))}
        </tbody>
      </table>
    </div>
  );
}
