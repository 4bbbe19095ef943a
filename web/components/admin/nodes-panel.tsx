/** @module The admin's nodes: the form that adds one, and the list in page order. */
import { addNode, adminNodes } from '../../state/admin';
import { t } from '../../state/lang';
import { NodeForm } from './node-form';
import { NodeRow } from './node-row';

export function NodesPanel() {
  return (
    <section class="admin-card">
      <h2>{t('addNode')}</h2>
      <NodeForm submitLabel={t('add')} onSubmit={(f) => addNode(f.name, f.group, f.location)} />
      <div class="table-wrap">
        <table class="nodes admin-nodes">
          <thead>
            <tr>
              <th scope="col">{t('name')}</th>
              <th scope="col">{t('group')}</th>
              <th scope="col">{t('status')}</th>
              <th scope="col">{t('visibility')}</th>
              <th scope="col">{t('actions')}</th>
            </tr>
          </thead>
          <tbody>
            {adminNodes.value.map((n, i, all) => (
              <NodeRow key={n.id} node={n} first={i === 0} last={i === all.length - 1} />
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}
