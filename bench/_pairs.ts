import { WecomSimulator } from '../server/wecom/simulator/simulator';
import { generateStaff } from '../server/wecom/simulator/population';
import { pairsFromBatch } from '../server/wecom/contacts.repository';
import { mobileHashKey } from '../server/customers/mobile-identity';
import { batchGetByUserResponseSchema } from '../server/wecom/schemas';
const sim = new WecomSimulator({ populationOptions: { seed: 1, customers: 100000, staff: generateStaff(300, 1) }, config: { rateLimitPerMinute: null } });
const tok = sim.handle({ method: 'GET', path: 'gettoken', query: { corpid: sim.corpId, corpsecret: sim.secret }, body: null } as any) as any;
console.log(JSON.stringify(tok).slice(0, 300));
const token = tok.json.access_token;
const users = [...sim.state.followsByUser.keys()];
const pages: string[] = [];
for (let i = 0; i < users.length; i += 10) {
  let cursor = '';
  for (;;) {
    const r = sim.handle({ method: 'POST', path: 'externalcontact/batch/get_by_user', query: { access_token: token }, body: JSON.stringify({ userid_list: users.slice(i, i + 10), cursor, limit: 100 }) } as any) as any;
    pages.push(JSON.stringify(r.json));
    cursor = r.json.next_cursor;
    if (!cursor) break;
  }
}
console.log('pages', pages.length, 'bytes', pages.reduce((a, p) => a + p.length, 0));
const key = mobileHashKey('MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=');
for (let rep = 0; rep < 3; rep++) {
  let t0 = performance.now();
  const raws = pages.map((p) => JSON.parse(p));
  let t1 = performance.now();
  const parsed = raws.map((r) => batchGetByUserResponseSchema.parse(r));
  let t2 = performance.now();
  let n = 0;
  for (const p of parsed) n += pairsFromBatch(p.external_contact_list, key).length;
  let t3 = performance.now();
  console.log(`JSON.parse ${(t1 - t0).toFixed(0)} ms, zod ${(t2 - t1).toFixed(0)} ms, pairsFromBatch ${(t3 - t2).toFixed(0)} ms (${n} pairs)`);
}
{
  const parsed = pages.map((p) => batchGetByUserResponseSchema.parse(JSON.parse(p)));
  for (let rep = 0; rep < 3; rep++) {
    let t0 = performance.now();
    let n = 0;
    for (const p of parsed) for (const it of p.external_contact_list) { const c = it.external_contact; const f = it.follow_info; n += (c.name ?? '').length + f.userid.length + f.tag_id.length; }
    let t1 = performance.now();
    for (const p of parsed) for (const it of p.external_contact_list) { const o = { a: it.external_contact.external_userid, b: it.follow_info.userid, c: it.follow_info.remark || null, d: it.follow_info.tag_id }; n += o.a.length; }
    let t2 = performance.now();
    let m = 0;
    for (const p of parsed) for (const it of p.external_contact_list) m += it.follow_info.remark_mobiles.length;
    console.log(`touch ${(t1 - t0).toFixed(0)} ms, build ${(t2 - t1).toFixed(0)} ms, mobiles total ${m}`);
  }
}
