import { describe, expect, it } from 'vitest';
import { progressByStore, type ClerkProgress } from '../../../server/campaigns/results.repository';

const clerk = (store: string | null, over: Partial<ClerkProgress>): ClerkProgress => ({
  store_id: store, store_name: store && `门店${store}`, staff_id: `s-${Math.random()}`, clerk_name: '导购',
  recipients: 0, sent: 0, not_friend: 0, cap_reached: 0, invalid: 0, pending: 0, unsent: 0, tasks_created: 0, tasks_confirmed: 0, execution_rate: 0, ...over,
});

describe('run progress per store', () => {
  it('sums the clerks of each store and takes the execution rate over the store’s tasks, not the mean of the clerks’ rates', () => {
    const rows = [
      clerk('A', { recipients: 100, sent: 90, not_friend: 4, cap_reached: 1, pending: 5, tasks_created: 3, tasks_confirmed: 3, execution_rate: 1 }),
      clerk('A', { recipients: 20, pending: 20, tasks_created: 1, tasks_confirmed: 0 }),
      clerk(null, { recipients: 7, unsent: 7, tasks_created: 1 }),
    ];
    const stores = progressByStore(rows);
    expect(stores).toEqual([
      { store_id: 'A', store_name: '门店A', clerks: 2, recipients: 120, sent: 90, not_friend: 4, cap_reached: 1, invalid: 0, pending: 25, unsent: 0, tasks_created: 4, tasks_confirmed: 3, execution_rate: 0.75 },
      { store_id: null, store_name: null, clerks: 1, recipients: 7, sent: 0, not_friend: 0, cap_reached: 0, invalid: 0, pending: 0, unsent: 7, tasks_created: 1, tasks_confirmed: 0, execution_rate: 0 },
    ]);
  });
});
