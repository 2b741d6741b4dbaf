/** `npm run worker`: a separate job worker process on the same database as the app. */
import { boot } from '../boot';
import { installExtensions } from '../extensions';
import { installProcessGuards } from '../lib/process-guards';
import { startQueue, startWorkers } from './queue';
import { jobDefinitions, RETIRED_CRON_JOBS } from './registry';

async function main() {
  const services = await boot({ appPoolSize: 10 });
  installProcessGuards(services.log);
  await installExtensions(services);
  await startQueue(services.queue, jobDefinitions);
  await startWorkers(services.queue, jobDefinitions, services, services.log, RETIRED_CRON_JOBS);
  services.log.info(`Worker running ${jobDefinitions.length} job types`);
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    services.log.info(`${signal}: finishing in-flight jobs`);
    await services.close();
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
}

main().catch((e: unknown) => {
  process.stderr.write(`Worker failed: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
});
