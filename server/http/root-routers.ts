import type { Router } from 'express';
import type { Services } from '../services';

/** Routers mounted at the root before Remix (e.g. /wecom/callback/:slug). Capabilities push theirs. */
export const rootRouters: ((services: Services) => Router)[] = [];
