/** CLI: database checks for operators. */
import { danglingReferences, UNCHECKED_REFERENCES } from '../customers/integrity';
import { withSystem } from '../tenancy/context';
import { findTenantBySlug } from '../tenancy/tenants.service';
import { optionalString, type CliCommand } from './command';

export const dbCommands: CliCommand[] = [
  {
    name: 'db check',
    usage: 'db check [--tenant S]   (rows pointing at a missing customer, clerk, store, channel, chat or tenant; exit 1 if any)',
    options: { tenant: { type: 'string' } },
    async run(services, { values }, io) {
      const slug = optionalString(values, 'tenant');
      const tenantIds = slug ? [(await findTenantBySlug(services, slug)).id] : undefined;
      const found = await withSystem(services.dbs, (db) => danglingReferences(db, tenantIds));
      if (found.length === 0) {
        io.out(`OK: ${UNCHECKED_REFERENCES.length} references without a row-level foreign key checked${slug ? ` for tenant ${slug}` : ''}, none dangling.`);
        return;
      }
      for (const f of found) io.err(`dangling: ${f.reference}: ${f.rows} row(s)`);
      throw new Error(`${found.length} reference(s) point at missing rows (see above)`);
    },
  },
];
