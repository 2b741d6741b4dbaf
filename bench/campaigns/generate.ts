/**
 * The campaign benchmark's tenant, set-based: the simulator's world (customers, follow relations and staff, from
 * the files bench/campaigns/population.ts writes) COPY'd into staging tables, then one INSERT … SELECT per table:
 * stores (one per 4 clerks), clerks with their WeCom userid, customers with their external_userid identity, their
 * follow relations, and one paid order per customer by one of their clerks (so the sender rule "the clerk of the
 * latest order, else the earliest relation" has orders to read).
 */
import { createReadStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import type { Writable } from 'node:stream';
import { sql } from 'kysely';
import type { DB, Sql } from '../../db/connection';
import type { TenantId } from '../../server/tenancy/context';

export async function generateCampaignTenant(owner: DB, ownerSql: Sql, tenantId: TenantId, dir: string, log: (m: string) => void = () => {}): Promise<{ customers: number; follows: number; staff: number }> {
  // Staging tables the client COPYs the files into (FROM STDIN: the server needs no access to this machine's files).
  await ownerSql.unsafe(`drop table if exists gen_staff, gen_cust, gen_follow;
    create unlogged table gen_staff (userid text, name text); create unlogged table gen_cust (eid text, name text);
    create unlogged table gen_follow (userid text, eid text, createtime bigint)`);
  for (const [t, f] of [['gen_staff', 'staff.tsv'], ['gen_cust', 'customers.tsv'], ['gen_follow', 'follows.tsv']] as const) {
    const sink = (await (ownerSql.unsafe(`copy ${t} from stdin`) as unknown as { writable(): Promise<Writable> }).writable());
    await pipeline(createReadStream(`${dir}/${f}`), sink);
  }
  return owner.connection().execute(async (db) => {
    await sql`set work_mem = '256MB'`.execute(db);
    await sql`set synchronous_commit = off`.execute(db);
    const t = tenantId;
    await sql`insert into stores (tenant_id, code, name, address)
      select ${t}::uuid, 'S' || lpad(i::text, 4, '0'), '门店' || i, '城市路 ' || i || ' 号'
      from generate_series(1, (select ceil(count(*) / 4.0)::int from gen_staff)) i`.execute(db);
    await sql`insert into staff (tenant_id, name, role, store_id, wecom_userid)
      select ${t}::uuid, g.name, 'clerk', st.id, g.userid
      from (select userid, name, row_number() over (order by userid) as k from gen_staff) g
      join stores st on st.tenant_id = ${t}::uuid and st.code = 'S' || lpad((1 + (g.k - 1) / 4)::text, 4, '0')`.execute(db);
    await sql`alter table gen_cust add column id uuid default gen_random_uuid()`.execute(db);
    await sql`insert into customers (tenant_id, id, display_name, source, created_at) select ${t}::uuid, id, name, 'wecom', now() - interval '400 days' from gen_cust`.execute(db);
    await sql`insert into customer_identities (tenant_id, kind, value, customer_id, source) select ${t}::uuid, 'external_userid', eid, id, 'wecom' from gen_cust`.execute(db);
    await sql`create index on gen_cust (eid)`.execute(db);
    await sql`insert into customer_follows (tenant_id, customer_id, staff_id, added_at, add_way, remark)
      select ${t}::uuid, c.id, s.id, to_timestamp(f.createtime), 1, ''
      from gen_follow f join gen_cust c on c.eid = f.eid join staff s on s.tenant_id = ${t}::uuid and s.wecom_userid = f.userid`.execute(db);
    log('customers and relations loaded');
    // One paid order per customer, by one of their clerks, 10–60 days ago.
    await sql`insert into orders (tenant_id, order_no, store_id, clerk_id, channel, paid_at, paid_day, amount_fen, item_count, is_refund, customer_id, content_hash, source, created_at, updated_at)
      select ${t}::uuid, 'C' || row_number() over (), s.store_id, s.id, 'pos', x.paid_at, (x.paid_at at time zone 'Asia/Shanghai')::date,
        5000 + abs(hashtext(f.customer_id::text)) % 50000, 1, false, f.customer_id, md5(f.customer_id::text), 'import', x.paid_at, x.paid_at
      from (select distinct on (customer_id) customer_id, staff_id from customer_follows where tenant_id = ${t}::uuid order by customer_id, added_at desc) f
      join staff s on s.tenant_id = ${t}::uuid and s.id = f.staff_id
      cross join lateral (select now() - make_interval(days => 10 + abs(hashtext(f.customer_id::text)) % 50) as paid_at) x`.execute(db);
    log('orders loaded');
    for (const table of ['stores', 'staff', 'customers', 'customer_identities', 'customer_follows', 'orders']) await sql`analyze ${sql.table(table)}`.execute(db);
    const n = await sql<{ customers: number; follows: number; staff: number }>`select (select count(*)::int from customers where tenant_id = ${t}::uuid) as customers,
      (select count(*)::int from customer_follows where tenant_id = ${t}::uuid) as follows, (select count(*)::int from staff where tenant_id = ${t}::uuid and wecom_userid is not null) as staff`.execute(db);
    await sql`drop table gen_staff, gen_cust, gen_follow`.execute(db);
    return n.rows[0]!;
  });
}
