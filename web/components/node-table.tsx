/**
 * @module The dense overview: one row per node, columns sortable by clicking their header. Rows far off
 * screen show only the node's name and status (near-slot.ts): 200 rows redraw every second otherwise.
 */
import type { NodeView } from '../../src/protocol/messages';
import { formatBytes, formatDuration, formatLoad, formatPercent, formatRate, ratio } from '../lib/format';
import type { StringKey } from '../lib/i18n';
import { t } from '../state/lang';
import type { SortKey } from '../state/prefs';
import { sortBy, sortDesc, sortKey } from '../state/prefs';
import { level } from './bar';
import { NearSlot, screenNow } from './near-slot';
import type { SlotProps } from './near-slot';
import { farRowCells } from './head-dom';
import { Flag, StatusText, headKey } from './node-status';

/** A row's height in styles.css (two lines of .85rem text and 6 px padding above and below). */
const ROW_PX = 44;

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
      {NameCell({ node })}
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

function NameCell({ node }: { node: NodeView }) {
  return (
    <th scope="row">
      {Flag({ code: node.location })} <a href={`#/node/${node.id}`}>{node.name}</a>
    </th>
  );
}

/** Off screen: name and status, and an empty cell of two lines, so the row is as tall as a whole one (cells: head-dom.ts). */
function FarRow({ node }: { node: NodeView }) {
  return <tr class={node.online ? 'online' : 'offline'} data-node={node.name} />;
}

interface RowProps extends SlotProps {
  node: NodeView;
}

class RowSlot extends NearSlot<RowProps> {
  protected firstScreen(): number {
    return Math.ceil(screenNow().height / ROW_PX);
  }

  protected renderNear({ node }: RowProps) {
    return <Row node={node} />;
  }

  protected renderFar({ node }: RowProps) {
    return FarRow({ node });
  }

  protected farInside({ node }: RowProps): Node {
    return farRowCells(node);
  }

  protected farKey({ node }: RowProps): string {
    return headKey(node);
  }
}

/** `first`: the index of the table's first row among all the overview's nodes. */
export function NodeTable({ list, first }: { list: NodeView[]; first: number }) {
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
          {list.map((n, i) => (
            <RowSlot key={n.id} node={n} index={first + i} />
          ))}
        </tbody>
      </table>
    </div>
  );
}
