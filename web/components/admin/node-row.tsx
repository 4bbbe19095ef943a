/**
 * @module One node in the admin's list: status, hiding from guests, order, and its actions (edit
 * in a form in place of the row, its notes likewise, rotate the key, remove with the name typed
 * again).
 */
import { useState } from 'preact/hooks';
import type { AdminNode } from '../../state/admin';
import { editNode, moveNode, removeNode, rotateNodeKey, setHidden } from '../../state/admin';
import { t } from '../../state/lang';
import { ClockTag, Flag, StatusText } from '../node-status';
import { NodeForm } from './node-form';
import { NodeNotesForm } from './node-notes-form';

function NodeName({ node }: { node: AdminNode }) {
  const names = node.metricNames;
  return (
    <th scope="row">
      <Flag code={node.location} /> {node.name} {node.hidden && <span class="tag">{t('hiddenTag')}</span>}{' '}
      <ClockTag offsetMs={node.clockOffsetMs} testId={`clock-off-${node.name}`} />{' '}
      {names.refusedNames > 0 && (
        <span
          class="tag"
          title={t('metricNamesFullHint', { refused: names.refusedNames, example: names.examples[0] ?? '', limit: names.limit })}
          data-testid={`names-full-${node.name}`}
        >
          {t('metricNamesFull', { names: names.names })}
        </span>
      )}
    </th>
  );
}

function Actions({
  node,
  first,
  last,
  onEdit,
  onNotes,
}: {
  node: AdminNode;
  first: boolean;
  last: boolean;
  onEdit: () => void;
  onNotes: () => void;
}) {
  const remove = () => {
    const typed = prompt(t('confirmRemove'));
    if (typed !== null) void removeNode(node, typed);
  };
  return (
    <td class="actions">
      <button
        type="button"
        class="icon"
        disabled={first}
        onClick={() => void moveNode(node, -1)}
        aria-label={t('moveUp', { name: node.name })}
        data-testid={`up-${node.name}`}
      >
        ↑
      </button>
      <button
        type="button"
        class="icon"
        disabled={last}
        onClick={() => void moveNode(node, 1)}
        aria-label={t('moveDown', { name: node.name })}
      >
        ↓
      </button>
      <button type="button" onClick={onEdit} data-testid={`edit-${node.name}`}>
        {t('rename')}
      </button>
      <button type="button" onClick={onNotes} data-testid={`notes-${node.name}`}>
        {t('notes')}
      </button>
      <button
        type="button"
        onClick={() => confirm(t('confirmRotate', { name: node.name })) && void rotateNodeKey(node)}
        data-testid={`rotate-${node.name}`}
      >
        {t('rotateKey')}
      </button>
      <button type="button" class="danger" onClick={remove}>
        {t('remove')}
      </button>
    </td>
  );
}

export function NodeRow({ node, first, last }: { node: AdminNode; first: boolean; last: boolean }) {
  const [editing, setEditing] = useState<'node' | 'notes' | null>(null);
  if (editing === 'notes') {
    return (
      <tr data-editing={node.name}>
        <td colSpan={5} aria-label={t('notesOf', { name: node.name })}>
          <NodeNotesForm node={node} onDone={() => setEditing(null)} />
        </td>
      </tr>
    );
  }
  if (editing === 'node') {
    const save = (fields: { name: string; group: string; location: string }) =>
      editNode(node.id, fields).then((ok) => (ok && setEditing(null), ok));
    return (
      <tr data-editing={node.name}>
        <td colSpan={5} aria-label={t('editNode', { name: node.name })}>
          <NodeForm
            initial={{ name: node.name, group: node.group, location: node.location }}
            submitLabel={t('save')}
            onSubmit={save}
            onCancel={() => setEditing(null)}
            testId={`edit-form-${node.name}`}
          />
        </td>
      </tr>
    );
  }
  return (
    <tr data-node={node.name}>
      <NodeName node={node} />
      <td>{node.group || '–'}</td>
      <td>
        <StatusText node={node} />
      </td>
      <td>
        <label class="check">
          <input
            type="checkbox"
            checked={node.hidden}
            onChange={(e) => void setHidden(node, (e.target as HTMLInputElement).checked)}
            data-testid={`hide-${node.name}`}
          />
          {t('hideFromGuests')}
        </label>
      </td>
      <Actions node={node} first={first} last={last} onEdit={() => setEditing('node')} onNotes={() => setEditing('notes')} />
    </tr>
  );
}
