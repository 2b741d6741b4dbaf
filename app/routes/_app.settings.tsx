import type { LoaderFunctionArgs } from '@remix-run/node';
import { json } from '@remix-run/node';
import { NavLink, Outlet, useLoaderData } from '@remix-run/react';
import { can } from '~/lib/auth.server';
import { requireActor } from '~/lib/guards.server';
import { useT } from '~/lib/i18n';

const TABS = [
  { to: '/settings', end: true, zh: '企业信息', en: 'Company', permission: 'settings.view' },
  { to: '/settings/stores', zh: '区域与门店', en: 'Regions & stores', permission: 'settings.view' },
  { to: '/settings/staff', zh: '员工', en: 'Staff', permission: 'staff.manage' },
  { to: '/settings/wecom', zh: '企业微信', en: 'WeCom', permission: 'wecom.manage' },
  { to: '/settings/campaigns', zh: '营销活动', en: 'Campaigns', permission: 'settings.manage' },
  { to: '/settings/api-keys', zh: 'API 密钥', en: 'API keys', permission: 'apikeys.manage' },
  { to: '/settings/audit', zh: '操作日志', en: 'Audit log', permission: 'audit.view' },
] as const;

export async function loader({ request, context }: LoaderFunctionArgs) {
  const { actor } = await requireActor(request, context, 'settings.view');
  return json({ tabs: TABS.filter((t) => can(actor.role, t.permission)).map(({ to, zh, en, ...r }) => ({ to, zh, en, end: 'end' in r })) });
}

export default function SettingsLayout() {
  const { tabs } = useLoaderData<typeof loader>();
  const t = useT();
  return (
    <>
      <h1>{t('设置', 'Settings')}</h1>
      <nav className="tabs">
        {tabs.map((tab) => (
          <NavLink key={tab.to} to={tab.to} end={tab.end} className={({ isActive }) => (isActive ? 'active' : undefined)}>
            {t(tab.zh, tab.en)}
          </NavLink>
        ))}
      </nav>
      <Outlet />
    </>
  );
}
