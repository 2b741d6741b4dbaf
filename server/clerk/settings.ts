/** The tenant's clerk-workspace settings (tenants.settings.clerk): what a clerk may see. */
import { z } from 'zod';
import type { TenantId, Tx } from '../tenancy/context';

export const clerkSettingsSchema = z.object({
  /** Show the customer's mobile on the card (masked; tap-to-call needs the full number, which Huike does not keep). */
  showMobile: z.boolean().default(false),
  /** What the sidebar shows for a customer served by another clerk: nothing, or name and who serves them. */
  otherClerkCustomer: z.enum(['none', 'basic']).default('basic'),
});
export type ClerkSettings = z.infer<typeof clerkSettingsSchema>;

export async function clerkSettings(trx: Tx, tenantId: TenantId): Promise<ClerkSettings> {
  const row = await trx.selectFrom('tenants').select('settings').where('id', '=', tenantId).executeTakeFirst();
  const raw = (row?.settings as Record<string, unknown> | undefined)?.clerk;
  const r = clerkSettingsSchema.safeParse(raw ?? {});
  return r.success ? r.data : clerkSettingsSchema.parse({});
}
