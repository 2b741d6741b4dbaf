/**
 * The Kysely Database interface, composed from one file per capability under db/schema/ so that each
 * capability's tables live beside its own migrations.
 */
import type { AnalyticsTables } from './schema/analytics';
import type { CampaignTables } from './schema/campaigns';
import type { ClerkTables } from './schema/clerk';
import type { CoreTables } from './schema/core';
import type { CustomerTables } from './schema/customers';
import type { IngestTables } from './schema/ingest';
import type { SegmentTables } from './schema/segments';
import type { WecomTables } from './schema/wecom';
import type { WecomOpsTables } from './schema/wecom-ops';

export type * from './schema/core';
export type * from './schema/customers';

export interface Database extends CoreTables, CustomerTables, WecomTables, WecomOpsTables, IngestTables, AnalyticsTables, SegmentTables, CampaignTables, ClerkTables {}
