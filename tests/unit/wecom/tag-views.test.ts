/**
 * Which tags a page shows for a customer (server/wecom/tags.repository.ts customerTagViews), the one rule of the
 * customers list, the customer page and the clerk's list: the tags present now, and those with a pending or failed
 * change, each with its latest change, in the catalogue's order; a tag no longer in the catalogue is not shown.
 */
import { describe, expect, it } from 'vitest';
import { customerTagViews, type TagChangeJson, type TagOption } from '../../../server/wecom/tags.repository';

const tag = (id: string, name: string, kind: 'wecom' | 'internal' = 'wecom'): TagOption => ({ id, name, groupId: 'g', groupName: '组', kind, pushState: 'synced', pushError: null });
const catalogue = [tag('t-vip', '高潜力', 'internal'), tag('t-gold', '金卡'), tag('t-new', '新客'), tag('t-old', '老客')];
const change = (tag_id: string, id: number, op: 'add' | 'remove', state: TagChangeJson['state'], reason: string | null = null): TagChangeJson => ({ tag_id, id, op, state, reason, at: '2026-12-07T10:00:00.000Z' });

describe('the tags a page shows', () => {
  it('present tags, once each, in the catalogue order, with their latest change', () => {
    const v = customerTagViews(catalogue, ['t-gold', 't-vip', 't-gold'], [change('t-gold', 3, 'add', 'synced')]);
    expect(v.map((t) => [t.tagId, t.present, t.change?.state ?? null])).toEqual([
      ['t-vip', true, null],
      ['t-gold', true, 'synced'],
    ]);
    expect(v[1]!.change!.at).toEqual(new Date('2026-12-07T10:00:00.000Z'));
  });

  it('a pending add shows before WeCom has it, a failed one with its reason; a synced removal does not show', () => {
    const v = customerTagViews(catalogue, [], [change('t-new', 5, 'add', 'pending'), change('t-old', 6, 'add', 'failed', '40068'), change('t-gold', 7, 'remove', 'synced')]);
    expect(v.map((t) => [t.tagId, t.present, t.change?.state, t.change?.reason])).toEqual([
      ['t-new', false, 'pending', null],
      ['t-old', false, 'failed', '40068'],
    ]);
  });

  it('a tag not in the catalogue (deleted) is not shown', () => {
    expect(customerTagViews(catalogue, ['t-gone', 't-new'], [change('t-gone2', 9, 'add', 'pending')]).map((t) => t.tagId)).toEqual(['t-new']);
  });
});
