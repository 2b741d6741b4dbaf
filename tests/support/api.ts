/**
 * The REST API (/api/v1) served over real HTTP for integration tests, API keys for a tenant, and the UCI Online
 * Retail import through the CLI that several suites start from.
 */
import path from 'node:path';
import { expect } from 'vitest';
import '../../server/http/routes';
import { createApiRouter } from '../../server/http/api';
import { runCli } from '../../server/cli/main';
import type { Services } from '../../server/services';
import { systemActor } from '../../server/tenancy/actor';
import type { TenantId } from '../../server/tenancy/context';
import { createApiKey as createTenantApiKey } from '../../server/tenancy/settings.service';
import { useLocalServer } from './server';

/** Serves /api/v1 on a free local port for the file's tests; `base()` is its URL once `beforeAll` has run. */
export function useApiServer(h: { readonly services: Services }): { base(): string } {
  const server = useLocalServer((app) => {
    app.use((_req, res, next) => {
      res.locals.requestId = 'test';
      next();
    });
    app.use('/api/v1', createApiRouter(h.services));
  });
  return { base: () => `${server.base()}/api/v1` };
}

/**
 * Calls the API with a key: `call(method, path, body?, status = 200, key?)` sends JSON, checks the status (the body
 * in the failure message) and returns the parsed body (null for a 204).
 */
export function apiCaller(api: { base(): string }, defaultKey: () => string) {
  return async function call<T>(method: string, path: string, body?: unknown, status = 200, key = defaultKey()): Promise<T> {
    const r = await fetch(api.base() + path, { method, headers: { Authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
    const out = (r.status === 204 ? null : await r.json()) as T;
    expect(r.status, JSON.stringify(out)).toBe(status);
    return out;
  };
}

/** A new API key of the tenant (through the settings service); returns the secret sent as `Authorization: Bearer`. */
export async function createApiKey(services: Services, tenantId: TenantId, name = 'test'): Promise<string> {
  const k = await createTenantApiKey(services, systemActor(tenantId, '', 'test'), name);
  return k.key;
}

/** The UCI Online Retail file (541,909 lines), carried in tests/fixtures/datasets (source and licence in its SOURCE.md). */
export const UCI_FILE = path.resolve(import.meta.dirname, '../fixtures/datasets/online-retail-uci/online_retail.csv.gz');

/** Imports the UCI file into a tenant through the CLI with the column mapping of its SOURCE.md; returns the CLI's output. */
export async function importUciWithCli(services: Services, tenantSlug: string): Promise<{ code: number; out: string[]; err: string[] }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(
    ['import', 'orders', UCI_FILE, '--tenant', tenantSlug, '--map', 'order_no=InvoiceNo,paid_at=InvoiceDate,quantity=Quantity,unit_price=UnitPrice,sku=StockCode,item_name=Description,member_no=CustomerID', '--refund-prefix', 'C'],
    { out: (l) => out.push(l), err: (l) => err.push(l) },
    async () => services,
  );
  return { code, out, err };
}
