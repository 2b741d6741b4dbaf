/**
 * A static segment from an uploaded list of mobiles, member numbers or WeCom external user ids (one per line, or
 * the first column of a CSV). Each value is matched to a customer through customer_identities (mobiles by their
 * keyed hash, never in clear; a merge moves identities to the surviving customer), inside the uploader's
 * scope. The rows that matched nobody come back as a report (line, value, reason) and into the audit log as a count.
 */
import { z } from 'zod';
import { hashMobile, type MobileKey } from '../customers/mobile-identity';
import { referenceDay } from '../customers/rule-compiler';
import { ConflictError, ValidationError } from '../lib/errors';
import { parseOrThrow } from '../lib/validation';
import { normalizeMobile } from '../tenancy/mobile';
import { assertCan, type Actor } from '../tenancy/actor';
import { audit } from '../tenancy/audit';
import type { Tx } from '../tenancy/context';
import { addMembers } from './membership.repository';
import { customersByIdentity, insertSegment, segmentNameTaken } from './segments.repository';

export const MAX_UPLOAD_ROWS = 200_000;
export const uploadInput = z.object({
  name: z.string().trim().min(1, '请填写分群名称 / Name is required').max(60),
  description: z.string().trim().max(500).nullish().transform((v) => v || null),
  idType: z.enum(['mobile', 'member_no', 'external_userid']),
  text: z.string().max(20_000_000),
});

export interface UnmatchedRow {
  line: number;
  value: string;
  reason: 'invalid_mobile' | 'no_customer';
}

/** Values of the file: first column, header lines and blanks skipped (a header is a line without a digit for mobiles). */
export function uploadValues(text: string): { line: number; value: string }[] {
  return text
    .replace(/^\uFEFF/, '')
    .split(/\r\n|\n|\r/)
    .map((l, i) => ({ line: i + 1, value: (l.split(/[,\t;]/)[0] ?? '').trim().replace(/^"|"$/g, '') }))
    .filter((x) => x.value !== '');
}

export async function createStaticFromUpload(trx: Tx, actor: Actor, key: MobileKey, input: unknown): Promise<{ segmentId: string; rows: number; matched: number; unmatched: UnmatchedRow[] }> {
  assertCan(actor, 'segments.manage');
  const v = parseOrThrow(uploadInput, input, { field: '' });
  let rows = uploadValues(v.text);
  if (v.idType === 'mobile' && rows[0] && !/\d/.test(rows[0].value)) rows = rows.slice(1);
  if (rows.length === 0) throw new ValidationError('文件中没有数据 / The file has no values');
  if (rows.length > MAX_UPLOAD_ROWS) throw new ValidationError(`最多 ${MAX_UPLOAD_ROWS.toLocaleString('en-US')} 行 / At most ${MAX_UPLOAD_ROWS} rows`);
  if (await segmentNameTaken(trx, actor.tenantId, v.name)) {
    throw new ConflictError(`已有名为「${v.name}」的分群 / A segment named ${v.name} exists`);
  }
  const unmatched: UnmatchedRow[] = [];
  const keyed: { line: number; value: string; key: string }[] = [];
  for (const r of rows) {
    if (v.idType !== 'mobile') keyed.push({ ...r, key: r.value });
    else {
      const n = normalizeMobile(r.value);
      if (n) keyed.push({ ...r, key: hashMobile(key, n) });
      else unmatched.push({ ...r, reason: 'invalid_mobile' });
    }
  }
  const byKey = await customersByIdentity(trx, actor, v.idType, keyed.map((k) => k.key));
  const ids = new Set<string>();
  for (const k of keyed) {
    const id = byKey.get(k.key);
    if (!id) unmatched.push({ line: k.line, value: k.value, reason: 'no_customer' });
    else ids.add(id);
  }
  unmatched.sort((a, b) => a.line - b.line);
  const seg = await insertSegment(trx, actor.tenantId, { name: v.name, description: v.description, kind: 'static', rule: { all: [], none: [] }, template: null, source: 'upload' }, { staffId: actor.staffId, label: actor.label });
  const { d } = await referenceDay(trx, actor);
  const change = await addMembers(trx, actor.tenantId, seg.id, [...ids], d);
  await audit(trx, actor, { action: 'segment.upload', entityType: 'segment', entityId: seg.id, after: { name: v.name, id_type: v.idType, rows: rows.length, matched: change.size, unmatched: unmatched.length } });
  return { segmentId: seg.id, rows: rows.length, matched: change.size, unmatched };
}
