/** @module One node as a card: status, usage bars, network rates, load and uptime. */
import type { NodeView } from '../../src/protocol/messages';
import { formatAgo, formatBytes, formatDuration, formatLoad, formatPercent, formatRate, ratio } from '../lib/format';
import { now } from '../state/nodes';
import { Bar } from './bar';

export function NodeCard({ node }: { node: NodeView }) {
  const v = node.values;
  const mem = ratio(v.memUsedBytes, v.memTotalBytes);
  const disk = ratio(v.diskUsedBytes, v.diskTotalBytes);
  return (
    <article class={`card ${node.online ? 'online' : 'offline'}`} data-node={node.name} aria-label={`${node.name}, ${node.online ? 'online' : 'offline'}`}>
      <header class="card-head">
        <span class={`dot ${node.online ? 'up' : 'down'}`} aria-hidden="true" />
        <h2 class="node-name">{node.name}</h2>
        {node.location && <span class="tag">{node.location}</span>}
        <span class="status">{node.online ? 'online' : node.lastSeen === null ? 'waiting for its agent' : `offline · last seen ${formatAgo(node.lastSeen, now.value)}`}</span>
      </header>
      <p class="os">{[node.os, node.arch, node.cores ? `${node.cores} cores` : ''].filter(Boolean).join(' · ') || '\u00a0'}</p>
      <Bar label="CPU" percent={v.cpu} detail={formatPercent(v.cpu)} />
      <Bar label="Memory" percent={mem} detail={`${formatBytes(v.memUsedBytes)} / ${formatBytes(v.memTotalBytes)}`} />
      <Bar label="Disk" percent={disk} detail={`${formatBytes(v.diskUsedBytes)} / ${formatBytes(v.diskTotalBytes)}`} />
      <dl class="facts">
        <div>
          <dt>In</dt>
          <dd data-metric="netRxBytesPerSec">{formatRate(v.netRxBytesPerSec)}</dd>
        </div>
        <div>
          <dt>Out</dt>
          <dd data-metric="netTxBytesPerSec">{formatRate(v.netTxBytesPerSec)}</dd>
        </div>
        <div>
          <dt>Load</dt>
          <dd>{[v.load1, v.load5, v.load15].map(formatLoad).join(' ')}</dd>
        </div>
        <div>
          <dt>Uptime</dt>
          <dd data-metric="uptimeSec">{formatDuration(v.uptimeSec)}</dd>
        </div>
      </dl>
    </article>
  );
}
