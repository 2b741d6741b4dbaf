/** The tenant's clerk-workspace settings (tenants.settings.clerk): what a clerk may see. Admins change them. */
import { z } from 'zod';
import { parseOrThrow } from '../lib/validation';
import { assertCan, type Actor } from '../tenancy/actor';
import { audit } from '../tenancy/audit';
import type { TenantId, Tx } from '../tenancy/context';
import { storeClerkSettings, storedClerkSettings } from './settings.repository';

export const clerkSettingsSchema = z.object({
  /**
   * Show the mobile of a customer the clerk serves on the card, with tap-to-call (the full number, opened from
   * `customers.mobile_sealed` for that card only). Off by default; lists always show only the masked form.
   */
  showMobile: z.boolean().default(false),
  /** What the sidebar shows for a customer served by another clerk: nothing, or name and who serves them. */
  otherClerkCustomer: z.enum(['none', 'basic']).default('basic'),
});
export type ClerkSettings = z.infer<typeof clerkSettingsSchema>;

export async function clerkSettings(trx: Tx, tenantId: TenantId): Promise<ClerkSettings> {
  const raw = await storedClerkSettings(trx, tenantId);
  const r = clerkSettingsSchema.safeParse(raw ?? {});
  return r.success ? r.data : clerkSettingsSchema.parse({});
}

/** The settings form: a checkbox ('on' or absent) and a select. */
const clerkSettingsForm = z.object({
  showMobile: z.preprocess((v) => v === 'on' || v === 'true' || v === true, z.boolean()),
  otherClerkCustomer: z.enum(['none', 'basic']),
});

/** Saves the clerk-workspace settings (admins), audited with before and after. */
export async function saveClerkSettings(trx: Tx, actor: Actor, input: unknown): Promise<ClerkSettings> {
  assertCan(actor, 'settings.manage');
  const v = parseOrThrow(clerkSettingsForm, input);
  const before = await clerkSettings(trx, actor.tenantId);
  await storeClerkSettings(trx, actor.tenantId, v);
  await audit(trx, actor, { action: 'tenant.clerk_settings', entityType: 'tenant', entityId: actor.tenantId, before, after: v });
  return v;
}
