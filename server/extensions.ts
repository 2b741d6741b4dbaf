/**
 * Process-wide extensions installed after boot, before serving (e.g. the in-process WeCom simulator the demo
 * tenant is connected to). Capabilities append installers.
 */
import type { Services } from './services';
import { installWecomRuntime } from './wecom/install';

export const extensionInstallers: ((services: Services) => Promise<void>)[] = [installWecomRuntime];

export async function installExtensions(services: Services): Promise<void> {
  for (const install of extensionInstallers) await install(services);
}
