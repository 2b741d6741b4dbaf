/**
 * For tests/integration/foundation/embedded.test.ts: the app's services (embedded PostgreSQL from DATA_DIR and
 * EMBEDDED_PG_PORT, pools, queue) under a steady stream of requests, transactions included, while their
 * PostgreSQL is stopped and started again underneath. Prints the health before and after and a query's result
 * afterwards; exits 0 when done (a process that dies on the restart exits non-zero).
 */
import { sql } from 'kysely';
import { startEmbeddedPostgres } from '../../../db/embedded';
import { bootConfig } from '../../../server/boot';
import { healthReport } from '../../../server/http/app';
import { startQueue } from '../../../server/jobs/queue';
import { jobDefinitions } from '../../../server/jobs/registry';
import { createLogger } from '../../../server/lib/log';
import { openServices } from '../../../server/services';

const { config } = bootConfig();
const s = await openServices(config, { log: createLogger({ level: 'error' }) });
await startQueue(s.queue, jobDefinitions);
let stop = false;
// Four request loops, running until `stop`; they are not awaited (a request caught in the restart may wait on it).
Array.from({ length: 4 }, async () => {
  while (!stop) {
    await s.dbs.app
      .transaction()
      .execute(async (tx) => {
        await sql`select 1`.execute(tx);
        await sql`select pg_sleep(0.005)`.execute(tx);
      })
      .catch(() => {});
    await healthReport(s).catch(() => {});
    await new Promise((r) => setImmediate(r));
  }
});
console.log('BEFORE', (await healthReport(s)).status);
await new Promise((r) => setTimeout(r, 300));
await s.embedded!.stop();
const again = await startEmbeddedPostgres({ dataDir: config.DATA_DIR, port: config.EMBEDDED_PG_PORT });
let status = 'degraded';
for (let i = 0; i < 300 && status !== 'ok'; i++) {
  status = (await healthReport(s)).status;
  await new Promise((r) => setTimeout(r, 100));
}
console.log('AFTER', status);
stop = true;
// A request after the restart is served (transaction included).
const n = await s.dbs.app.transaction().execute(async (tx) => (await sql<{ n: number }>`select 41 + 1 as n`.execute(tx)).rows[0]!.n);
console.log('QUERY', n);
// Teardown: the pools close before their PostgreSQL stops (stopping it under open pools is a second restart, which
// this script does not wait out: a request loop still in flight would reject after the last line).
await s.close().catch(() => {});
await again.stop();
process.exit(0);
