/**
 * Dev helper: EXPLAIN (ANALYZE, BUFFERS) of what a segment rule compiles to, on a bench copy, as ops of the bench
 * tenant: the exact count, the sample estimate's hit count, the builder's first page and the membership match.
 *
 *   npx tsx bench/segments/explain-rule.ts --data-dir DIR --port P [--rule rule.json | --bench-rule] [--what count,page,estimate,ids]
 *
 * `--bench-rule` is bench/segments/run.ts's 6-condition rule (tags by name are resolved by the compiler).
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { sql, type RawBuilder } from 'kysely';
import { loadConfig } from '../../server/config';
import { createLogger } from '../../server/lib/log';
import { openServices } from '../../server/services';
import { findTenantBySlug } from '../../server/tenancy/tenants.service';
import { withTenant } from '../../server/tenancy/context';
import { systemActor } from '../../server/tenancy/actor';
import { compileRule, RULE_FROM } from '../../server/customers/rule-compiler';
import { segmentLoader } from '../../server/segments/segments.repository';
import { estimateSql, sampleSliceEnd } from '../../server/customers/rule.repository';

const { values: args } = parseArgs({
  options: {
    'data-dir': { type: 'string' },
    port: { type: 'string' },
    slug: { type: 'string', default: 'bench-1000000' },
    rule: { type: 'string' },
    'bench-rule': { type: 'boolean', default: false },
    what: { type: 'string', default: 'count,page,estimate' },
    analyze: { type: 'boolean', default: true },
    /** Settings for the transaction first, e.g. random_page_cost=1.1 */
    set: { type: 'string', multiple: true, default: [] },
  },
});

const BENCH_RULE = {
  all: [
    { any: [{ field: 'stage', op: 'in', value: ['active', 'at_risk', 'new'] }] },
    { any: [{ field: 'monetary_fen', op: 'gte', value: 20000 }] },
    { any: [{ field: 'tags', op: 'has_any', value: ['标签1', '标签2', '标签3'] }] },
    { any: [{ field: 'orders', op: 'gte', value: 1, window: { last_days: 90 } }] },
    { any: [{ field: 'recency_days', op: 'lte', value: 120 }] },
  ],
  none: [{ field: 'tags', op: 'has_any', value: ['内部关注'] }],
};

const config = loadConfig({ ...process.env, NODE_ENV: 'development', DATA_DIR: args['data-dir'], EMBEDDED_PG_PORT: args.port, DEMO: 'off', LOG_LEVEL: 'warn', DATABASE_URL: '' });
const services = await openServices(config, { log: createLogger({ level: 'warn' }), appPoolSize: 2, ownerPoolSize: 2 });
try {
  const t = await findTenantBySlug(services, args.slug!);
  const rule = args.rule ? JSON.parse(readFileSync(args.rule, 'utf8')) : BENCH_RULE;
  await withTenant(services.dbs, t.id, async (trx) => {
    for (const kv of args.set!) {
      const [k, v] = kv.split('=');
      await sql`select set_config(${k}, ${v}, true)`.execute(trx);
    }
    const actor = systemActor(t.id, t.slug, 'explain');
    const compiled = await compileRule({ trx, actor, loadSegment: segmentLoader(trx, t.id) }, rule);
    const statements: Record<string, RawBuilder<unknown>> = {
      count: sql`select count(*) from ${RULE_FROM} where ${compiled.where}`,
      page: sql`select c.id from ${RULE_FROM} where ${compiled.where} order by cm.monetary_fen desc nulls last, c.id limit 20`,
      estimate: estimateSql(compiled, t.id, sampleSliceEnd(5_000, 1_000_000)),
      ids: sql`select c.id from ${RULE_FROM} where ${compiled.where}`,
    };
    for (const what of args.what!.split(',')) {
      const t0 = performance.now();
      const r = await sql<Record<string, string>>`explain (${sql.raw(args.analyze ? 'analyze, buffers' : 'costs')}) ${statements[what]!}`.execute(trx);
      process.stdout.write(`\n== ${what} (${(performance.now() - t0).toFixed(0)} ms)\n${r.rows.map((x) => Object.values(x).join(' ')).join('\n')}\n`);
    }
  });
} finally {
  await services.close();
}
