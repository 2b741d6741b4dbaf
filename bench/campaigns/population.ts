/**
 * Writes the standalone simulator's world as two tab-separated files, for bench/campaigns/generate.ts to load into
 * the tenant with COPY: customers.tsv (external_userid, name) and follows.tsv (userid, external_userid,
 * createtime). The simulator builds the same world from the same options (generatePopulation is deterministic:
 * same seed, customers, staff, corp id and secret → same ids), so every customer and relation in Huike exists in
 * WeCom. Run in its own process so the benchmark's memory figure does not carry the generated world.
 *
 *   node --import tsx bench/campaigns/population.ts <out dir> <seed> <customers> <staff> <corp id> <secret>
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { generatePopulation, generateStaff } from '../../server/wecom/simulator/population';

const [out, seed, customers, staff, corpId, secret] = process.argv.slice(2);
const clean = (s: string) => s.replace(/[\t\n\r\\]/g, ' ');
const p = generatePopulation({ seed: Number(seed), customers: Number(customers), staff: generateStaff(Number(staff), Number(seed)), corpId: corpId!, secrets: [secret!] });
writeFileSync(path.join(out!, 'customers.tsv'), p.customers.map((c) => `${c.external_userid}\t${clean(c.name)}\n`).join(''));
writeFileSync(path.join(out!, 'follows.tsv'), p.follows.map((f) => `${f.userid}\t${f.external_userid}\t${f.createtime}\n`).join(''));
writeFileSync(path.join(out!, 'staff.tsv'), p.staff.map((s) => `${s.userid}\t${clean(s.name)}\n`).join(''));
process.stdout.write(JSON.stringify({ customers: p.customers.length, follows: p.follows.length, staff: p.staff.length }) + '\n');
