/** CLI: tenants, users, API keys, platform admins. */
import { systemActor } from '../tenancy/actor';
import { newApiKey } from '../tenancy/auth.service';
import { audit } from '../tenancy/audit';
import { withSystem, withTenant } from '../tenancy/context';
import { hashPassword } from '../tenancy/passwords';
import { createStaff, createTenant, findTenantBySlug } from '../tenancy/tenants.service';
import { ROLES } from '../tenancy/permissions';
import { CliUsageError, optionalString, requireString, type CliCommand } from './command';
import type { Role } from '../../db/schema';

export const tenancyCommands: CliCommand[] = [
  {
    name: 'tenant create',
    usage: 'tenant create <slug> --name N [--timezone Z] [--currency C]',
    positionals: 1,
    options: { name: { type: 'string' }, timezone: { type: 'string' }, currency: { type: 'string' } },
    async run(services, { values, positionals }, io) {
      const slug = positionals[0];
      if (!slug) throw new CliUsageError('tenant slug is required');
      const t = await createTenant(services, { slug, name: requireString(values, 'name'), timezone: optionalString(values, 'timezone'), currency: optionalString(values, 'currency') }, { actorLabel: 'cli' });
      io.out(`Created tenant ${t.slug} (${t.name}, ${t.timezone}, ${t.currency}) id=${t.id}`);
    },
  },
  {
    name: 'user create',
    usage: 'user create --tenant S --email E --role admin|ops|manager|clerk --password P [--name N] [--store CODE] [--region CODE,...]',
    options: { tenant: { type: 'string' }, email: { type: 'string' }, mobile: { type: 'string' }, role: { type: 'string' }, password: { type: 'string' }, name: { type: 'string' }, store: { type: 'string' }, region: { type: 'string' } },
    async run(services, { values }, io) {
      const role = requireString(values, 'role');
      if (!(ROLES as readonly string[]).includes(role)) throw new CliUsageError(`--role must be one of ${ROLES.join(', ')}`);
      const tenant = await findTenantBySlug(services, requireString(values, 'tenant'));
      const email = optionalString(values, 'email');
      const password = requireString(values, 'password');
      const store = optionalString(values, 'store');
      const region = optionalString(values, 'region');
      const row = await withTenant(services.dbs, tenant.id, (trx) =>
        createStaff(trx, systemActor(tenant.id, tenant.slug, 'cli'), {
          name: optionalString(values, 'name') ?? email?.split('@')[0] ?? 'user',
          email,
          mobile: optionalString(values, 'mobile'),
          role: role as Role,
          password,
          storeCode: role === 'clerk' ? store : null,
          storeCodes: role === 'manager' && store ? store.split(',') : undefined,
          regionCodes: role === 'manager' && region ? region.split(',') : undefined,
        }),
      );
      io.out(`Created ${row.role} ${row.email ?? row.mobile} in ${tenant.slug} id=${row.id}`);
    },
  },
  {
    name: 'apikey create',
    usage: 'apikey create --tenant S [--name N]   (prints the key as the last line; it is shown only once)',
    options: { tenant: { type: 'string' }, name: { type: 'string' } },
    async run(services, { values }, io) {
      const tenant = await findTenantBySlug(services, requireString(values, 'tenant'));
      const name = optionalString(values, 'name') ?? 'cli';
      const k = newApiKey();
      await withTenant(services.dbs, tenant.id, async (trx) => {
        const row = await trx.insertInto('api_keys').values({ tenant_id: tenant.id, name, prefix: k.prefix, key_hash: k.hash, created_by: 'cli', last_used_at: null, revoked_at: null }).returning(['id', 'name', 'prefix']).executeTakeFirstOrThrow();
        await audit(trx, systemActor(tenant.id, tenant.slug, 'cli'), { action: 'apikey.create', entityType: 'api_key', entityId: row.id, after: row });
      });
      io.err(`API key "${name}" for ${tenant.slug} (store it now; it is not shown again):`);
      io.out(k.key);
    },
  },
  {
    name: 'platform-admin create',
    usage: 'platform-admin create --email E --password P [--name N]',
    options: { email: { type: 'string' }, password: { type: 'string' }, name: { type: 'string' } },
    async run(services, { values }, io) {
      const email = requireString(values, 'email').toLowerCase();
      const password = requireString(values, 'password');
      if (password.length < 8) throw new CliUsageError('--password: at least 8 characters');
      const hash = await hashPassword(password);
      await withSystem(services.dbs, (db) =>
        db.insertInto('platform_admins').values({ email, name: optionalString(values, 'name') ?? email, password_hash: hash }).onConflict((oc) => oc.column('email').doUpdateSet({ password_hash: hash })).execute(),
      );
      io.out(`Platform admin ${email} ready`);
    },
  },
];
