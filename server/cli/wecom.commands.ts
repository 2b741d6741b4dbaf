/** CLI: connect a tenant to WeCom, test the connection, run a full sync with progress. */
import { systemActor } from '../tenancy/actor';
import { withTenant } from '../tenancy/context';
import { findTenantBySlug } from '../tenancy/tenants.service';
import { configureConnection, testConnection } from '../wecom/connection.service';
import { buildClient } from '../wecom/runtime';
import { MemoryTokenStore } from '../wecom/token-store';
import { requestFullSync, runFullSync, syncRunView, type SyncProgressEvent } from '../wecom/sync.service';
import { getRun } from '../wecom/sync.repository';
import { CliUsageError, optionalString, requireString, type CliCommand } from './command';

function fmtDuration(s: number | null): string {
  if (s === null) return '—';
  if (s < 60) return `${s.toFixed(1)} s`;
  return `${Math.floor(s / 60)} min ${Math.round(s % 60)} s`;
}

export const wecomCommands: CliCommand[] = [
  {
    name: 'wecom configure',
    usage: 'wecom configure --tenant S --corp-id X --secret Y --token T --aes-key K [--agent-id N] [--mode live|simulator] [--base-url URL]',
    options: {
      tenant: { type: 'string' },
      'corp-id': { type: 'string' },
      secret: { type: 'string' },
      token: { type: 'string' },
      'aes-key': { type: 'string' },
      'agent-id': { type: 'string' },
      mode: { type: 'string' },
      'base-url': { type: 'string' },
    },
    async run(services, { values }, io) {
      const tenant = await findTenantBySlug(services, requireString(values, 'tenant'));
      const mode = optionalString(values, 'mode') ?? 'live';
      if (mode !== 'live' && mode !== 'simulator') throw new CliUsageError('--mode must be live or simulator');
      const actor = systemActor(tenant.id, tenant.slug, 'cli');
      const r = await withTenant(services.dbs, tenant.id, (trx) =>
        configureConnection(services, trx, actor, {
          corpId: requireString(values, 'corp-id'),
          secret: requireString(values, 'secret'),
          callbackToken: requireString(values, 'token'),
          aesKey: requireString(values, 'aes-key'),
          agentId: optionalString(values, 'agent-id'),
          mode,
          baseUrl: optionalString(values, 'base-url'),
        }),
      );
      io.out(`WeCom connection ${r.created ? 'saved' : 'updated'} for ${tenant.slug} (corp ${requireString(values, 'corp-id')}, mode ${mode}); the secret and AES key are stored encrypted.`);
      io.out(`Callback URL for the WeCom console: ${services.config.publicUrl.replace(/\/+$/, '')}/wecom/callback/${tenant.slug}`);
    },
  },
  {
    name: 'wecom test',
    usage: 'wecom test --tenant S   (gettoken + get_follow_user_list)',
    options: { tenant: { type: 'string' } },
    async run(services, { values }, io) {
      const tenant = await findTenantBySlug(services, requireString(values, 'tenant'));
      const r = await testConnection(services, tenant.id, (conn) => buildClient(services, conn, { tokenStore: new MemoryTokenStore(), retry: { maxRetries: 1 }, timeoutMs: 10_000 }));
      (r.ok ? io.out : io.err)(r.message);
      if (!r.ok) throw new Error('connection test failed');
    },
  },
  {
    name: 'wecom sync',
    usage: 'wecom sync --tenant S [--concurrency N]   (full sync with progress; resumes an unfinished run)',
    options: { tenant: { type: 'string' }, concurrency: { type: 'string' } },
    async run(services, { values }, io) {
      const tenant = await findTenantBySlug(services, requireString(values, 'tenant'));
      const concurrency = optionalString(values, 'concurrency') ? Number(optionalString(values, 'concurrency')) : undefined;
      if (concurrency !== undefined && !(Number.isInteger(concurrency) && concurrency >= 1 && concurrency <= 32)) throw new CliUsageError('--concurrency: 1..32');
      const actor = systemActor(tenant.id, tenant.slug, 'cli');
      const { runId, created } = await requestFullSync(services, actor, 'cli');
      const run = await withTenant(services.dbs, tenant.id, (trx) => getRun(trx, tenant.id, runId));
      const fresh = run?.heartbeat_at && Date.now() - new Date(run.heartbeat_at).getTime() < 60_000 && run.status === 'running';
      if (!created && fresh) throw new Error(`a sync of ${tenant.slug} is already running (run ${runId}); follow it in Settings → WeCom`);
      io.out(created ? `Full sync of ${tenant.slug} started (run ${runId})` : `Resuming the unfinished sync of ${tenant.slug} (run ${runId}, phase ${run?.phase})`);
      let last = 0;
      let lastPhase = '';
      let lastFraction = 0;
      const onProgress = (p: SyncProgressEvent) => {
        const now = Date.now();
        // A line per phase, then at most one a second (or every 10 %).
        if (p.phase === lastPhase && now - last < 1000 && p.fraction - lastFraction < 0.1) return;
        last = now;
        lastPhase = p.phase;
        lastFraction = p.fraction;
        const est = p.estimate ? ` of ~${p.estimate.toLocaleString('en-US')}` : '';
        const eta = p.etaSeconds !== null && p.phase !== 'done' ? `, ETA ${fmtDuration(p.etaSeconds)}` : '';
        io.out(`  [${(p.fraction * 100).toFixed(0).padStart(3)}%] ${p.phase.padEnd(8)} pages ${p.pages}, relations ${p.relations.toLocaleString('en-US')}${est}, new customers ${p.customersCreated.toLocaleString('en-US')}, API calls ${p.apiCalls}${eta}`);
      };
      const status = await runFullSync(services, tenant.id, runId, { takeover: !created, onProgress, ...(concurrency ? { concurrency } : {}) });
      if (status === 'skipped') throw new Error('the run is held by another worker');
      const v = await withTenant(services.dbs, tenant.id, (trx) => syncRunView(trx, tenant.id, runId));
      if (v) {
        io.out(`Done in ${fmtDuration(v.durationSeconds)}: ${v.staff.seen} staff (${v.staff.created} new), ${v.tags.seen} tags, ${v.customers.seen.toLocaleString('en-US')} customers (${v.customers.created} new, ${v.customers.updated} updated),`);
        io.out(`  ${v.relations.seen.toLocaleString('en-US')} relations (${v.relations.created} new, ${v.relations.updated} updated, ${v.relations.ended} ended), ${v.groups.seen} groups, ${v.ordersLinked} orders linked, ${v.apiCalls} API calls.`);
      }
    },
  },
];
