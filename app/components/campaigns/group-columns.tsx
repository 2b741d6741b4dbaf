/**
 * The leading columns of a campaign's per-store or per-clerk table (run progress, report): the store's or the
 * clerk's name, and for clerk rows (those that carry a store) the store beside it.
 */
import { useT } from '~/lib/i18n';

export function useGroupColumns(rows: readonly { store?: string }[]) {
  const t = useT();
  const withStore = rows.some((r) => r.store !== undefined);
  return {
    nameLabel: withStore ? t('导购', 'Clerk') : t('门店', 'Store'),
    storeHead: withStore ? <th>{t('门店', 'Store')}</th> : null,
    nameCells: (r: { name: string; store?: string }) => (
      <>
        <td>{r.name}</td>
        {withStore ? <td>{r.store}</td> : null}
      </>
    ),
  };
}
