/**
 * A campaign's effect (shared/metrics.md, "Campaign outcomes"): conversion of reached recipients against the
 * holdout, the absolute uplift with a 95% interval from the two-proportion normal approximation, the relative
 * uplift, and the incremental orders and revenue it implies for the reached group.
 */

export interface GroupOutcome {
  /** Customers in the group (reached recipients, or the holdout). */
  customers: number;
  /** Of them, customers with a paid order in the attribution window. */
  converted: number;
  /** Their paid amount in the window, fen. */
  revenueFen: number;
}

export interface Uplift {
  conversionRate: number | null;
  holdoutConversionRate: number | null;
  absolute: number | null;
  relative: number | null;
  low: number | null;
  high: number | null;
  significant: boolean;
  revenuePerRecipientFen: number | null;
  holdoutRevenuePerRecipientFen: number | null;
  incrementalConversions: number | null;
  incrementalRevenueFen: number | null;
}

const Z_95 = 1.959963984540054;

export function computeUplift(reached: GroupOutcome, holdout: GroupOutcome): Uplift {
  const p1 = reached.customers > 0 ? reached.converted / reached.customers : null;
  const p2 = holdout.customers > 0 ? holdout.converted / holdout.customers : null;
  const rpr1 = reached.customers > 0 ? reached.revenueFen / reached.customers : null;
  const rpr2 = holdout.customers > 0 ? holdout.revenueFen / holdout.customers : null;
  if (p1 === null || p2 === null) {
    return { conversionRate: p1, holdoutConversionRate: p2, absolute: null, relative: null, low: null, high: null, significant: false, revenuePerRecipientFen: rpr1, holdoutRevenuePerRecipientFen: rpr2, incrementalConversions: null, incrementalRevenueFen: null };
  }
  const absolute = p1 - p2;
  const se = Math.sqrt((p1 * (1 - p1)) / reached.customers + (p2 * (1 - p2)) / holdout.customers);
  const low = absolute - Z_95 * se;
  const high = absolute + Z_95 * se;
  return {
    conversionRate: p1,
    holdoutConversionRate: p2,
    absolute,
    relative: p2 > 0 ? absolute / p2 : null,
    low,
    high,
    // With no variance at all (both rates 0 or 1) the interval is a point: nothing to call significant.
    significant: se > 0 && (low > 0 || high < 0),
    revenuePerRecipientFen: rpr1,
    holdoutRevenuePerRecipientFen: rpr2,
    incrementalConversions: absolute * reached.customers,
    incrementalRevenueFen: Math.round((rpr1! - rpr2!) * reached.customers),
  };
}
