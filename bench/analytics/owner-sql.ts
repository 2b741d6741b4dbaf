/** Dev helper: runs statements (one per line, `--run` prefix) on the benchmark database as the owner, timing each. */
import { readFileSync } from 'node:fs';
import { sql } from 'kysely';
import { loadConfig } from '../../server/config';
import { createLogger } from '../../server/lib/log';
import { openServices } from '../../server/services';

const [dataDir, port, file] = process.argv.slice(2);
const config = loadConfig({ ...process.env, NODE_ENV: 'development', DATA_DIR: dataDir, EMBEDDED_PG_PORT: port, DEMO: 'off', LOG_LEVEL: 'warn', DATABASE_URL: '' });
const services = await openServices(config, { log: createLogger({ level: 'warn' }), appPoolSize: 1, ownerPoolSize: 1 });
try {
  await services.dbs.owner.connection().execute(async (db) => {
    for (const line of readFileSync(file!, 'utf8').split('\n')) {
      const q = line.replace(/^--run/, '').replace(/;\s*$/, '').trim();
      if (!q) continue;
      const t0 = Date.now();
      const r = await sql.raw(q).execute(db);
      process.stdout.write(`${(Date.now() - t0).toString().padStart(7)} ms  ${q.slice(0, 120)}${r.rows.length ? '  → ' + JSON.stringify(r.rows).slice(0, 300) : ''}\n`);
    }
  });
} finally {
  await services.close();
}
