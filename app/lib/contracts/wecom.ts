/** WeCom pages: channel-code sort columns and the demo simulator's activities (client-safe: see ./README.md). */
export const CHANNEL_SORTS = ['name', 'created_at', 'acquired', 'last30'] as const;
export type ChannelSort = (typeof CHANNEL_SORTS)[number];

/** Things a simulator-mode tenant can play from the settings page (server/wecom/demo-activity.ts). */
export const SIM_ACTIVITIES = ['customer-adds-via-channel', 'clerk-edits-customer', 'clerk-deletes-customer', 'customer-deletes-clerk', 'console-creates-tag', 'customer-joins-group'] as const;
export type SimActivity = (typeof SIM_ACTIVITIES)[number];

/** A tag's name as a list page shows it: sent once per page, not with every customer that carries the tag. */
export interface ListTagName {
  name: string;
  groupName: string;
  kind: 'wecom' | 'internal';
}

/**
 * A customer's tags on a list page: the ids in display order, and the state of those that are not plainly present
 * (a recent change: pending, failed, or synced), keyed by tag id. `C` is the change (its date a Date on the server,
 * a string once serialized). app/components/customer-tags.tsx expandTags makes them whole again.
 */
export interface ListTags<C> {
  ids: string[];
  states?: Record<string, { present: boolean; change: C | null }>;
}

/** A tag of a customer with its name and state (server/wecom/tags.repository.ts CustomerTagView). */
export interface FullTag<C> extends ListTagName {
  tagId: string;
  present: boolean;
  change: C | null;
}

/** A customer's tags for a list page; their names go to `names` (one entry per tag of the page). */
export function compactTags<C>(tags: readonly FullTag<C>[], names: Record<string, ListTagName>): ListTags<C> {
  const out: ListTags<C> = { ids: [] };
  for (const t of tags) {
    names[t.tagId] ??= { name: t.name, groupName: t.groupName, kind: t.kind };
    out.ids.push(t.tagId);
    if (!t.present || t.change) (out.states ??= {})[t.tagId] = { present: t.present, change: t.change };
  }
  return out;
}

