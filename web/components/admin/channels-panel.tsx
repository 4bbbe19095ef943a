/**
 * @module The notification channels: the config file's (read-only, marked as such) and the
 * admin's, each with a test message, edit and delete; a form for a new one.
 */
import { useState } from 'preact/hooks';
import type { ChannelView } from '../../../src/protocol/admin';
import { channelsView, deleteChannel, saveChannel, testChannel } from '../../state/admin-setup';
import { t } from '../../state/lang';
import { ChannelForm } from './channel-form';

function ChannelRow({ view, onEdit }: { view: ChannelView; onEdit: () => void }) {
  const shown = Object.entries(view.config)
    .filter(([k]) => k !== 'type')
    .map(([k, v]) => `${k}: ${typeof v === 'object' ? JSON.stringify(v) : String(v)}`);
  return (
    <tr data-testid={`channel-row-${view.name}`}>
      <td>
        {view.name}
        {view.shadowed && <span class="tag">{t('hiddenByFile')}</span>}
      </td>
      <td>{view.type}</td>
      <td class="muted">{[...shown, ...view.secretsSet.map((s) => `${s}: ${t('secretSet')}`)].join(' · ')}</td>
      <td>
        <span class="row-actions">
          <button
            type="button"
            onClick={() => void testChannel(view.name, `${t('sent')}: ${view.name}`)}
            data-testid={`channel-test-${view.name}`}
          >
            {t('sendTest')}
          </button>
          {view.source === 'admin' ? (
            <>
              <button type="button" onClick={onEdit} data-testid={`channel-edit-${view.name}`}>
                {t('rename')}
              </button>
              <button
                type="button"
                onClick={() => confirm(t('confirmDeleteChannel', { name: view.name })) && void deleteChannel(view.name)}
                data-testid={`channel-delete-${view.name}`}
              >
                {t('remove')}
              </button>
            </>
          ) : (
            <span class="tag">{t('fromFile')}</span>
          )}
        </span>
      </td>
    </tr>
  );
}

export function ChannelsPanel() {
  const view = channelsView.value;
  const [editing, setEditing] = useState<ChannelView | 'new' | null>(null);
  if (!view) return null;
  const save = (name: string, config: Record<string, unknown>) =>
    saveChannel(name, config, t('saved')).then((ok) => (ok && setEditing(null), ok));
  return (
    <section class="admin-card" data-testid="channels-panel">
      <h2>{t('channels')}</h2>
      {view.channels.length === 0 ? (
        <p class="empty">{t('noChannels')}</p>
      ) : (
        <div class="table-wrap">
          <table class="nodes admin-nodes">
            <tbody>
              {view.channels.map((c) => (
                <ChannelRow key={`${c.source} ${c.name}`} view={c} onEdit={() => setEditing(c)} />
              ))}
            </tbody>
          </table>
        </div>
      )}
      {editing ? (
        <ChannelForm
          key={editing === 'new' ? '' : editing.name}
          editing={editing === 'new' ? null : editing}
          onSave={save}
          onCancel={() => setEditing(null)}
        />
      ) : (
        <button type="button" onClick={() => setEditing('new')} data-testid="channel-new">
          {t('newChannel')}
        </button>
      )}
    </section>
  );
}
