/**
 * The customers list sends each tag's name once per page and the customers' tags by id (app/lib/contracts/wecom.ts
 * compactTags); the chips get them whole again (app/components/customer-tags.tsx expandTags). A chip must show the
 * same tag, in the same order, with the same write-back state as the full view the repository read.
 */
import { describe, expect, it } from 'vitest';
import { expandTags } from '../../../app/components/customer-tags';
import { compactTags, type ListTagName } from '../../../app/lib/contracts/wecom';

type Change = { id: number; op: 'add' | 'remove'; state: 'pending' | 'synced' | 'failed'; reason: string | null; at: string };
const gold = { tagId: 't-gold', name: '金卡会员', groupName: '客户等级', kind: 'wecom' as const, present: true, change: null };
const vip = { tagId: 't-vip', name: '高潜力', groupName: '回客内部', kind: 'internal' as const, present: true, change: null };
const pendingAdd = { tagId: 't-new', name: '新客', groupName: '客户等级', kind: 'wecom' as const, present: false, change: { id: 7, op: 'add', state: 'pending', reason: null, at: '2026-12-07T10:00:00.000Z' } as Change };
const failedRemove = { ...gold, change: { id: 8, op: 'remove', state: 'failed', reason: '无企业微信关系', at: '2026-12-07T10:01:00.000Z' } as Change };
const syncedAdd = { ...vip, change: { id: 9, op: 'add', state: 'synced', reason: null, at: '2026-12-06T09:00:00.000Z' } as Change };

describe('list tags, compacted and expanded', () => {
  it('every customer gets back their tags in order, with their state; each name is sent once', () => {
    const customers = { a: [gold, vip, pendingAdd], b: [failedRemove, syncedAdd], c: [] };
    const names: Record<string, ListTagName> = {};
    const sent = Object.fromEntries(Object.entries(customers).map(([id, tags]) => [id, compactTags<Change>(tags, names)]));
    const wire = JSON.parse(JSON.stringify({ sent, names })) as { sent: typeof sent; names: typeof names };
    for (const [id, tags] of Object.entries(customers)) expect(expandTags(wire.sent[id]!, wire.names)).toEqual(tags);
    expect(Object.keys(wire.names).sort()).toEqual(['t-gold', 't-new', 't-vip']);
  });

  it('plainly present tags travel as ids alone', () => {
    const names: Record<string, ListTagName> = {};
    expect(compactTags([gold, vip], names)).toEqual({ ids: ['t-gold', 't-vip'] });
    expect(compactTags([gold, pendingAdd], names).states).toEqual({ 't-new': { present: false, change: pendingAdd.change } });
  });
});
