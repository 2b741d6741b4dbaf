/**
 * The demo chain's customer universe, generated deterministically from the seed: identities (≈60% WeCom contacts
 * with an external_userid and a unionid, member numbers for most, mobiles for some), the clerk(s) who serve the
 * contacts (≈15% served by 2–3 clerks), a home store and a buying behaviour in the BG/NBD family: each customer
 * buys at their own rate λ ~ Gamma(r, α) and drops out after any purchase with probability p ~ Beta(a, b).
 *
 * Customer i depends only on (seed, i), so the universe can be generated in chunks or streamed (`iterateDemoCustomers`)
 * up to millions of customers, and the WeCom simulator population can be built from exactly the same people.
 */
import type { DemoChain } from './chain';
import { chineseName } from './chain';
import { Rng } from './random';

export interface DemoCustomerIdentities {
  externalUserid: string | null;
  unionid: string | null;
  memberNo: string | null;
  /** Normalised mainland mobile (11 digits) in clear: the demo step hashes it like any import would. */
  mobile: string | null;
}

export interface DemoBehaviour {
  /** Purchase rate per day while alive. */
  lambda: number;
  /** Probability of dropping out after each purchase. */
  dropout: number;
  /** Days before the end of the history when the first purchase happens (null: never buys, a prospect). */
  firstPurchaseDaysAgo: number | null;
  /** Typical number of items per order. */
  basket: number;
  /** Preferred channel. */
  channel: 'pos' | 'mini_program' | 'ecommerce';
}

export interface DemoCustomer {
  index: number;
  /** Deterministic UUID (v4 layout) so re-generating gives the same ids. */
  id: string;
  name: string;
  gender: 0 | 1 | 2;
  homeStoreCode: string;
  /** WeCom userids of the clerks who added this contact (empty for non-contacts). */
  clerkUserids: string[];
  identities: DemoCustomerIdentities;
  behaviour: DemoBehaviour;
}

/** BG/NBD-like heterogeneity: mean λ = r/α = 1 purchase per 75 days; mean dropout 0.2 per purchase. */
export const DEMO_BEHAVIOUR = { r: 0.8, alpha: 60, a: 1.2, b: 4.8, prospectShare: 0.08 } as const;

const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const MOBILE_PREFIXES = ['135', '136', '137', '138', '139', '150', '151', '152', '158', '159', '177', '186', '187', '188', '189', '199'];

function token(rng: Rng, n: number, alphabet = ALNUM): string {
  let s = '';
  for (let i = 0; i < n; i++) s += alphabet[Math.floor(rng.next() * alphabet.length)];
  return s;
}

function uuidFrom(rng: Rng): string {
  const h = Array.from({ length: 32 }, () => '0123456789abcdef'[Math.floor(rng.next() * 16)]).join('');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-${'89ab'[Math.floor(rng.next() * 4)]}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/** Customer i of the universe. */
export function demoCustomerAt(seed: number, chain: DemoChain, i: number, historyDays = 730): DemoCustomer {
  const rng = new Rng(seed ^ 0x5eed).fork('customer').fork(i);
  const store = chain.stores[Math.floor(rng.next() * chain.stores.length)]!;
  const storeClerks = chain.clerks.filter((c) => c.storeCode === store.code);
  const isContact = rng.chance(0.6);
  const clerkUserids: string[] = [];
  if (isContact && storeClerks.length > 0) {
    clerkUserids.push(rng.pick(storeClerks).userid);
    if (rng.chance(0.15)) {
      const extra = rng.int(1, 2);
      for (let k = 0; k < extra; k++) {
        const c = rng.pick(chain.clerks).userid;
        if (!clerkUserids.includes(c)) clerkUserids.push(c);
      }
    }
  }
  // unique by construction: the index is spread over 10^8 numbers per prefix by a multiplier coprime to 10^8
  const mobile = rng.chance(0.45) ? `${MOBILE_PREFIXES[i % MOBILE_PREFIXES.length]}${String((i * 7919 + 1234567) % 100_000_000).padStart(8, '0')}` : null;
  const identities: DemoCustomerIdentities = {
    externalUserid: isContact ? `wm${token(rng, 30, ALNUM + '_-')}` : null,
    unionid: isContact ? `o${token(rng, 27, ALNUM + '_-')}` : null,
    memberNo: rng.chance(0.85) ? `8${String(100_000_000 + i).slice(1)}` : null,
    mobile,
  };
  if (!identities.externalUserid && !identities.memberNo && !identities.mobile) identities.memberNo = `8${String(100_000_000 + i).slice(1)}`;
  const { r, alpha, a, b, prospectShare } = DEMO_BEHAVIOUR;
  const behaviour: DemoBehaviour = {
    lambda: rng.gamma(r, 1 / alpha),
    dropout: rng.beta(a, b),
    // acquisition leans towards recent months (the private-domain programme grows)
    firstPurchaseDaysAgo: rng.chance(prospectShare) ? null : Math.floor(historyDays * Math.pow(rng.next(), 1.3)),
    basket: 1 + rng.gamma(1.2, 0.9),
    channel: rng.weighted([
      ['pos', 70],
      ['mini_program', 22],
      ['ecommerce', 8],
    ] as const),
  };
  return {
    index: i,
    id: uuidFrom(rng),
    name: chineseName(rng),
    gender: rng.weighted([
      [2, 62],
      [1, 33],
      [0, 5],
    ] as const),
    homeStoreCode: store.code,
    clerkUserids,
    identities,
    behaviour,
  };
}

/** Streams customers [start, start + count) without holding them (for 1M-customer benchmark tenants). */
export function* iterateDemoCustomers(seed: number, chain: DemoChain, count: number, start = 0, historyDays = 730): Generator<DemoCustomer> {
  for (let i = start; i < start + count; i++) yield demoCustomerAt(seed, chain, i, historyDays);
}
