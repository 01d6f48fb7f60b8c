import './pages.css';
import { useApp } from '../context.js';
import { AdminPage } from './admin.js';
import { AuditPage } from './audit.js';
import { ClientPage } from './client.js';
import { SupervisorPage } from './supervisor.js';
import { homeOf, mayOpen, type Page } from './routes.js';
import { Missing } from './missing.js';

/**
 * The page for an address, when this role may open it. A page the role may not
 * open says so and asks nothing of the API (which would refuse it anyway).
 */
export function PageBody({ page }: { page: Page }) {
  const { t, session } = useApp();
  if (!mayOpen(session.role, page)) return <Missing message={page.kind === 'unknown' ? t('page.unknown') : t('page.forbidden')} to={homeOf(session.role)} />;
  switch (page.kind) {
    case 'client':
      return <ClientPage key={page.id} id={page.id} />;
    case 'supervisor':
      return <SupervisorPage />;
    case 'admin':
      return <AdminPage />;
    case 'audit':
      return <AuditPage />;
    default:
      return null;
  }
}
