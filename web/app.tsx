/** @module The page: header, then the overview or one node's page (or the admin, both loaded when first shown), then the footer. */
import { Footer, TopBar } from './components/top-bar';
import { lazy } from './components/lazy';
import { Overview } from './components/overview';
import { PageGate } from './components/page-gate';
import { access } from './state/access';
import { embedded, route } from './state/route';

const NodeDetail = lazy(() => import('./components/node-detail').then((m) => m.NodeDetail));
const Admin = lazy(() => import('./components/admin/admin').then((m) => m.Admin));

export function App({ onUnlock }: { onUnlock: () => void }) {
  const r = route.value;
  const isAdmin = location.pathname === '/admin';
  const locked = !isAdmin && access.value !== null && !access.value.granted;
  if (embedded && !locked) return <Overview compact />;
  return (
    <>
      <TopBar feed={!isAdmin && !locked} />
      {isAdmin ? (
        <Admin />
      ) : locked ? (
        <PageGate onUnlock={onUnlock} />
      ) : r.page === 'node' ? (
        <NodeDetail key={r.id} id={r.id} />
      ) : (
        <Overview />
      )}
      <Footer />
    </>
  );
}
