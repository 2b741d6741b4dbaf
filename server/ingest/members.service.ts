/**
 * Members through the REST API (`POST /api/v1/members`): up to 1,000 members per call, validated with zod (a 400
 * names every bad field), idempotent per `Idempotency-Key` like the orders API, merged by the same set-based SQL
 * as member files (members.repository.ts), with a result per member. An absent field leaves what is stored.
 */
import { z } from 'zod';
import { text } from '../../app/lib/params';
import { loadTenantIngestContext, lockTenantIdentities } from '../customers/identity.service';
import { mobileHashKey } from '../customers/mobile-identity';
import { nudgeRefresh } from '../customers/refresh';
import { SecretBox } from '../lib/secret-box';
import type { Services } from '../services';
import type { Actor } from '../tenancy/actor';
import { withTenant } from '../tenancy/context';
import { normalizeMobile } from '../tenancy/mobile';
import { claimIdempotencyKey, completeIdempotencyKey } from './idempotency.repository';
import { validateMember, type StagedMember } from './member-validate';
import { parseBirthday, parseDate } from './member-values';
import { mergeMembers, type MemberResult, apiMemberRows } from './members.repository';
import { batchRefusal, checkIdempotencyKey, hashBody, parseBatchBody } from './api-body';

export const MAX_API_MEMBERS = 1000;

export const apiMemberSchema = z.object({
  member_no: text().trim().min(1).max(64),
  mobile: z
    .string()
    .trim()
    .refine((m) => normalizeMobile(m) !== null, 'must be a mainland China mobile number')
    .optional(),
  name: text().trim().min(1).max(60).optional(),
  gender: z.enum(['male', 'female', 'unknown']).optional(),
  birthday: z
    .string()
    .trim()
    .refine((b) => /^(\d{4}-)?\d{2}-\d{2}$/.test(b) && !!parseBirthday(b), 'must be YYYY-MM-DD or MM-DD')
    .optional(),
  level: text().trim().min(1).max(40).optional(),
  points: z.number().int('must be a whole number').min(0).max(2_000_000_000).optional(),
  register_store_code: text().trim().min(1).max(64).optional(),
  registered_on: z
    .string()
    .trim()
    .refine((d) => /^\d{4}-\d{2}-\d{2}$/.test(d) && !!parseDate(d), 'must be YYYY-MM-DD')
    .optional(),
  marketing_opt_out: z.boolean().optional(),
});
export type ApiMember = z.output<typeof apiMemberSchema>;

export const apiMembersBody = z
  .object({ members: z.array(apiMemberSchema).min(1, 'at least one member').max(MAX_API_MEMBERS, `at most ${MAX_API_MEMBERS} members per call`) })
  .superRefine((b, ctx) => {
    const seen = new Map<string, number>();
    b.members.forEach((m, i) => {
      const j = seen.get(m.member_no);
      if (j !== undefined) ctx.addIssue({ code: 'custom', path: ['members', i, 'member_no'], message: `duplicates members[${j}].member_no` });
      else seen.set(m.member_no, i);
    });
  });

export interface ApiMembersResponse {
  results: (Omit<MemberResult, 'reason' | 'field'> & { error?: { code: string; field: string | null } })[];
  summary: { created: number; updated: number; unchanged: number; rejected: number };
}

const GENDER = { male: 'male', female: 'female', unknown: 'unknown' } as const;
const FIELD_OF: Record<string, string> = { store_code: 'register_store_code', opt_out: 'marketing_opt_out' };

/** The API members as staged members (the zod schema has checked every value the row validator reads). */
function toStaged(services: Services, actor: Actor, members: ApiMember[]): StagedMember[] {
  const opts = { tenantId: actor.tenantId, mobileKey: mobileHashKey(services.config.APP_ENCRYPTION_KEY), box: new SecretBox(services.config.APP_ENCRYPTION_KEY) };
  const details: { field: string; message: string }[] = [];
  const out: StagedMember[] = [];
  members.forEach((m, i) => {
    const r = validateMember(
      {
        member_no: m.member_no,
        mobile: m.mobile,
        name: m.name,
        gender: m.gender && GENDER[m.gender],
        birthday: m.birthday,
        level: m.level,
        points: m.points === undefined ? undefined : String(m.points),
        store_code: m.register_store_code,
        registered_on: m.registered_on,
        opt_out: m.marketing_opt_out === undefined ? undefined : m.marketing_opt_out ? 'true' : 'false',
      },
      i + 1,
      opts,
    );
    if (r.ok) out.push(r.value);
    else details.push({ field: `members[${i}].${r.error.column ? (FIELD_OF[r.error.column] ?? r.error.column) : 'member_no'}`, message: r.error.message });
  });
  if (details.length) throw batchRefusal(details);
  return out;
}

function parseApiMembers(body: unknown) {
  return parseBatchBody(apiMembersBody, body, 'members', 'member_no');
}

/** POST /members. */
export async function ingestApiMembers(services: Services, actor: Actor, rawBody: unknown, idempotencyKey: string | null): Promise<{ status: number; body: ApiMembersResponse; replayed: boolean }> {
  checkIdempotencyKey(idempotencyKey);
  const staged = toStaged(services, actor, parseApiMembers(rawBody).members);
  const tenantId = actor.tenantId;
  const requestHash = hashBody(rawBody);
  const outcome = await withTenant(services.dbs, tenantId, async (trx) => {
    if (idempotencyKey !== null) {
      const stored = await claimIdempotencyKey<ApiMembersResponse>(trx, tenantId, idempotencyKey, 'POST /members', requestHash);
      if (stored) return { ...stored, replayed: true };
    }
    await lockTenantIdentities(trx, tenantId);
    const ctx = await loadTenantIngestContext(trx, tenantId);
    const rows = staged.map((m) => ({
      line_no: m.line,
      member_no: m.memberNo,
      mobile_hash: m.mobileHash,
      mobile_masked: m.mobileMasked,
      mobile_sealed: m.mobileSealed,
      name: m.name,
      gender: m.gender,
      birth_year: m.birthYear,
      birth_month: m.birthMonth,
      birth_day: m.birthDay,
      level: m.level,
      points: m.points,
      store_code: m.storeCode,
      registered_on: m.registeredOn,
      opt_out: m.optOut,
    }));
    const merged = await mergeMembers(trx, tenantId, {
      actor,
      ctx,
      rows: apiMemberRows(rows),
      source: 'api',
      importId: null,
      perMember: true,
    });
    const results = (merged.results ?? []).map(({ reason, field, ...r }) => (reason ? { ...r, error: { code: reason, field: field ? (FIELD_OF[field] ?? field) : null } } : r));
    const body: ApiMembersResponse = {
      results,
      summary: {
        created: results.filter((r) => r.status === 'created').length,
        updated: merged.membersUpdated,
        unchanged: merged.membersUnchanged,
        rejected: merged.membersRejected,
      },
    };
    if (idempotencyKey !== null) await completeIdempotencyKey(trx, tenantId, idempotencyKey, 200, body);
    return { status: 200, body, replayed: false };
  });
  if (!outcome.replayed) await nudgeRefresh(services, tenantId);
  return outcome;
}
