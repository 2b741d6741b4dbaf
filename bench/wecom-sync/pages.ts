/**
 * Micro-benchmark of Huike's CPU per page of a full sync, without a database: the simulator's batch/get_by_user
 * pages for 100,000 customers / 300 clerks, then JSON.parse, the zod schema and `pairsFromBatch` (the step that
 * turns an item into the row values), three times each.
 *
 *   npx tsx bench/wecom-sync/pages.ts [customers=100000]
 */
import { mobileHashKey } from '../../server/customers/mobile-identity';
import { pairsFromBatch } from '../../server/wecom/contacts.repository';
import { batchGetByUserResponseSchema } from '../../server/wecom/schemas';
import type { SimRequest } from '../../server/wecom/simulator/api';
import { generateStaff } from '../../server/wecom/simulator/population';
import { WecomSimulator } from '../../server/wecom/simulator/simulator';

const N = Number(process.argv[2] ?? 100_000);
const sim = new WecomSimulator({ populationOptions: { seed: 1, customers: N, staff: generateStaff(300, 1) }, config: { rateLimitPerMinute: null } });
const call = (req: SimRequest) => sim.handle(req).json as Record<string, unknown>;
const token = String(call({ method: 'GET', path: 'gettoken', query: { corpid: sim.corpId, corpsecret: sim.secret } }).access_token);
const users = [...sim.state.followsByUser.keys()];
const pages: string[] = [];
for (let i = 0; i < users.length; i += 10) {
  let cursor = '';
  do {
    const r = call({ method: 'POST', path: 'externalcontact/batch/get_by_user', query: { access_token: token }, body: JSON.stringify({ userid_list: users.slice(i, i + 10), cursor, limit: 100 }) });
    pages.push(JSON.stringify(r));
    cursor = String(r.next_cursor ?? '');
  } while (cursor);
}
console.log(`${pages.length} pages, ${(pages.reduce((a, p) => a + p.length, 0) / 1e6).toFixed(1)} MB`);
const key = mobileHashKey(Buffer.alloc(32, 7).toString('base64'));
for (let rep = 0; rep < 3; rep++) {
  const t0 = performance.now();
  const raws = pages.map((p) => JSON.parse(p) as unknown);
  const t1 = performance.now();
  const parsed = raws.map((r) => batchGetByUserResponseSchema.parse(r));
  const t2 = performance.now();
  let n = 0;
  for (const p of parsed) n += pairsFromBatch(p.external_contact_list, key).length;
  const t3 = performance.now();
  console.log(`JSON.parse ${(t1 - t0).toFixed(0)} ms, zod ${(t2 - t1).toFixed(0)} ms, pairsFromBatch ${(t3 - t2).toFixed(0)} ms (${n} pairs)`);
}
