import type { LoaderFunctionArgs } from '@remix-run/node';
import { json } from '@remix-run/node';
import { Form, NavLink, Outlet, useLoaderData } from '@remix-run/react';
import { Icon } from '~/components/icons';
import { LangSwitch } from '~/components/lang-switch';
import { can } from '~/lib/auth.server';
import { requireActor } from '~/lib/guards.server';
import { useRootData, useT } from '~/lib/i18n';
import { NAV } from '~/lib/nav';

const ROLE_NAMES = { admin: ['管理员', 'Admin'], ops: ['运营', 'Operations'], manager: ['区域经理', 'Manager'], clerk: ['导购', 'Clerk'] } as const;

export async function loader({ request, context }: LoaderFunctionArgs) {
  const { actor, session } = await requireActor(request, context);
  return json({
    nav: NAV.filter((n) => can(actor.role, n.permission)).map(({ to, zh, en, icon }) => ({ to, zh, en, icon })),
    user: { name: actor.name, role: actor.role },
    tenant: { name: session.tenantName, slug: actor.tenantSlug },
  });
}

export default function AppShell() {
  const { nav, user, tenant } = useLoaderData<typeof loader>();
  const t = useT();
  const { csrfToken } = useRootData();
  const role = ROLE_NAMES[user.role];
  return (
    <div className="shell">
      <aside className="sidebar">
        <div className="brand">
          回客 Huike
          <small>{tenant.name}</small>
        </div>
        <nav aria-label={t('主导航', 'Main navigation')}>
          {nav.map((n) => (
            <NavLink key={n.to} to={n.to} className={({ isActive }) => (isActive ? 'active' : undefined)}>
              <Icon name={n.icon} />
              {t(n.zh, n.en)}
            </NavLink>
          ))}
        </nav>
        <div className="foot">
          <div>
            {user.name} · {t(role[0], role[1])}
          </div>
          <LangSwitch /> ·{' '}
          <Form method="post" action="/logout">
            <input type="hidden" name="_csrf" value={csrfToken ?? ''} />
            <button type="submit">{t('退出登录', 'Sign out')}</button>
          </Form>
        </div>
      </aside>
      <main className="main">
        <Outlet />
      </main>
    </div>
  );
}
