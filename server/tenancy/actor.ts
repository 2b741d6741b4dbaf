/**
 * The signed-in user as the domain sees them: tenant, role, and the scope of data they may see.
 * - admin / ops: the whole tenant;
 * - manager: the regions and stores of their scope;
 * - clerk: the customers they serve (and, until customers exist, their store).
 */
import type { Role } from '../../db/schema';
import type { TenantId } from './context';
import { can, type Permission } from './permissions';
import { ForbiddenError } from '../lib/errors';

export interface Actor {
  kind: 'staff' | 'apikey' | 'system';
  tenantId: TenantId;
  tenantSlug: string;
  staffId: string | null;
  role: Role;
  name: string;
  label: string;
  storeId: string | null;
  /** Null means the whole tenant. Otherwise the store ids the actor may see. */
  storeScope: string[] | null;
  requestId?: string;
}

export function assertCan(actor: Actor, permission: Permission): void {
  if (!can(actor.role, permission)) throw new ForbiddenError();
}

export function isClerk(actor: Actor): boolean {
  return actor.role === 'clerk';
}

/** An actor for CLI and jobs acting on a tenant as the system. */
export function systemActor(tenantId: TenantId, tenantSlug: string, label = 'system'): Actor {
  return { kind: 'system', tenantId, tenantSlug, staffId: null, role: 'admin', name: label, label, storeId: null, storeScope: null };
}
