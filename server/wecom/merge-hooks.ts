/**
 * When two customers are proven to be one person (server/customers/identity.service.ts mergeCustomers), their WeCom
 * data moves to the survivor: internal tags, tag changes and group memberships. (Relation tags live on the relations,
 * which mergeCustomers moves itself.)
 */
import { sql } from 'kysely';
import { customerMergeHooks } from '../customers/identity.service';
import type { TenantId, Tx } from '../tenancy/context';

export async function moveWecomCustomerData(trx: Tx, tenantId: TenantId, survivorId: string, loserId: string): Promise<void> {
  const t = tenantId;
  await sql`insert into customer_internal_tags (tenant_id, customer_id, tag_id, added_by_label, added_at)
    select tenant_id, ${survivorId}::uuid, tag_id, added_by_label, added_at from customer_internal_tags where tenant_id = ${t}::uuid and customer_id = ${loserId}::uuid
    on conflict do nothing`.execute(trx);
  await sql`delete from customer_internal_tags where tenant_id = ${t}::uuid and customer_id = ${loserId}::uuid`.execute(trx);
  await sql`update tag_changes set customer_id = ${survivorId}::uuid where tenant_id = ${t}::uuid and customer_id = ${loserId}::uuid`.execute(trx);
  await sql`update wecom_group_members set customer_id = ${survivorId}::uuid where tenant_id = ${t}::uuid and customer_id = ${loserId}::uuid`.execute(trx);
}

if (!customerMergeHooks.includes(moveWecomCustomerData)) customerMergeHooks.push(moveWecomCustomerData);
