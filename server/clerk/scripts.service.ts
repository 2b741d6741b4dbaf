/**
 * Scripts and materials (话术): text, images and links by category and lifecycle stage, managed by ops; clerks
 * read them with the variables filled in for the current customer (app/lib/clerk-contract.ts fillScript).
 */
import { scriptSchema } from '../../app/lib/clerk-contract';
import { NotFoundError, ValidationError } from '../lib/errors';
import { parseOrThrow } from '../lib/validation';
import { assertCan, type Actor } from '../tenancy/actor';
import { audit } from '../tenancy/audit';
import type { Tx } from '../tenancy/context';
import { clerkTextFields } from '../campaigns/delivery.repository';
import { activeScriptCategories, activeScripts, archiveScriptRow, insertScript } from './scripts.repository';

export async function listScripts(trx: Tx, actor: Actor, f: { category?: string; stage?: string } = {}) {
  return activeScripts(trx, actor.tenantId, f);
}

/**
 * The variables a script has without a customer: the clerk's own (导购, 门店), as a campaign fills them for its sender
 * (clerkTextFields). Customer variables are not known there: a script copied from the library reads
 * "{客户称呼|您}好，我是{门店}的{导购}" as "您好，我是徐汇店的王静" (fillScript).
 */
export async function clerkOwnVars(trx: Tx, actor: Actor): Promise<{ clerk: string; store: string | null }> {
  const [me] = actor.staffId ? await clerkTextFields(trx, actor.tenantId, [actor.staffId]) : [];
  return { clerk: actor.name, store: me?.store_name ?? null };
}

export async function scriptCategories(trx: Tx, actor: Actor): Promise<string[]> {
  return activeScriptCategories(trx, actor.tenantId);
}

export async function createScript(trx: Tx, actor: Actor, input: unknown) {
  assertCan(actor, 'scripts.manage');
  const v = parseOrThrow(scriptSchema, input);
  if (v.kind === 'link' && !v.url) throw new ValidationError('链接类话术需要链接 / A link script needs a URL');
  if (v.kind === 'image' && !v.imageUrl) throw new ValidationError('图片类话术需要图片链接 / An image script needs an image URL');
  const row = await insertScript(trx, actor.tenantId, { category: v.category, stage: v.stage ?? null, kind: v.kind, title: v.title, body: v.body, url: v.url ?? null, imageUrl: v.imageUrl ?? null, label: actor.label });
  await audit(trx, actor, { action: 'script.create', entityType: 'clerk_script', entityId: row.id, after: v });
  return row;
}

export async function archiveScript(trx: Tx, actor: Actor, id: string) {
  assertCan(actor, 'scripts.manage');
  const r = await archiveScriptRow(trx, actor.tenantId, id);
  if (!r) throw new NotFoundError('话术不存在 / Script not found');
  await audit(trx, actor, { action: 'script.archive', entityType: 'clerk_script', entityId: id, before: { title: r.title } });
}
