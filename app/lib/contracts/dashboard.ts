/** The dashboards' constants both the read models and the pages use (client-safe: see ./README.md). */

/** Stores & clerks: the columns each table may be sorted by (allow-lists). */
export const STORE_SORTS = ['name', 'buyers', 'repurchase_rate', 'revenue', 'due', 'private_share', 'active'] as const;
export type StoreSort = (typeof STORE_SORTS)[number];
export const CLERK_SORTS = ['name', 'buyers', 'repurchase_rate', 'revenue', 'due', 'private_share'] as const;
export type ClerkSort = (typeof CLERK_SORTS)[number];

/** Predictions: the id of the per-store row of a manager's customers whose home store is outside their region (served by their clerks). */
export const OTHER_STORES = 'other';
