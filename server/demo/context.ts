/**
 * What a demo step gets and is: the seeded chain and its ids, handed to each capability's step in order
 * (server/demo/steps.ts). A module of its own so the steps and the seeder that runs them do not import each other.
 */
import type { Services } from '../services';
import type { TenantId } from '../tenancy/context';
import type { DemoChain } from './chain';

export interface DemoContext {
  services: Services;
  tenantId: TenantId;
  seed: number;
  chain: DemoChain;
  storeIds: Map<string, string>;
  staffIds: Map<string, string>;
  /** Scale knobs for later steps (customers, orders); the demo uses the defaults. */
  scale: { customers: number; orderYears: number };
  log: (m: string) => void;
}

export interface DemoStep {
  name: string;
  run(ctx: DemoContext): Promise<void>;
}
