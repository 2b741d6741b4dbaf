/**
 * Holdout groups, drawn deterministically before any task is created: the same campaign and customer always land
 * on the same side, whatever the order, the batch or a restart. A campaign's holdout hashes (campaign, customer);
 * the tenant-wide control group hashes (tenant salt, customer) so that it is the same across all campaigns.
 * The draws happen in SQL (delivery.repository.ts holdoutDrawSql, controlDrawSql); these are the reference the
 * SQL is tested against (tests/integration/campaigns/delivery.test.ts, lifecycle.test.ts).
 */
import { createHash } from 'node:crypto';

/** A uniform number in [0, 1) from a key: the first 48 bits of its SHA-256. */
function unitHash(key: string): number {
  const h = createHash('sha256').update(key).digest();
  return h.readUIntBE(0, 6) / 2 ** 48;
}

/** True when the customer is held out of this campaign (`pct` of customers, 0–100). */
export function inCampaignHoldout(campaignId: string, customerId: string, pct: number): boolean {
  return pct > 0 && unitHash(`holdout:${campaignId}:${customerId}`) < pct / 100;
}

/** True when the customer is in the tenant's global control group, which never receives campaigns. */
export function inGlobalControl(tenantSalt: string, customerId: string, pct: number): boolean {
  return pct > 0 && unitHash(`control:${tenantSalt}:${customerId}`) < pct / 100;
}
