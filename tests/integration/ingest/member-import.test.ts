/**
 * Member files (#13.11): members are resolved to customers like orders (mobile, member number), a member imported
 * before the WeCom contact is linked when the contact syncs, rows are rejected with their line and reason, the
 * same file twice changes nothing, a killed import resumes, and the marketing opt-out is set and cleared.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { runCli } from '../../../server/cli/main';
import { runImport } from '../../../server/ingest/import.engine';
import { registerImportFile, setImportMapping } from '../../../server/ingest/imports.service';
import type { Services } from '../../../server/services';
import type { Actor } from '../../../server/tenancy/actor';
import type { TenantId } from '../../../server/tenancy/context';
import { makeTenant } from '../../factories/tenant';
import { useTestServices } from '../../support/db';
import { connectedTenant, syncOnce } from '../wecom/helpers';
import { q, writeTmp } from './helpers';

const h = useTestServices();

const HEADER = '会员卡号,手机,姓名,性别,生日,会员等级,积分,开卡门店,开卡日期,拒收营销';
const MAP = {
  columns: {
    member_no: '会员卡号',
    mobile: '手机',
    name: '姓名',
    gender: '性别',
    birthday: '生日',
    level: '会员等级',
    points: '积分',
    store_code: '开卡门店',
    registered_on: '开卡日期',
    opt_out: '拒收营销',
  },
};

async function importMembers(services: Services, actor: Actor, name: string, rows: string[], opts: Parameters<typeof runImport>[3] = {}) {
  const file = writeTmp(`${actor.tenantId}-${name}`, [HEADER, ...rows].join('\n') + '\n');
  const reg = await registerImportFile(services, actor, { path: file, fileName: path.basename(file), source: 'cli', kind: 'members' });
  await setImportMapping(services, actor, reg.id, MAP);
  return { id: reg.id, summary: await runImport(services, actor.tenantId, reg.id, opts).catch((e: Error) => e) };
}

interface MemberRow {
  id: string;
  source: string;
  member_level: string | null;
  member_points: number | null;
  birthday: string | null;
  registered: string | null;
  store: string | null;
  opt_out: boolean;
  opt_out_at: boolean;
  masked: string | null;
  eid: string | null;
}
const members = (services: Services, t: TenantId) =>
  q(
    services,
    t,
    sql<MemberRow & { member_no: string }>`
    select ci.value as member_no, c.id, c.source, c.member_level, c.member_points,
      case when c.birth_month is null then null else concat_ws('-', c.birth_year, c.birth_month, c.birth_day) end as birthday,
      c.registered_on::text as registered, s.code as store, c.marketing_opt_out as opt_out, c.marketing_opt_out_at is not null as opt_out_at, c.mobile_masked as masked,
      (select e.value from customer_identities e where e.tenant_id = c.tenant_id and e.customer_id = c.id and e.kind = 'external_userid') as eid
    from customer_identities ci join customers c on c.tenant_id = ci.tenant_id and c.id = ci.customer_id
    left join stores s on s.tenant_id = c.tenant_id and s.id = c.registered_store_id
    where ci.kind = 'member_no' order by ci.value`,
  );

describe('member import', () => {
  it('links members to WeCom customers by mobile and by member number, and a member imported first joins its WeCom contact when it syncs', async () => {
    const { tenant: t, sim } = await connectedTenant(h.services, { customers: 3, staff: 2, seed: 1301 });
    const userid = [...sim.state.staff.keys()][0]!;
    const byMobile = sim.addContact({ userid, customer: { name: '王芳' }, remarkMobiles: ['13900001111'] });
    const byMemberNo = sim.addContact({ userid, customer: { name: '李雷' } });
    await syncOnce(h.services, t.id);
    // the member number reaches a WeCom customer through an order that carries both identities
    const orders = writeTmp(`${t.id}-orders.csv`, `订单号,支付时间,金额,企微客户ID,会员号\nO1,2025-03-01 10:00:00,10.00,${byMemberNo.externalUserid},M-200\n`);
    const reg = await registerImportFile(h.services, t.actor, { path: orders, fileName: 'o.csv', source: 'cli' });
    await setImportMapping(h.services, t.actor, reg.id, { columns: { order_no: '订单号', paid_at: '支付时间', amount: '金额', external_userid: '企微客户ID', member_no: '会员号' } });
    await runImport(h.services, t.id, reg.id);
    const before = await q(h.services, t.id, sql<{ n: number }>`select count(*)::int as n from customers where merged_into is null`);

    const r = await importMembers(h.services, t.actor, 'link.csv', [
      'M-100,139 0000 1111,王芳,女,1990-05-06,金卡,1200,S1,2024-01-02,否',
      'M-200,,李雷,男,07-15,银卡,300,S2,2023-06-30,',
      'M-300,13700003333,韩梅梅,女,,普通,0,,,是',
    ]);
    expect(r.summary).toMatchObject({ kind: 'members', status: 'done', rows_read: 3, rows_rejected: 0, customers_created: 1, members_linked: 2, members_updated: 2, members_unchanged: 0 });
    const m = await members(h.services, t.id);
    expect(m.map((x) => [x.member_no, x.eid, x.member_level, x.member_points, x.birthday, x.store, x.registered, x.opt_out, x.opt_out_at])).toEqual([
      ['M-100', byMobile.externalUserid, '金卡', 1200, '1990-5-6', 'S1', '2024-01-02', false, false],
      ['M-200', byMemberNo.externalUserid, '银卡', 300, '7-15', 'S2', '2023-06-30', false, false],
      ['M-300', null, '普通', 0, null, null, null, true, true],
    ]);
    const after = await q(h.services, t.id, sql<{ n: number }>`select count(*)::int as n from customers where merged_into is null`);
    expect(after[0]!.n).toBe(before[0]!.n + 1);

    // late linking: the WeCom contact with M-300's mobile arrives with the next sync; the member customer joins it
    const late = sim.addContact({ userid, customer: { name: 'Meimei' }, remarkMobiles: ['13700003333'] });
    await syncOnce(h.services, t.id);
    const m2 = await members(h.services, t.id);
    expect(m2.find((x) => x.member_no === 'M-300')).toMatchObject({ eid: late.externalUserid, member_level: '普通', opt_out: true, masked: '137****3333' });
    const merged = await q(h.services, t.id, sql<{ n: number }>`select count(*)::int as n from customers where merged_into is not null`);
    expect(merged[0]!.n).toBe(1);
  });

  it('rejects rows with their line and reason in the error report, keeps the good ones, and a second run of the same file changes nothing', async () => {
    const t = await makeTenant(h.services);
    const rows = [
      'A1,13800000001,甲,男,1985-12-01,金卡,100,S1,2020-01-01,否', // line 2
      'A2,12345,乙,女,,,,,,', // 3: bad mobile
      ',13800000003,丙,,,,,,,', // 4: no member number
      'A4,,丁,?,,,,,,', // 5: bad gender
      'A5,,戊,,1985-13-01,,,,,', // 6: bad birthday
      'A6,,己,,,,-5,,,', // 7: bad points
      'A7,,庚,,,,,S999,,', // 8: unknown store (SQL)
      'A8,,辛,,,银卡,10,,,', // 9: same number, different data on line 10
      'A8,,辛,,,银卡,20,,,', // 10
      'A9,,壬,,02-29,,,,,也许', // 11: bad opt-out
      'A10,13800000010,癸,女,12-24,普通,5,S2,2021-02-03,Y', // 12
    ];
    const r1 = await importMembers(h.services, t.actor, 'rejects.csv', rows);
    expect(r1.summary).toMatchObject({ status: 'done', rows_read: 11, rows_rejected: 9, members_rejected: 2, customers_created: 2 });
    const report = readFileSync((r1.summary as { error_report: string }).error_report, 'utf8').trim().split('\n').slice(1);
    const byLine = report.map((l) => l.split(',').slice(0, 3).join(','));
    expect(byLine).toEqual([
      '3,手机,invalid_mobile',
      '4,会员卡号,missing_member_no',
      '5,性别,invalid_gender',
      '6,生日,invalid_birthday',
      '7,积分,invalid_points',
      '11,拒收营销,invalid_opt_out',
      '8,开卡门店,unknown_store',
      '9,会员卡号,conflicting_members',
      '10,会员卡号,conflicting_members',
    ]);
    const m = await members(h.services, t.id);
    expect(m.map((x) => [x.member_no, x.member_level, x.birthday, x.store, x.opt_out, x.masked])).toEqual([
      ['A1', '金卡', '1985-12-1', 'S1', false, '138****0001'],
      ['A10', '普通', '12-24', 'S2', true, '138****0010'],
    ]);

    const stamp = await q(h.services, t.id, sql<{ at: Date }>`select max(updated_at) as at from customers`);
    const r2 = await importMembers(h.services, t.actor, 'rejects-again.csv', rows);
    expect(r2.summary).toMatchObject({ status: 'done', customers_created: 0, members_updated: 0, members_unchanged: 2 });
    const stamp2 = await q(h.services, t.id, sql<{ at: Date }>`select max(updated_at) as at from customers`);
    expect(stamp2[0]!.at).toEqual(stamp[0]!.at);
    expect(await members(h.services, t.id)).toEqual(m);
  });

  it('sets and clears the marketing opt-out with its time, audited; empty cells leave fields as they are', async () => {
    const t = await makeTenant(h.services);
    await importMembers(h.services, t.actor, 'o1.csv', ['B1,,,,,金卡,100,,,是']);
    const set = (await members(h.services, t.id))[0]!;
    expect(set).toMatchObject({ opt_out: true, opt_out_at: true, member_level: '金卡', member_points: 100 });
    await importMembers(h.services, t.actor, 'o2.csv', ['B1,,,,,,,,,否']);
    const cleared = (await members(h.services, t.id))[0]!;
    expect(cleared).toMatchObject({ opt_out: false, opt_out_at: false, member_level: '金卡', member_points: 100 });
    const audit = await q(h.services, t.id, sql<{ before: unknown; after: { marketing_opt_out: boolean } }>`
      select before, after from audit_log where action = 'customer.marketing_opt_out' and entity_id = ${set.id} order by id`);
    expect(audit.map((a) => [a.before, a.after.marketing_opt_out])).toEqual([
      [{ marketing_opt_out: false }, true],
      [{ marketing_opt_out: true }, false],
    ]);
  });

  it('a member import killed midway resumes from its checkpoint without duplicates', async () => {
    const t = await makeTenant(h.services);
    const rows = Array.from({ length: 3000 }, (_, i) => `K${i},138${String(i).padStart(8, '0')},会员${i},,,金卡,${i},S1,2022-01-01,`);
    const killed = await importMembers(h.services, t.actor, 'kill.csv', rows, { chunkLines: 500, crashAfterChunks: 2 });
    expect(killed.summary).toBeInstanceOf(Error);
    const done = await runImport(h.services, t.id, killed.id);
    expect(done).toMatchObject({ status: 'done', rows_read: 3000, rows_rejected: 0, customers_created: 3000 });
    const n = await q(h.services, t.id, sql<{ customers: number; ids: number; pts: number }>`
      select (select count(*)::int from customers) as customers, (select count(*)::int from customer_identities) as ids, (select sum(member_points)::int from customers) as pts`);
    expect(n[0]).toEqual({ customers: 3000, ids: 6000, pts: (2999 * 3000) / 2 });
  });

  it('imports a member file from the CLI, guessing the columns from their names', async () => {
    const t = await makeTenant(h.services);
    const file = writeTmp(`${t.id}-cli.csv`, `${HEADER}\nC1,13800000099,周,女,03-08,金卡,88,S1,2024-03-08,否\n`);
    const out: string[] = [];
    const err: string[] = [];
    const code = await runCli(['import', 'members', file, '--tenant', t.slug], { out: (l) => out.push(l), err: (l) => err.push(l) }, async () => h.services);
    expect(code, err.join('\n')).toBe(0);
    expect(JSON.parse(out.at(-1)!)).toMatchObject({ kind: 'members', status: 'done', rows_read: 1, customers_created: 1 });
    expect((await members(h.services, t.id))[0]).toMatchObject({ member_no: 'C1', member_level: '金卡', member_points: 88, birthday: '3-8', store: 'S1', masked: '138****0099' });
  });
});
