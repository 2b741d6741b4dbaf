/** Housekeeping jobs of the platform itself. */
import { sql } from 'kysely';
import type { Services } from '../services';
import { pruneThrottle } from '../tenancy/login-throttle.repository';
import { pruneIgnoredInbox } from '../wecom/inbox.repository';
import type { AnyJob } from './job';

export const platformJobs: AnyJob[] = [
  {
    name: 'platform.cleanup-sessions',
    cron: '17 * * * *',
    handler: async (s) => {
      await sql`delete from sessions where expires_at < now()`.execute(s.dbs.owner);
      await sql`delete from platform_sessions where expires_at < now()`.execute(s.dbs.owner);
      await sql`delete from login_attempts where at < now() - interval '30 days'`.execute(s.dbs.owner);
      await pruneThrottle(s.dbs.owner);
      await pruneIgnoredInbox(s.dbs.owner);
    },
  },
];
