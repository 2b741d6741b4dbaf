/**
 * The /customers page on the demo tenant (issue #14: p95 ≤ 150 ms for the HTML page and for its data under 20
 * concurrent clients): `npm run build && npx tsx bench/segments/page.ts [--data-dir DIR] [--port 55700]`.
 * Seeds the demo chain into its own embedded PostgreSQL on the first run, serves the production build in this
 * process (NODE_ENV=production, as `npm start` does) and loads it from `bench/analytics/load.mjs` in a child
 * process, so the client does not share the server's event loop.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { pathToFileURL } from 'node:url';
import type { ServerBuild } from '@remix-run/node';
import { loadConfig, ROOT_DIR } from '../../server/config';
import { createLogger } from '../../server/lib/log';
import { openServices } from '../../server/services';
import { createHttpApp } from '../../server/http/app';
import { seedDemoIfEmpty, DEMO_PASSWORD } from '../../server/demo/seed';
import { login } from '../../server/tenancy/auth.service';
import { rerunInProduction } from '../lib/production';

const { values: args } = parseArgs({
  options: {
    'data-dir': { type: 'string', default: path.join(os.tmpdir(), 'huike-bench-page') },
    port: { type: 'string', default: '55700' },
    clients: { type: 'string', default: '20' },
    only: { type: 'string', default: '' }, // a substring of the URL: only that request
    requests: { type: 'string', default: '10' },
  },
});

interface Latency {
  cold: number;
  p50: number;
  p95: number;
  max: number;
  n: number;
  rps: number;
  bytes: number;
}

function load(url: string, cookie: string): Promise<Latency> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(import.meta.dirname, '../analytics/load.mjs'), url, cookie, args.clients!, args.requests!], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('close', (code) => (code === 0 ? resolve(JSON.parse(out) as Latency) : reject(new Error(`load.mjs failed: ${err.slice(0, 500)}`))));
  });
}

const buildPath = path.join(ROOT_DIR, 'build/index.js');
if (!existsSync(buildPath)) throw new Error('run `npm run build` first');
await rerunInProduction();
// config in development mode: it keeps generated secrets in the data dir (as `npm start` on a fresh clone does); React and
// Remix still run their production builds (process.env.NODE_ENV above).
const config = loadConfig({ ...process.env, NODE_ENV: 'development', DATA_DIR: args['data-dir'], EMBEDDED_PG_PORT: args.port, DEMO: 'on', LOG_LEVEL: 'warn', DATABASE_URL: '' });
const services = await openServices(config, { log: createLogger({ level: 'warn' }) });
try {
  await seedDemoIfEmpty(services);
  const build = (await import(pathToFileURL(buildPath).href)) as ServerBuild;
  const server = createHttpApp(services, build).listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  const base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  const cookie = (await login(services, { identifier: 'ops@demo.huike', password: DEMO_PASSWORD, ip: '127.0.0.1', userAgent: 'bench' })).cookie.split(';')[0]!;
  const rows: string[] = [];
  // For reference, measured the same way: the smallest document of the app (the sign-in page without a session: the
  // root loader and a form, no database), i.e. what Remix and React cost per page before a page does anything.
  for (const [label, url, withCookie] of [
    ['`/customers` (HTML)', '/customers', true],
    ['`/customers?_data=…` (its data)', '/customers?_data=routes%2F_app.customers._index', true],
    ['`/login` without a session (reference: the smallest document)', '/login', false],
  ] as const) {
    if (args.only && !url.includes(args.only)) continue;
    const as = withCookie ? cookie : 'none=1';
    await load(base + url, as); // warm-up round
    const r = await load(base + url, as);
    rows.push(`| ${label} | ${r.cold.toFixed(0)} | ${r.p50.toFixed(0)} | ${r.p95.toFixed(0)} | ${r.max.toFixed(0)} | ${r.rps.toFixed(1)} | ${Math.round(r.bytes / 1000)} KB |`);
  }
  process.stdout.write(
    [`load average ${os.loadavg().map((x) => x.toFixed(1)).join(' / ')}, ${args.clients} clients × ${args.requests} requests`, '| request | cold ms | p50 ms | p95 ms | max ms | req/s | size |', '|---|---|---|---|---|---|---|', ...rows, ''].join('\n'),
  );
  server.close();
} finally {
  await services.close();
}
