/** Settings tables: the columns each list may be sorted by (allow-lists, client-safe: see ./README.md). */
export const STORE_SORTS = ['code', 'name', 'region', 'city', 'staff'] as const;
export type StoreSort = (typeof STORE_SORTS)[number];

export const STAFF_SORTS = ['name', 'role', 'store', 'last_login_at', 'created_at'] as const;
export type StaffSort = (typeof STAFF_SORTS)[number];
