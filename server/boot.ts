/**
 * Shared boot for every entry point: parse configuration (a bad value stops with a clear message), open the
 * services (database selection, app role, migrations, pools, queue).
 */
import { ConfigError, loadConfig, type Config } from './config';
import { createLogger, type Logger } from './lib/log';
import { openServices, type OpenOptions, type Services } from './services';

export function bootConfig(): { config: Config; log: Logger } {
  let config: Config;
  try {
    config = loadConfig();
  } catch (e) {
    if (e instanceof ConfigError) {
      process.stderr.write(`\n${e.message}\n\n`);
      process.exit(78);
    }
    throw e;
  }
  const log = createLogger({ level: config.LOG_LEVEL, json: config.isProduction });
  return { config, log };
}

export async function boot(opts: Partial<OpenOptions> = {}): Promise<Services> {
  const { config, log } = bootConfig();
  return openServices(config, { log: opts.log ?? log, ...opts });
}
