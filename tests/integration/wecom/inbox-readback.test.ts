import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { withTenant } from '../../../server/tenancy/context';
import { processInbox } from '../../../server/wecom/inbox.service';
import { makeTenant } from '../../factories/tenant';
import { useTestServices } from '../../support/db';

const h = useTestServices();

describe('the WeCom inbox reads stored events back through the event schema', () => {
  it('a stored event of another shape (an older release wrote externalUserID) fails with the field named, and nothing is processed from it', async () => {
    const t = await makeTenant(h.services);
    const payload = { event: 'change_external_contact', changeType: 'add_external_contact', toUserName: 'ww1', fromUserName: 'sys', createTime: 1_765_000_000, dedupeKey: 'k1', userId: 'zhangsan', externalUserID: 'wmABC' };
    const id = await withTenant(h.services.dbs, t.id, async (trx) => {
      const r = await sql<{ id: number }>`insert into wecom_inbox (tenant_id, dedupe_key, event, change_type, subject, payload, status)
        values (${t.id}::uuid, 'k1', 'change_external_contact', 'add_external_contact', 'wmABC', (${JSON.stringify(payload)}::text)::jsonb, 'pending') returning id`.execute(trx);
      return r.rows[0]!.id;
    });

    const out = await processInbox(h.services, t.id, [id]);

    expect(out).toEqual({ done: 0, failed: 1, retry: 0 });
    const row = await withTenant(h.services.dbs, t.id, (trx) => trx.selectFrom('wecom_inbox').select(['status', 'error']).where('tenant_id', '=', t.id).where('id', '=', id).executeTakeFirstOrThrow());
    expect(row.status).toBe('failed');
    expect(row.error).toContain('externalUserId');
  });
});
