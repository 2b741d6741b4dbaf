import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from '../../server/config';
import { createLogger } from '../../server/lib/log';
import { openServices } from '../../server/services';
import { systemActor } from '../../server/tenancy/actor';
import { withTenant } from '../../server/tenancy/context';
import { createTenant } from '../../server/tenancy/tenants.service';
import { configureConnection } from '../../server/wecom/connection.service';
import { generateEncodingAesKey } from '../../server/wecom/crypto';
import { wecomRuntime } from '../../server/wecom/runtime';
import { generateStaff } from '../../server/wecom/simulator/population';
import { WecomSimulator } from '../../server/wecom/simulator/simulator';
import { requestFullSync, runFullSync } from '../../server/wecom/sync.service';
const profile: Record<string, number> = {};

const N = Number(process.argv[2] ?? 20000);
const dataDir = mkdtempSync(path.join(os.tmpdir(), 'huike-prof-'));
const config = loadConfig({ ...process.env, DATA_DIR: dataDir, EMBEDDED_PG_PORT: String(56000 + (process.pid % 1000)), DEMO: 'off', NODE_ENV: 'test' });
const services = await openServices(config, { log: createLogger({ level: 'warn' }), appPoolSize: 8, ownerPoolSize: 3 });
try {
  const sim = new WecomSimulator({ populationOptions: { seed: 1, customers: N, staff: generateStaff(300, 1) }, config: { rateLimitPerMinute: null } });
  const t = await createTenant(services, { slug: 'prof', name: 'prof' });
  const actor = systemActor(t.id, t.slug, 'p');
  await withTenant(services.dbs, t.id, (trx) => configureConnection(services, trx, actor, { corpId: sim.corpId, secret: sim.secret, callbackToken: 'x', aesKey: generateEncodingAesKey(), mode: 'simulator' }));
  wecomRuntime(services).hub.register(t.id, sim);
  for (const label of ['run1', 'run2']) {
    for (const k of Object.keys(profile)) delete profile[k];
    const { runId } = await requestFullSync(services, actor, 'cli');
    const t0 = performance.now();
    const phases: Record<string, number> = {};
    let lastP = ''; let lastT = t0;
    await runFullSync(services, t.id, runId, { onProgress: (p) => { const now = performance.now(); if (p.phase !== lastP) { if (lastP) phases[lastP] = (phases[lastP] ?? 0) + now - lastT; lastP = p.phase; lastT = now; } } });
    console.log(label, JSON.stringify((globalThis as unknown as { __wp?: number[] }).__wp?.map(Math.round)), ((performance.now() - t0) / 1000).toFixed(2), 's', JSON.stringify(Object.fromEntries(Object.entries(profile).map(([k, v]) => [k, Math.round(v)]))), JSON.stringify(Object.fromEntries(Object.entries(phases).map(([k, v]) => [k, Math.round(v as number)]))));
  }
} finally {
  await services.close();
  rmSync(dataDir, { recursive: true, force: true });
}
