import type { ActionFunctionArgs, LoaderFunctionArgs } from '@remix-run/node';
import { json } from '@remix-run/node';
import { Form, useActionData, useLoaderData } from '@remix-run/react';
import { CsrfInput } from '~/components/csrf';
import { FormResult } from '~/components/form-result';
import { can } from '~/lib/auth.server';
import { actionError, requireActor, requireMutation } from '~/lib/guards.server';
import { useT } from '~/lib/i18n';
import { clerkSettings, getTenant, saveClerkSettings, updateTenant, withTenant } from '~/lib/settings.server';

const ZONES = ['Asia/Shanghai', 'Asia/Hong_Kong', 'Asia/Taipei', 'Asia/Singapore', 'Asia/Tokyo', 'Europe/London', 'America/Los_Angeles', 'UTC'];

export async function loader({ request, context }: LoaderFunctionArgs) {
  const { actor } = await requireActor(request, context, 'settings.view');
  const { tenant, clerk } = await withTenant(context.services.dbs, actor.tenantId, async (trx) => ({ tenant: await getTenant(trx, actor), clerk: await clerkSettings(trx, actor.tenantId) }));
  return json({ tenant: { name: tenant.name, slug: tenant.slug, timezone: tenant.timezone, currency: tenant.currency, locale: tenant.locale }, clerk, canEdit: can(actor.role, 'settings.manage') });
}

export async function action({ request, context }: ActionFunctionArgs) {
  const { actor, form } = await requireMutation(request, context, 'settings.manage');
  try {
    const input = Object.fromEntries(form);
    await withTenant(context.services.dbs, actor.tenantId, async (trx) => {
      if (form.get('intent') === 'clerk') await saveClerkSettings(trx, actor, input);
      else await updateTenant(trx, actor, input);
    });
    return json({ ok: true as const, error: undefined });
  } catch (e) {
    return actionError(e, context);
  }
}

export default function TenantSettings() {
  const { tenant, clerk, canEdit } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  const t = useT();
  const zones = ZONES.includes(tenant.timezone) ? ZONES : [tenant.timezone, ...ZONES];
  return (
    <div className="card">
      <FormResult data={result} ok={t('已保存', 'Saved')} />
      <Form method="post" className="stack">
        <CsrfInput />
        <label>
          {t('企业名称', 'Company name')}
          <input name="name" defaultValue={tenant.name} required disabled={!canEdit} />
        </label>
        <label>
          {t('企业代码', 'Company code')}
          <input value={tenant.slug} readOnly disabled />
        </label>
        <label>
          {t('时区', 'Time zone')}
          <select name="timezone" defaultValue={tenant.timezone} disabled={!canEdit}>
            {zones.map((z) => (
              <option key={z}>{z}</option>
            ))}
          </select>
        </label>
        <label>
          {t('币种', 'Currency')}
          <input name="currency" defaultValue={tenant.currency} maxLength={3} required disabled={!canEdit} />
        </label>
        <label>
          {t('默认语言', 'Default language')}
          <select name="locale" defaultValue={tenant.locale} disabled={!canEdit}>
            <option value="zh-CN">简体中文</option>
            <option value="en">English</option>
          </select>
        </label>
        {canEdit ? <button type="submit">{t('保存', 'Save')}</button> : <p className="muted">{t('只有管理员可以修改', 'Only admins can change these')}</p>}
      </Form>
      <h2>{t('导购工作台', 'Clerk workspace')}</h2>
      <Form method="post" className="stack" data-testid="clerk-settings">
        <CsrfInput />
        <input type="hidden" name="intent" value="clerk" />
        <label style={{ flexDirection: 'row', alignItems: 'center', gap: '.5rem' }}>
          <input type="checkbox" name="showMobile" defaultChecked={clerk.showMobile} disabled={!canEdit} style={{ width: 'auto' }} />
          {t('在客户卡片上显示手机号，导购可一键拨打（仅限该导购服务的客户；列表中始终只显示掩码）', 'Show the mobile on the customer card with tap-to-call (only to the clerk serving the customer; lists always show it masked)')}
        </label>
        <label>
          {t('侧边栏打开其他导购的客户时显示', 'In the sidebar, for a customer served by another clerk, show')}
          <select name="otherClerkCustomer" defaultValue={clerk.otherClerkCustomer} disabled={!canEdit}>
            <option value="basic">{t('姓名和服务导购', 'Name and who serves them')}</option>
            <option value="none">{t('不显示', 'Nothing')}</option>
          </select>
        </label>
        {canEdit ? <button type="submit">{t('保存', 'Save')}</button> : null}
      </Form>
    </div>
  );
}
