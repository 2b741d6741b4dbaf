/** Scripts and materials (`clerk_scripts`): all SQL of scripts.service.ts and the sidebar's script check. */
import type { ScriptKind } from '../../db/schema/clerk';
import type { TenantId, Tx } from '../tenancy/context';

/** Active scripts, by category, stage and title; a stage filter keeps that stage's scripts and those for every stage. */
export async function activeScripts(trx: Tx, tenantId: TenantId, f: { category?: string; stage?: string }) {
  let q = trx
    .selectFrom('clerk_scripts')
    .select(['id', 'category', 'stage', 'kind', 'title', 'body', 'url', 'image_url', 'updated_at'])
    .where('tenant_id', '=', tenantId)
    .where('active', '=', true);
  if (f.category) q = q.where('category', '=', f.category);
  if (f.stage) q = q.where((eb) => eb.or([eb('stage', '=', f.stage!), eb('stage', 'is', null)]));
  return q.orderBy('category').orderBy('stage').orderBy('title').limit(500).execute();
}

export async function activeScriptCategories(trx: Tx, tenantId: TenantId): Promise<string[]> {
  const r = await trx.selectFrom('clerk_scripts').select('category').distinct().where('tenant_id', '=', tenantId).where('active', '=', true).orderBy('category').execute();
  return r.map((x) => x.category);
}

/** The script exists (active or archived: a touch may name a script archived since the page was opened). */
export async function scriptExists(trx: Tx, tenantId: TenantId, scriptId: string): Promise<boolean> {
  return Boolean(await trx.selectFrom('clerk_scripts').select('id').where('tenant_id', '=', tenantId).where('id', '=', scriptId).executeTakeFirst());
}

export async function insertScript(trx: Tx, tenantId: TenantId, v: { category: string; stage: string | null; kind: ScriptKind; title: string; body: string; url: string | null; imageUrl: string | null; label: string }): Promise<{ id: string }> {
  return trx
    .insertInto('clerk_scripts')
    .values({ tenant_id: tenantId, category: v.category, stage: v.stage, kind: v.kind, title: v.title, body: v.body, url: v.url, image_url: v.imageUrl, created_by_label: v.label })
    .returning('id')
    .executeTakeFirstOrThrow();
}

/** Archives a script; its title, or undefined when there is no such script. */
export async function archiveScriptRow(trx: Tx, tenantId: TenantId, id: string) {
  return trx.updateTable('clerk_scripts').set({ active: false, updated_at: new Date() }).where('tenant_id', '=', tenantId).where('id', '=', id).returning(['id', 'title']).executeTakeFirst();
}
