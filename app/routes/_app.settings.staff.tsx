import type { ActionFunctionArgs, LoaderFunctionArgs } from '@remix-run/node';
import { json } from '@remix-run/node';
import { Form, useActionData, useLoaderData } from '@remix-run/react';
import type { ColumnDef } from '@tanstack/react-table';
import { useState } from 'react';
import { z } from 'zod';
import { CsrfInput } from '~/components/csrf';
import { DataTable } from '~/components/data-table';
import { FormResult } from '~/components/form-result';
import { useFormat } from '~/lib/format';
import { actionError, requireActor, requireMutation } from '~/lib/guards.server';
import { useT } from '~/lib/i18n';
import { ROLES } from '~/lib/contracts/roles';
import { STAFF_SORTS } from '~/lib/contracts/settings';
import { addStaff, setStaffActive, staffPage, updateStaff } from '~/lib/settings.server';
import { parseTableParams, tableParamsSchema } from '~/lib/table-params';

const params = tableParamsSchema(STAFF_SORTS, { sort: 'name', dir: 'asc' });
const ROLE_LABEL: Record<string, [string, string]> = { admin: ['管理员', 'Admin'], ops: ['运营', 'Operations'], manager: ['区域经理', 'Manager'], clerk: ['导购', 'Clerk'] };

export async function loader({ request, context }: LoaderFunctionArgs) {
  const { actor } = await requireActor(request, context, 'staff.manage');
  const p = parseTableParams(request.url, params);
  const role = new URL(request.url).searchParams.get('role') ?? undefined;
  const data = await staffPage(context.services, actor, { ...p, role });
  return json({ ...data, p, role: role ?? '', me: actor.staffId });
}

const intent = z.enum(['create', 'update', 'toggle']);

export async function action({ request, context }: ActionFunctionArgs) {
  const { actor, form } = await requireMutation(request, context, 'staff.manage');
  try {
    const i = intent.parse(form.get('intent'));
    if (i === 'create') {
      await addStaff(context.services, actor, {
        name: String(form.get('name') ?? ''),
        email: String(form.get('email') ?? '') || null,
        mobile: String(form.get('mobile') ?? '') || null,
        role: z.enum(ROLES).parse(form.get('role')),
        password: String(form.get('password') ?? '') || null,
        storeCode: String(form.get('storeCode') ?? '') || null,
        regionCodes: form.getAll('regionCodes').map(String),
      });
    } else if (i === 'update') {
      await updateStaff(context.services, actor, { staffId: form.get('staffId'), role: form.get('role'), storeId: form.get('storeId') ?? '', regionIds: form.getAll('regionIds').map(String), password: form.get('password') ?? '' });
    } else {
      await setStaffActive(context.services, actor, String(form.get('staffId')), form.get('active') === 'true');
    }
    return json({ ok: true as const, error: undefined });
  } catch (e) {
    return actionError(e, context);
  }
}

type Data = ReturnType<typeof useLoaderData<typeof loader>>;
type StaffRow = Data['staff']['rows'][number];

/** Role picker with the scope it needs: a clerk's store, a manager's regions. Used by "add" and "edit". */
function RoleScopeFields({ stores, regions, by, initialRole }: { stores: Data['stores']; regions: Data['regions']; by: 'id' | 'code'; initialRole: string }) {
  const t = useT();
  const [role, setRole] = useState(initialRole);
  return (
    <>
      <label>
        {t('角色', 'Role')}
        <select name="role" value={role} onChange={(e) => setRole(e.target.value)}>
          {ROLES.map((r) => (
            <option key={r} value={r}>
              {t(...ROLE_LABEL[r]!)}
            </option>
          ))}
        </select>
      </label>
      {role === 'clerk' ? (
        <label>
          {t('所属门店', 'Store')}
          <select name={by === 'id' ? 'storeId' : 'storeCode'} required>
            {stores.map((s) => (
              <option key={s.id} value={s[by]}>
                {s.code} {s.name}
              </option>
            ))}
          </select>
        </label>
      ) : null}
      {role === 'manager' ? (
        <fieldset>
          <legend>{t('管理区域', 'Regions managed')}</legend>
          {regions.map((r) => (
            <label key={r.id} style={{ display: 'flex', gap: '.4rem' }}>
              <input type="checkbox" name={by === 'id' ? 'regionIds' : 'regionCodes'} value={r[by]} /> {r.name}
            </label>
          ))}
        </fieldset>
      ) : null}
    </>
  );
}

