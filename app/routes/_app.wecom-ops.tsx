/** WeCom operations (企微运营): welcome messages, customers kept when a clerk leaves or moves, moments. Ops and admins. */
import type { LoaderFunctionArgs } from '@remix-run/node';
import { json } from '@remix-run/node';
import { NavLink, Outlet } from '@remix-run/react';
import { requireActor } from '~/lib/guards.server';
import { useT } from '~/lib/i18n';

const TABS = [
  { to: '/wecom-ops/welcome', zh: '欢迎语', en: 'Welcome messages' },
  { to: '/wecom-ops/handovers', zh: '离职/在职继承', en: 'Handovers' },
  { to: '/wecom-ops/moments', zh: '朋友圈', en: 'Moments' },
] as const;

export async function loader({ request, context }: LoaderFunctionArgs) {
  await requireActor(request, context, 'wecom.ops');
  return json({});
}

export default function WecomOpsLayout() {
  const t = useT();
  return (
    <>
      <h1>{t('企微运营', 'WeCom operations')}</h1>
      <nav className="tabs">
        {TABS.map((tab) => (
          <NavLink key={tab.to} to={tab.to} className={({ isActive }) => (isActive ? 'active' : undefined)}>
            {t(tab.zh, tab.en)}
          </NavLink>
        ))}
      </nav>
      <Outlet />
    </>
  );
}
