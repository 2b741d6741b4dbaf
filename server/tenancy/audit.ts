/** The audit log: every mutation records who, what, when, and the row before and after. */
import { jsonb } from '../lib/sql';
import type { Tx } from './context';
import type { Actor } from './actor';

export interface AuditEntry {
  action: string;
  entityType: string;
  entityId?: string | null;
  before?: unknown;
  after?: unknown;
}

export async function audit(trx: Tx, actor: Pick<Actor, 'tenantId' | 'staffId' | 'label' | 'requestId'>, e: AuditEntry): Promise<void> {
  await trx
    .insertInto('audit_log')
    .values({
      tenant_id: actor.tenantId,
      actor_staff_id: actor.staffId,
      actor_label: actor.label,
      action: e.action,
      entity_type: e.entityType,
      entity_id: e.entityId ?? null,
      before: auditJsonb(e.before),
      after: auditJsonb(e.after),
      request_id: actor.requestId ?? null,
    })
    .execute();
}

const SECRET_KEYS = /password|secret|token|aes_key|key_hash/i;
function stripSecrets(v: unknown): unknown {
  if (v === null || typeof v !== 'object') return v;
  if (Array.isArray(v)) return v.map(stripSecrets);
  return Object.fromEntries(Object.entries(v as Record<string, unknown>).map(([k, x]) => [k, SECRET_KEYS.test(k) ? '[redacted]' : stripSecrets(x)]));
}

/** An audit row's before/after: secrets redacted, then stored as jsonb (server/lib/sql.ts). */
export function auditJsonb(v: unknown) {
  return v === undefined || v === null ? null : jsonb(stripSecrets(v));
}
