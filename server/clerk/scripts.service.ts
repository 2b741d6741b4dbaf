/**
 * Scripts and materials (话术): text, images and links by category and lifecycle stage, managed by ops; clerks
 * read them with the variables filled in for the current customer (app/lib/clerk-contract.ts fillScript).
 */
import { scriptSchema } from '../../app/lib/clerk-contract';
import { NotFoundError, ValidationError } from '../lib/errors';
import { assertCan, type Actor } from '../tenancy/actor';
import { audit } from '../tenancy/audit';
import type { Tx } from '../tenancy/context';

export async function listScripts(trx: Tx, actor: Actor, f: { category?: string; stage?: string } = {}) {
  let q = trx
    .selectFrom('clerk_scripts')
    .select(['id', 'category', 'stage', 'kind', 'title', 'body', 'url', 'image_url', 'updated_at'])
    .where('tenant_id', '=', actor.tenantId)
    .where('active', '=', true);
  if (f.category) q = q.where('category', '=', f.category);
  // A stage filter keeps the scripts of that stage and those for every stage.
  if (f.stage) q = q.where((eb) => eb.or([eb('stage', '=', f.stage!), eb('stage', 'is', null)]));
  return q.orderBy('category').orderBy('stage').orderBy('title').limit(500).execute();
}

export async function scriptCategories(trx: Tx, actor: Actor): Promise<string[]> {
  const r = await trx.selectFrom('clerk_scripts').select('category').distinct().where('tenant_id', '=', actor.tenantId).where('active', '=', true).orderBy('category').execute();
  return r.map((x) => x.category);
}

export async function getScript(trx: Tx, actor: Actor, id: string) {
  const r = await trx.selectFrom('clerk_scripts').selectAll().where('tenant_id', '=', actor.tenantId).where('id', '=', id).where('active', '=', true).executeTakeFirst();
  if (!r) throw new NotFoundError('话术不存在 / Script not found');
  return r;
}

export async function createScript(trx: Tx, actor: Actor, input: unknown) {
  assertCan(actor, 'scripts.manage');
  const p = scriptSchema.safeParse(input);
  if (!p.success) throw new ValidationError(p.error.issues.map((i) => i.message).join('; '));
  const v = p.data;
  if (v.kind === 'link' && !v.url) throw new ValidationError('链接类话术需要链接 / A link script needs a URL');
  if (v.kind === 'image' && !v.imageUrl) throw new ValidationError('图片类话术需要图片链接 / An image script needs an image URL');
  const row = await trx
    .insertInto('clerk_scripts')
    .values({ tenant_id: actor.tenantId, category: v.category, stage: v.stage ?? null, kind: v.kind, title: v.title, body: v.body, url: v.url ?? null, image_url: v.imageUrl ?? null, created_by_label: actor.label })
    .returning('id')
    .executeTakeFirstOrThrow();
  await audit(trx, actor, { action: 'script.create', entityType: 'clerk_script', entityId: row.id, after: v });
  return row;
}

export async function archiveScript(trx: Tx, actor: Actor, id: string) {
  assertCan(actor, 'scripts.manage');
  const r = await trx.updateTable('clerk_scripts').set({ active: false, updated_at: new Date() }).where('tenant_id', '=', actor.tenantId).where('id', '=', id).returning(['id', 'title']).executeTakeFirst();
  if (!r) throw new NotFoundError('话术不存在 / Script not found');
  await audit(trx, actor, { action: 'script.archive', entityType: 'clerk_script', entityId: id, before: { title: r.title } });
}
