/**
 * Side-effect registrations of the capabilities' HTTP routers (/api/v1 routers into `apiRouters`, root routers
 * such as /wecom/callback into `rootRouters`). Imported once by server/http/app.ts.
 */
import '../ingest/orders.api';
import '../ingest/members.api';
import '../analytics/analytics.api';
import '../segments/segments.api';
import '../campaigns/campaigns.api';
import '../wecom/callback.router';
import '../wecom/operations.api';
import '../campaigns/report.api';

export {};
