/** The clerk's phone-first workspace: its own layout (no desktop sidebar), bottom tabs 今日 / 客户 / 话术. */
import type { LinksFunction, LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import type { ShouldRevalidateFunction } from '@remix-run/react';
import { json } from '@remix-run/node';
import { NavLink, Outlet, useLoaderData, useMatches } from '@remix-run/react';
import { LangSwitch } from '~/components/lang-switch';
import { loadTabCount } from '~/lib/clerk.server';
import { requireActor } from '~/lib/guards.server';
import { useT } from '~/lib/i18n';
import mobileStyles from '~/styles/mobile.css';

export const links: LinksFunction = () => [{ rel: 'stylesheet', href: mobileStyles }];
export const meta: MetaFunction = () => [{ title: '回客 · 导购工作台' }, { name: 'viewport', content: 'width=device-width, initial-scale=1, viewport-fit=cover' }];

const isToday = (url: URL) => url.pathname.replace(/\/+$/, '') === '/m';

/**
 * The tab's count. On 今日 itself the page's loader returns it (with the day's tasks, in the page's transaction):
 * whenever this loader runs for /m — the document, a revalidation after an action — 今日's loader runs beside it, so
 * the layout does not count the same tasks a second time.
 */
export async function loader({ request, context }: LoaderFunctionArgs) {
  const { actor, session } = await requireActor(request, context, 'customers.view');
  return json({ open: isToday(new URL(request.url)) ? null : await loadTabCount(context, actor), user: actor.name, tenant: session.tenantName });
}

/** Leaving 今日 for another tab: the layout counts again (it left the count to 今日 while there). */
export const shouldRevalidate: ShouldRevalidateFunction = ({ currentUrl, nextUrl, defaultShouldRevalidate }) =>
  defaultShouldRevalidate || (isToday(currentUrl) && !isToday(nextUrl));

export default function MobileShell() {
  const { open: counted, user, tenant } = useLoaderData<typeof loader>();
  // On 今日 the page's loader counts (see the loader); elsewhere the layout's count stands.
  const today = useMatches().find((m) => m.id === 'routes/m._index')?.data as { tabCount?: number } | undefined;
  const open = today?.tabCount ?? counted ?? 0;
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
