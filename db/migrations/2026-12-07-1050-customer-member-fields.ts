/**
 * Member data on the customer (#13.11), laid down first because three capabilities read it:
 * member import writes it, campaigns exclude `marketing_opt_out`, the clerk workspace shows birthdays and a
 * tap-to-call mobile.
 *
 * - The member number and the mobile stay identities (`customer_identities`, kinds `member_no` / `mobile`), so a
 *   member links to a WeCom customer through the same resolution as orders. What is kept here is the profile.
 * - A birthday is often known without its year (member systems ask for month and day), so month and day are
 *   columns of their own and the year is optional; a partial index serves "birthdays on day D".
 * - `mobile_sealed` is the full mobile sealed with SecretBox (AES-256-GCM) for tap-to-call where the tenant allows
 *   it; `mobile_masked` (already there) is what lists show.
 * - Opting out of marketing is a fact with a time: `marketing_opt_out_at` is null while the customer may be
 *   marketed to.
 */
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`alter table customers
    add column member_level text,
    add column member_points integer,
    add column birth_year smallint check (birth_year between 1900 and 2100),
    add column birth_month smallint check (birth_month between 1 and 12),
    add column birth_day smallint check (birth_day between 1 and 31),
    add column registered_store_id uuid,
    add column registered_on date,
    add column marketing_opt_out boolean not null default false,
    add column marketing_opt_out_at timestamptz,
    add column mobile_sealed text,
    add column member_updated_at timestamptz,
    add constraint customers_birthday_whole check ((birth_month is null) = (birth_day is null)),
    add constraint customers_registered_store_fk foreign key (tenant_id, registered_store_id) references stores(tenant_id, id)`.execute(db);
  await sql`create index customers_birthday_idx on customers (tenant_id, birth_month, birth_day) where birth_month is not null`.execute(db);
  await sql`create index customers_opt_out_idx on customers (tenant_id, id) where marketing_opt_out`.execute(db);
}

export async function down(): Promise<void> {
  throw new Error('Migrations are forward-only.');
}
