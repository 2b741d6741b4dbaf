/** WeCom pages: channel-code sort columns and the demo simulator's activities (client-safe: see ./README.md). */
export const CHANNEL_SORTS = ['name', 'created_at', 'acquired', 'last30'] as const;
export type ChannelSort = (typeof CHANNEL_SORTS)[number];

/** Things a simulator-mode tenant can play from the settings page (server/wecom/demo-activity.ts). */
export const SIM_ACTIVITIES = ['customer-adds-via-channel', 'clerk-edits-customer', 'clerk-deletes-customer', 'customer-deletes-clerk', 'console-creates-tag', 'customer-joins-group'] as const;
export type SimActivity = (typeof SIM_ACTIVITIES)[number];
