/**
 * Extension installer (server/extensions.ts): attaches the WeCom runtime at boot and hands its simulator hub the
 * callback handler, so simulator-mode tenants' callbacks take the same path as `POST /wecom/callback/:slug`.
 * The composition happens here because the handler itself reaches the runtime (welcome messages need a client).
 */
import type { Services } from '../services';
import { handleCallback } from './callback.service';
import { wecomRuntime } from './runtime';

export async function installWecomRuntime(services: Services): Promise<void> {
  wecomRuntime(services).hub.deliver = handleCallback;
}
