/**
 * The web process: `npm start`. Boots (embedded Postgres unless DATABASE_URL, migrations), seeds the demo chain
 * into an empty database, runs the job worker inline (WORKER=off to leave it to `npm run worker`), serves the
 * app, and shuts down gracefully on SIGTERM/SIGINT: stop accepting, let in-flight requests and jobs finish.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { ServerBuild } from '@remix-run/node';
import { broadcastDevReady } from '@remix-run/node';
import { demoLoginBanner, seedDemoIfEmpty } from './demo/seed';
import { boot } from './boot';
import { ROOT_DIR } from './config';
import { createHttpApp } from './http/app';
import { startQueue, startWorkers } from './jobs/queue';
import { jobDefinitions, RETIRED_CRON_JOBS } from './jobs/registry';
import { installExtensions } from './extensions';
import { installProcessGuards } from './lib/process-guards';

const BUILD_PATH = path.join(ROOT_DIR, 'build/index.js');

async function main() {
  const t0 = Date.now();
  if (!existsSync(BUILD_PATH)) {
    process.stderr.write('No build found: run `npm run build` first (npm start does this for you).\n');
    process.exit(1);
  }
  const services = await boot();
  const { config, log } = services;
  installProcessGuards(log);
  await installExtensions(services);
  let seeded = false;
  if (config.DEMO === 'on') {
    seeded = await seedDemoIfEmpty(services);
  }
  await startQueue(services.queue, jobDefinitions);
  if (config.WORKER === 'inline') await startWorkers(services.queue, jobDefinitions, services, log, RETIRED_CRON_JOBS);

  const build = (await import(pathToFileURL(BUILD_PATH).href)) as ServerBuild;
  const app = createHttpApp(services, build);
  const server = app.listen(config.PORT, config.HOST, () => {
    if (process.env.REMIX_DEV_ORIGIN) void broadcastDevReady(build);
    log.info(`Ready in ${Date.now() - t0} ms${seeded ? ' (demo chain seeded)' : ''}`);
    process.stdout.write(demoLoginBanner(config.publicUrl) + '\n');
  });
  server.keepAliveTimeout = 65_000;

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info(`${signal}: shutting down gracefully`);
    const force = setTimeout(() => {
      log.error('Forced exit after 30 s');
      process.exit(1);
    }, 30_000);
    force.unref();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await services.close();
    clearTimeout(force);
    process.exit(0);
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
}

main().catch((e: unknown) => {
  process.stderr.write(`\nHuike failed to start: ${e instanceof Error ? e.message : String(e)}\n`);
  if (e instanceof Error && process.env.LOG_LEVEL === 'debug') process.stderr.write(`${e.stack}\n`);
  process.exit(1);
});
