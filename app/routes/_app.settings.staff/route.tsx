/** Settings → Staff: the staff list (sorted, filtered, paged in SQL), adding, editing and deactivating staff. */
import type { ActionFunctionArgs, LoaderFunctionArgs } from '@remix-run/node';
import { json } from '@remix-run/node';
import { Form, useActionData, useLoaderData } from '@remix-run/react';
import type { ColumnDef } from '@tanstack/react-table';
import { z } from 'zod';
import { CsrfInput } from '~/components/csrf';
import { DataTable } from '~/components/data-table';
import { FormResult } from '~/components/form-result';
import { SearchBar } from '~/components/search-bar';
import { useFormat } from '~/lib/format';
import { actionError, requireActor, requireMutation } from '~/lib/guards.server';
import { useT } from '~/lib/i18n';
import { ROLES } from '~/lib/contracts/roles';
import { STAFF_SORTS } from '~/lib/contracts/settings';
import { addStaff, setStaffActive, staffPage, updateStaff } from '~/lib/settings.server';
import { parseTableParams, tableParamsSchema } from '~/lib/table-params';
import { AddStaff, EditStaff, ROLE_LABEL, type StaffRow } from './staff-forms';

const params = tableParamsSchema(STAFF_SORTS, { sort: 'name', dir: 'asc' });

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
      <AddStaff stores={stores} regions={regions} />
      <SearchBar q={p.q} placeholder={t('姓名、邮箱或手机号', 'Name, email or mobile')} submitLabel={t('筛选', 'Filter')}>
        <select name="role" defaultValue={role}>
          <option value="">{t('全部角色', 'All roles')}</option>
          {ROLES.map((r) => (
            <option key={r} value={r}>
              {t(...ROLE_LABEL[r]!)}
            </option>
          ))}
        </select>
      </SearchBar>
      <DataTable columns={columns} data={staff.rows} total={staff.total} sort={p.sort} dir={p.dir} page={p.page} size={p.size} sortable={['name', 'role', 'store', 'last_login_at']} rowKey={(r) => r.id} />
    </>
  );
}
