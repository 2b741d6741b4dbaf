import type { ActionFunctionArgs, LoaderFunctionArgs } from '@remix-run/node';
import { json } from '@remix-run/node';
import { Form, useActionData, useLoaderData } from '@remix-run/react';
import { FormResult } from '~/components/form-result';
import { LangSwitch } from '~/components/lang-switch';
import { useFormat } from '~/lib/format';
import { actionError, requirePlatformAdmin, verifyCsrf } from '~/lib/guards.server';
import { useT } from '~/lib/i18n';
import { createTenantWithAdmin, listTenants } from '~/lib/platform.server';

export async function loader({ request, context }: LoaderFunctionArgs) {
  const admin = await requirePlatformAdmin(request, context);
  return json({ tenants: await listTenants(context.services), admin: { name: admin.name, email: admin.email }, csrf: admin.csrfToken });
}

export async function action({ request, context }: ActionFunctionArgs) {
  const admin = await requirePlatformAdmin(request, context);
  const form = (await verifyCsrf(request, admin.csrfToken)) ?? new FormData();
  try {
    const t = await createTenantWithAdmin(context.services, `platform:${admin.email}`, Object.fromEntries(form));
    return json({ ok: true as const, error: undefined, slug: t.slug });
  } catch (e) {
    return actionError(e, context);
  }
}

export default function Platform() {
  const { tenants, admin, csrf } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  const t = useT();
  const f = useFormat();
  return (
    <main className="main" style={{ maxWidth: 1100, margin: '0 auto' }}>
      <div className="topbar">
        <h1>{t('回客平台管理', 'Huike platform')}</h1>
        <div className="who">
          {admin.email} · <LangSwitch /> ·
          <Form method="post" action="/logout">
            <input type="hidden" name="_csrf" value={csrf} />
            <button type="submit" className="secondary">
              {t('退出', 'Sign out')}
            </button>
          </Form>
        </div>
      </div>
      <FormResult data={result} ok={t('企业已创建', 'Tenant created')} />
      <details className="card">
        <summary>
          <strong>{t('新建企业（租户）', 'New tenant')}</strong>
        </summary>
        <Form method="post" className="stack" style={{ marginTop: '.75rem' }}>
          <input type="hidden" name="_csrf" value={csrf} />
          <label>
            {t('企业代码（小写字母、数字、-）', 'Code (lowercase letters, digits, -)')}
            {/* `\-`: browsers compile pattern with the v flag, where a bare - in a class is a syntax error. */}
            <input name="slug" required pattern="[a-z0-9][a-z0-9\-]{1,40}" />
          </label>
          <label>
            {t('企业名称', 'Name')}
            <input name="name" required />
          </label>
          <label>
            {t('时区', 'Time zone')}
            <input name="timezone" defaultValue="Asia/Shanghai" required />
          </label>
          <label>
            {t('币种', 'Currency')}
            <input name="currency" defaultValue="CNY" required maxLength={3} />
          </label>
          <label>
            {t('首个管理员邮箱', 'First admin email')}
            <input name="adminEmail" type="email" required />
          </label>
          <label>
            {t('管理员初始密码', 'Admin initial password')}
            <input name="adminPassword" type="password" minLength={8} required autoComplete="new-password" />
          </label>
          <button type="submit">{t('创建', 'Create')}</button>
        </Form>
      </details>
      <div className="data-table">
        <table>
          <thead>
            <tr>
              <th>{t('代码', 'Code')}</th>
              <th>{t('名称', 'Name')}</th>
              <th>{t('时区', 'Zone')}</th>
              <th className="num">{t('门店', 'Stores')}</th>
              <th className="num">{t('员工', 'Staff')}</th>
              <th className="num">{t('客户', 'Customers')}</th>
              <th>{t('创建时间', 'Created')}</th>
            </tr>
          </thead>
          <tbody>
            {tenants.map((x) => (
              <tr key={x.id}>
                <td>{x.slug}</td>
                <td>{x.name}</td>
                <td>
                  {x.timezone} · {x.currency}
                </td>
                <td className="num">{x.stores}</td>
                <td className="num">{x.staff}</td>
                <td className="num">{x.customers}</td>
                <td>{f.dateTime(x.created_at)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </main>
  );
}
