/**
 * Mobile numbers as customer identities: normalised (+86, spaces, dashes), then stored as a keyed hash
 * (HMAC-SHA256 with a key derived from APP_ENCRYPTION_KEY) for matching and a masked form (138****1234) for
 * display — never in clear. Every capability that matches phone numbers (imports, the API, the WeCom sync of
 * remark mobiles) uses these functions so the same number always gives the same identity value.
 */
import { createHmac } from 'node:crypto';
import type { SecretBox } from '../lib/secret-box';
import { maskMobile, normalizeMobile } from '../tenancy/mobile';

export type MobileKey = Buffer & { readonly __mobileKey: true };

const cache = new Map<string, MobileKey>();

/** The hashing key, derived once per encryption key. */
export function mobileHashKey(encryptionKey: string): MobileKey {
  let k = cache.get(encryptionKey);
  if (!k) {
    k = createHmac('sha256', Buffer.from(encryptionKey, 'base64')).update('huike customer mobile identity v1').digest() as MobileKey;
    cache.set(encryptionKey, k);
  }
  return k;
}

/** The identity value of a normalised mainland mobile (43 url-safe characters). */
export function hashMobile(key: MobileKey, normalized: string): string {
  return createHmac('sha256', key).update(normalized).digest('base64url');
}

export interface MobileIdentity {
  hash: string;
  masked: string;
}

/** Null when the input is not a mainland mobile number. */
export function mobileIdentity(key: MobileKey, raw: string | null | undefined): MobileIdentity | null {
  const n = normalizeMobile(raw);
  return n ? { hash: hashMobile(key, n), masked: maskMobile(n) } : null;
}

/**
 * The full mobile for tap-to-call (`customers.mobile_sealed`): sealed with SecretBox (AES-256-GCM) bound to the
 * tenant, so a value copied to another tenant does not open; a customer merge keeps it valid. Writers (member
 * import, the demo) seal with `sealCustomerMobile`; the clerk's card opens it with `openCustomerMobile` only where the
 * tenant allows showing mobiles and only for a clerk serving the customer.
 */
const mobileSealContext = (tenantId: string) => `customers.mobile_sealed:${tenantId}`;

/** Stable: the same number seals to the same text, so re-importing an unchanged member writes nothing. */
export function sealCustomerMobile(box: SecretBox, tenantId: string, normalized: string): string {
  return box.sealStable(normalized, mobileSealContext(tenantId));
}

/** Null when there is nothing sealed or it does not open (wrong key or tenant). */
export function openCustomerMobile(box: SecretBox, tenantId: string, sealed: string | null | undefined): string | null {
  if (!sealed) return null;
  try {
    return box.open(sealed, mobileSealContext(tenantId));
  } catch {
    return null;
  }
}
