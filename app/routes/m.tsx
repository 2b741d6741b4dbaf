/** The clerk's phone-first workspace: its own layout (no desktop sidebar), bottom tabs 今日 / 客户 / 话术. */
import type { LinksFunction, LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { json } from '@remix-run/node';
import { NavLink, Outlet, useLoaderData, useMatches } from '@remix-run/react';
import { LangSwitch } from '~/components/lang-switch';
import { loadTabCount } from '~/lib/clerk.server';
import { requireActor } from '~/lib/guards.server';
import { useT } from '~/lib/i18n';
import mobileStyles from '~/styles/mobile.css';

export const links: LinksFunction = () => [{ rel: 'stylesheet', href: mobileStyles }];
export const meta: MetaFunction = () => [{ title: '回客 · 导购工作台' }, { name: 'viewport', content: 'width=device-width, initial-scale=1, viewport-fit=cover' }];

export async function loader({ request, context }: LoaderFunctionArgs) {
  const { actor, session } = await requireActor(request, context, 'customers.view');
  return json({ open: await loadTabCount(context, actor), user: actor.name, tenant: session.tenantName });
}

export default function MobileShell() {
  const { open: counted, user, tenant } = useLoaderData<typeof loader>();
  // On 今日 the page's own count is fresher (it generated today's tasks while this layout counted).
  const today = useMatches().find((m) => m.id === 'routes/m._index')?.data as { tabCount?: number } | undefined;
  const open = today?.tabCount ?? counted;
  const t = useT();
  return (
    <div className="m-shell">
      <header className="m-head">
        <h1>
          {tenant} · {user}
        </h1>
        <span className="m-lang">
          <LangSwitch />
        </span>
      </header>
      <main className="m-main">
        <Outlet />
      </main>
      <nav className="m-tabs" aria-label={t('导购工作台', 'Clerk workspace')}>
        <NavLink to="/m" end className={({ isActive }) => (isActive ? 'active' : undefined)} data-testid="tab-today">
          <span>
            {t('今日', 'Today')}
            {open > 0 ? <span className="count" data-testid="tab-count">{open}</span> : null}
          </span>
        </NavLink>
        <NavLink to="/m/customers" className={({ isActive }) => (isActive ? 'active' : undefined)}>
          {t('客户', 'Customers')}
        </NavLink>
        <NavLink to="/m/scripts" className={({ isActive }) => (isActive ? 'active' : undefined)}>
          {t('话术', 'Scripts')}
        </NavLink>
      </nav>
    </div>
  );
}