function EditStaff({ row, stores, regions }: { row: StaffRow; stores: Data['stores']; regions: Data['regions'] }) {
  const t = useT();
  return (
    <details>
      <summary>{t('编辑', 'Edit')}</summary>
      <Form method="post" className="stack" style={{ minWidth: 280, marginTop: '.5rem' }}>
        <CsrfInput />
        <input type="hidden" name="intent" value="update" />
        <input type="hidden" name="staffId" value={row.id} />
        <RoleScopeFields stores={stores} regions={regions} by="id" initialRole={row.role} />
        <label>
          {t('重置密码（可选）', 'Reset password (optional)')}
          <input name="password" type="password" minLength={8} autoComplete="new-password" />
        </label>
        <button type="submit">{t('保存', 'Save')}</button>
      </Form>
    </details>
  );
}

export default function StaffSettings() {
  const { staff, stores, regions, p, role, me } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  const t = useT();
  const f = useFormat();
  const columns: ColumnDef<StaffRow, unknown>[] = [
    { id: 'name', header: t('姓名', 'Name'), accessorKey: 'name' },
    { id: 'account', header: t('账号', 'Account'), cell: ({ row }) => row.original.email ?? row.original.mobile ?? '—' },
    { id: 'role', header: t('角色', 'Role'), cell: ({ row }) => t(...ROLE_LABEL[row.original.role]!) },
    { id: 'store', header: t('门店 / 范围', 'Store / scope'), cell: ({ row }) => row.original.store ?? row.original.scope ?? t('全部', 'All') },
    { id: 'wecom', header: t('企微账号', 'WeCom user'), cell: ({ row }) => row.original.wecom_userid ?? '—' },
    { id: 'last_login_at', header: t('最近登录', 'Last sign-in'), cell: ({ row }) => f.dateTime(row.original.last_login_at) },
    {
      id: 'status',
      header: t('状态', 'Status'),
      cell: ({ row }) => <span className={`badge ${row.original.active ? 'good' : 'bad'}`}>{row.original.active ? t('在职', 'Active') : t('已停用', 'Deactivated')}</span>,
    },
    {
      id: 'actions',
      header: '',
      cell: ({ row }) =>
        row.original.id === me ? (
          <span className="muted">{t('当前账号', 'You')}</span>
        ) : (
          <div style={{ display: 'flex', gap: '.5rem', alignItems: 'start' }}>
            <EditStaff row={row.original} stores={stores} regions={regions} />
            <Form method="post">
              <CsrfInput />
              <input type="hidden" name="intent" value="toggle" />
              <input type="hidden" name="staffId" value={row.original.id} />
              <input type="hidden" name="active" value={String(!row.original.active)} />
              <button type="submit" className={row.original.active ? 'danger' : 'secondary'}>
                {row.original.active ? t('停用', 'Deactivate') : t('恢复', 'Reactivate')}
              </button>
            </Form>
          </div>
        ),
    },
  ];
  return (
    <>
      <FormResult data={result} ok={t('已保存', 'Saved')} />
      <details className="card">
        <summary>
          <strong>{t('新增员工', 'Add staff')}</strong>
        </summary>
        <Form method="post" className="stack" style={{ marginTop: '.75rem' }}>
          <CsrfInput />
          <input type="hidden" name="intent" value="create" />
          <label>
            {t('姓名', 'Name')}
            <input name="name" required />
          </label>
          <label>
            {t('邮箱', 'Email')}
            <input name="email" type="email" />
          </label>
          <label>
            {t('手机号', 'Mobile')}
            <input name="mobile" inputMode="tel" />
          </label>
          <RoleScopeFields stores={stores} regions={regions} by="code" initialRole="clerk" />
          <label>
            {t('初始密码（至少 8 位）', 'Initial password (8+ characters)')}
            <input name="password" type="password" minLength={8} required autoComplete="new-password" />
          </label>
          <button type="submit">{t('创建', 'Create')}</button>
        </Form>
      </details>
      <Form method="get" className="toolbar">
        <input name="q" defaultValue={p.q ?? ''} placeholder={t('姓名、邮箱或手机号', 'Name, email or mobile')} />
        <select name="role" defaultValue={role}>
          <option value="">{t('全部角色', 'All roles')}</option>
          {ROLES.map((r) => (
            <option key={r} value={r}>
              {t(...ROLE_LABEL[r]!)}
            </option>
          ))}
        </select>
        <button type="submit" className="secondary">
          {t('筛选', 'Filter')}
        </button>
      </Form>
      <DataTable columns={columns} data={staff.rows} total={staff.total} sort={p.sort} dir={p.dir} page={p.page} size={p.size} sortable={['name', 'role', 'store', 'last_login_at']} rowKey={(r) => r.id} />
    </>
  );
}
