/**
 * Kysely's statements run as prepared statements on the pooled connection (ADR 0017): one bind-and-execute for a
 * statement seen before, instead of parse, describe, bind and execute every time. A text is prepared from its second
 * use, and only so many texts per pool. What must hold with them:
 * row-level security still filters by the transaction's tenant when a connection reuses one statement (and one
 * generic plan) for several tenants; batch statements with many parameters are not kept; a statement whose
 * temp table is dropped and created again in the next transaction still runs.
 */
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appRolePassword, appUrlFrom, makeKysely, makeSql, PREPARE_MAX_PARAMS, type DB, type Sql } from '../../../db/connection';
import { withTenant, type TenantId } from '../../../server/tenancy/context';
import { makeTenant } from '../../factories/tenant';
import { useTestServices } from '../../support/db';

const h = useTestServices();

/** One connection, so that every transaction below meets the statements the earlier ones prepared. */
let one: Sql;
let db: DB;
beforeAll(() => {
  one = makeSql(appUrlFrom(h.url, appRolePassword(h.services.config.APP_ENCRYPTION_KEY)), 1);
  db = makeKysely(one);
});
afterAll(async () => {
  await one.end({ timeout: 5 });
});

const storeNames = (t: TenantId) => withTenant({ app: db }, t, (trx) => trx.selectFrom('stores').select('name').where('code', 'in', ['S1', 'S2']).orderBy('code').execute());

const prepared = async (like: string, on: DB = db) =>
  (await sql<{ n: number }>`select count(*)::int as n from pg_prepared_statements where statement like ${like}`.execute(on)).rows[0]!.n;

describe('prepared statements', () => {
  it('a statement seen before is prepared once on the connection, and row-level security holds under its generic plan', async () => {
    const a = await makeTenant(h.services);
    const b = await makeTenant(h.services);
    await withTenant(h.services.dbs, b.id, (trx) => trx.updateTable('stores').set({ name: sql`name || ' B'` }).execute());
    for (let i = 0; i < 4; i++) {
      expect(await storeNames(a.id)).toEqual([{ name: '一号店' }, { name: '二号店' }]);
      expect(await storeNames(b.id)).toEqual([{ name: '一号店 B' }, { name: '二号店 B' }]);
    }
    expect(await prepared('select "name" from "stores"%')).toBe(1);
    // The same statement on a plan made without any tenant's values: still only the transaction's own rows.
    const generic = (t: TenantId) =>
      withTenant({ app: db }, t, async (trx) => {
        await sql`select set_config('plan_cache_mode', 'force_generic_plan', true)`.execute(trx);
        return trx.selectFrom('stores').select('name').where('code', 'in', ['S1', 'S2']).orderBy('code').execute();
      });
    expect(await generic(a.id)).toEqual([{ name: '一号店' }, { name: '二号店' }]);
    expect(await generic(b.id)).toEqual([{ name: '一号店 B' }, { name: '二号店 B' }]);
    expect(await generic(a.id)).toEqual([{ name: '一号店' }, { name: '二号店' }]);
  });

  it(`a statement with more than ${PREPARE_MAX_PARAMS} parameters is not kept`, async () => {
    const t = await makeTenant(h.services);
    const codes = Array.from({ length: PREPARE_MAX_PARAMS + 1 }, (_, i) => `X${i}`);
    for (let i = 0; i < 2; i++) {
      const rows = await withTenant({ app: db }, t.id, (trx) => trx.selectFrom('stores').select('code').where('code', 'in', [...codes, 'S2']).execute());
      expect(rows).toEqual([{ code: 'S2' }]);
    }
    expect(await prepared('select "code" from "stores"%')).toBe(0);
  });

  it('a text is prepared from its second use, and no more texts than the pool\'s cap', async () => {
    const t = await makeTenant(h.services);
    const conn = makeSql(appUrlFrom(h.url, appRolePassword(h.services.config.APP_ENCRYPTION_KEY)), 1);
    // Two texts: the transaction's set_config, and the first statement used twice.
    const capped = makeKysely(conn, { maxTexts: 2 });
    const read = (col: 'name' | 'city') => withTenant({ app: capped }, t.id, (trx) => trx.selectFrom('stores').select(col).where('code', '=', 'S1').execute());
    try {
      expect(await read('name')).toEqual([{ name: '一号店' }]);
      expect(await prepared('select "name" from "stores"%', capped)).toBe(0); // used once: not worth preparing
      await read('name');
      expect(await prepared('select "name" from "stores"%', capped)).toBe(1);
      for (let i = 0; i < 3; i++) expect(await read('city')).toEqual([{ city: '上海' }]);
      expect(await prepared('select "city" from "stores"%', capped)).toBe(0); // the cap is taken
    } finally {
      await conn.end({ timeout: 5 });
    }
  });

  it('a statement over a temp table runs again when the next transaction creates the table anew', async () => {
    const t = await makeTenant(h.services);
    for (const extra of [1, 2, 3]) {
      const r = await withTenant({ app: db }, t.id, async (trx) => {
        await sql`create temp table tmp_prep_check on commit drop as select s.code, ${extra}::int as extra from stores s`.execute(trx);
        return sql<{ code: string; extra: number }>`select code, extra from tmp_prep_check where code = ${'S1'}`.execute(trx);
      });
      expect(r.rows).toEqual([{ code: 'S1', extra }]);
    }
  });
});
