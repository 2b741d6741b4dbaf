import { describe, expect, it } from 'vitest';
import { NotFoundError, toUserError } from '../../server/lib/errors';

describe('Postgres errors are mapped at the edge', () => {
  it('maps 42501/23505/23503 to 403/409/404 and leaves the rest alone', () => {
    expect(toUserError({ code: '42501' })?.status).toBe(403);
    expect(toUserError({ code: '23505', constraint_name: 'stores_tenant_id_code_key' })).toMatchObject({ status: 409, details: { constraint: 'stores_tenant_id_code_key' } });
    expect(toUserError({ code: '23503' })?.status).toBe(404);
    expect(toUserError(new NotFoundError('x'))?.message).toBe('x');
    expect(toUserError(new Error('boom'))).toBeNull();
    expect(toUserError({ code: '57014' })).toBeNull();
  });
});
