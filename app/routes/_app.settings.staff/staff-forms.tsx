/** The staff forms: add a member of staff, edit one's role and scope or password; the role picker both use. */
import type { SerializeFrom } from '@remix-run/node';
import { Form } from '@remix-run/react';
import { useState } from 'react';
import { CsrfInput } from '~/components/csrf';
import { ROLES } from '~/lib/contracts/roles';
import { useT } from '~/lib/i18n';
import type { loader } from './route';

type Data = SerializeFrom<typeof loader>;
export type StaffRow = Data['staff']['rows'][number];

export const ROLE_LABEL: Record<string, [string, string]> = { admin: ['管理员', 'Admin'], ops: ['运营', 'Operations'], manager: ['区域经理', 'Manager'], clerk: ['导购', 'Clerk'] };

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

export function EditStaff({ row, stores, regions }: { row: StaffRow; stores: Data['stores']; regions: Data['regions'] }) {
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

export function AddStaff({ stores, regions }: { stores: Data['stores']; regions: Data['regions'] }) {
  const t = useT();
  return (
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
  );
}
