/** @module The page: header, then the overview or one node's page, then the footer. */
import { Footer, TopBar } from './components/top-bar';
import { NodeDetail } from './components/node-detail';
import { Overview } from './components/overview';
import { Admin } from './components/admin';
import { embedded, route } from './state/route';

export function App() {
  if (embedded) return <Overview compact />;
  const r = route.value;
  return (
    <>
      <TopBar />
      {location.pathname === '/admin' ? <Admin /> : r.page === 'node' ? <NodeDetail key={r.id} id={r.id} /> : <Overview />}
      <Footer />
    </>
  );
}
