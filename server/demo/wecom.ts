/**
 * Demo step: connect the demo tenant to the in-process WeCom simulator (server/wecom/simulator-hub.ts builds it
 * from the chain's clerks, server/demo/wecom-population.ts), create a channel code per store and a few campaign
 * codes, run the full sync so the demo shows real synced data, and add a couple of Huike-internal tags.
 * Deterministic: the secret, token and key derive from the seed; the world's "now" is fixed in sim_config.
 */
import type { WecomSimConfig } from '../../db/schema/wecom';
import { systemActor } from '../tenancy/actor';
import { withTenant } from '../tenancy/context';
import { createChannel } from '../wecom/channels.service';
import { configureConnection } from '../wecom/connection.service';
import { generateEncodingAesKey } from '../wecom/crypto';
import { randomString, mulberry32 } from '../wecom/simulator/state';
import { requestFullSync, runFullSync } from '../wecom/sync.service';
import { changeCustomerTags, createTag } from '../wecom/tags.service';
import type { DemoContext, DemoStep } from './context';

export function demoWecomCredentials(seed: number): { corpId: string; secret: string; callbackToken: string; aesKey: string } {
  const rand = mulberry32(seed ^ 0x3ec0);
  return {
    corpId: `wwdemo${randomString(rand, 10, '0123456789abcdef')}`,
    secret: randomString(rand, 43, 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'),
    callbackToken: `huike${randomString(rand, 10)}`,
    aesKey: generateEncodingAesKey(rand),
  };
}

const CAMPAIGNS = [
  { state: 'poster_618', name: '618 海报码', campaign: '618' },
  { state: 'double11_2024', name: '双11 活动码', campaign: 'double11' },
  { state: 'member_day', name: '会员日活动码', campaign: 'memberday' },
];

export async function seedWecomDemo(ctx: DemoContext): Promise<void> {
  const { services, tenantId } = ctx;
  const actor = systemActor(tenantId, 'demo', 'demo-seed');
  const cred = demoWecomCredentials(ctx.seed);
  const simConfig: WecomSimConfig = {
    seed: ctx.seed,
    customers: ctx.scale.customers,
    chain: { regions: ctx.chain.regions.length, stores: ctx.chain.stores.length, clerks: ctx.chain.clerks.length },
    anchorMs: Date.now(),
  };
  await withTenant(services.dbs, tenantId, (trx) =>
    configureConnection(services, trx, actor, { corpId: cred.corpId, secret: cred.secret, agentId: 1000002, callbackToken: cred.callbackToken, aesKey: cred.aesKey, mode: 'simulator', simConfig }),
  );
  for (const store of ctx.chain.stores) {
    const storeId = ctx.storeIds.get(store.code);
    if (storeId) await createChannel(services, actor, { name: `${store.name} 门店码`, storeId, state: `store_${store.code}` });
  }
  const firstStore = ctx.storeIds.get(ctx.chain.stores[0]!.code)!;
  for (const c of CAMPAIGNS) await createChannel(services, actor, { name: c.name, storeId: firstStore, campaign: c.campaign, state: c.state });
  const { runId } = await requestFullSync(services, actor, 'demo');
  await runFullSync(services, tenantId, runId, { takeover: true });
  // Internal tags: Huike only, never pushed to WeCom.
  const tags: string[] = [];
  for (const name of ['高潜力', '需回访', '投诉处理中']) tags.push((await withTenant(services.dbs, tenantId, (trx) => createTag(trx, actor, { name, kind: 'internal', groupName: '回客内部' }))).tagId);
  const some = await withTenant(services.dbs, tenantId, (trx) =>
    trx.selectFrom('customer_follows').select('customer_id as id').distinct().where('tenant_id', '=', tenantId).where('ended_at', 'is', null).orderBy('customer_id').limit(60).execute(),
  );
  for (let i = 0; i < tags.length; i++) {
    const ids = some.filter((_, k) => k % (i + 2) === 0).map((r) => r.id);
    if (ids.length) await withTenant(services.dbs, tenantId, (trx) => changeCustomerTags(trx, actor, { customerIds: ids, add: [tags[i]!] }));
  }
}

export const wecomDemoStep: DemoStep = { name: 'WeCom contacts (in-process simulator + full sync)', run: seedWecomDemo };
