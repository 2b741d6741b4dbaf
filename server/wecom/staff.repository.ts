/** Active staff who have a WeCom account: the senders of WeCom pages' forms and the simulator harness's users. */
import type { TenantId, Tx } from '../tenancy/context';

/** By name (the moment form's senders). */
export async function wecomClerks(trx: Tx, tenantId: TenantId) {
  return trx.selectFrom('staff').select(['id', 'name', 'wecom_userid']).where('tenant_id', '=', tenantId).where('active', '=', true).where('wecom_userid', 'is not', null).orderBy('name').limit(2000).execute();
}

/** By email, then name, at most 200 (the simulator harness's sign-in list). */
export async function wecomStaffForHarness(trx: Tx, tenantId: TenantId) {
  return trx.selectFrom('staff').select(['name', 'email', 'wecom_userid']).where('tenant_id', '=', tenantId).where('wecom_userid', 'is not', null).where('active', '=', true).orderBy('email').orderBy('name').limit(200).execute();
}

/** Of the given staff, those with a WeCom account, with their userid. */
export async function wecomUseridsOf(trx: Tx, tenantId: TenantId, staffIds: readonly string[]) {
  if (staffIds.length === 0) return [];
  return trx.selectFrom('staff').select(['id', 'wecom_userid']).where('tenant_id', '=', tenantId).where('id', 'in', [...staffIds]).where('wecom_userid', 'is not', null).execute();
}
