import { describe, expect, it } from 'vitest';
import { generateChain } from '../../../server/demo/chain';
import { iterateDemoCustomers } from '../../../server/demo/customers';
import { demoWecomPopulation } from '../../../server/demo/wecom-population';

describe('the demo WeCom world', () => {
  const cfg = { seed: 20261122, customers: 800, chain: { regions: 3, stores: 12, clerks: 60 }, anchorMs: Date.UTC(2026, 10, 22) };
  it('is the demo customer universe: same external_userids, unionids and serving clerks, deterministic', () => {
    const pop = demoWecomPopulation(cfg, 'wwdemo', 'secret');
    const again = demoWecomPopulation(cfg, 'wwdemo', 'secret');
    expect(again).toEqual(pop);
    const universe = [...iterateDemoCustomers(cfg.seed, generateChain(cfg.seed, cfg.chain), cfg.customers)].filter((c) => c.identities.externalUserid && c.clerkUserids.length);
    expect(pop.customers.map((c) => c.external_userid).sort()).toEqual(universe.map((c) => c.identities.externalUserid!).sort());
    expect(pop.customers.find((c) => c.external_userid === universe[0]!.identities.externalUserid)!.unionid).toBe(universe[0]!.identities.unionid);
    const relations = pop.follows.map((f) => `${f.userid}/${f.external_userid}`).sort();
    expect(relations).toEqual(universe.flatMap((c) => c.clerkUserids.map((u) => `${u}/${c.identities.externalUserid}`)).sort());
    expect(pop.staff.map((s) => s.userid)).toEqual(generateChain(cfg.seed, cfg.chain).clerks.map((c) => c.userid));
    // QR adds carry the store channel state of the clerk's store, or a campaign state.
    const states = new Set(pop.follows.filter((f) => f.add_way === 1).map((f) => f.state));
    expect([...states].every((s) => /^store_S\d{3}$/.test(s!) || ['poster_618', 'double11_2024', 'member_day'].includes(s!))).toBe(true);
    expect(pop.groupChats.length).toBeGreaterThan(3);
    expect(pop.tags.length).toBeGreaterThan(10);
  });
});
