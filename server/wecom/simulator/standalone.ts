/**
 * The simulator as an HTTP server: `npx tsx server/wecom/simulator/standalone.ts` (or `npm run wecom-sim`).
 *
 * Env: SIM_PORT (4010), SIM_HOST (127.0.0.1), SIM_LATENCY_MS (0), SIM_RATE_PER_MIN (10000; 0 = off),
 * SIM_CUSTOMERS (2000), SIM_STAFF (12), SIM_SEED (1), SIM_CORP_ID / SIM_SECRET (generated when unset),
 * SIM_BUSY_RATE / SIM_5XX_RATE (0), and for callbacks SIM_CALLBACK_URL, SIM_CALLBACK_TOKEN,
 * SIM_CALLBACK_AES_KEY (generated when unset), SIM_CALLBACK_FORMAT (xml|json), SIM_CHAOS (0|1).
 *
 * Besides /cgi-bin/*, a small control surface drives the world (JSON in and out):
 *   GET  /__sim/summary                   counts
 *   POST /__sim/advance       {ms}        move the clock
 *   POST /__sim/faults        [FaultSpec] queue faults
 *   POST /__sim/tokens/expire             expire every token (next call: 42001)
 *   POST /__sim/contacts      {userid, state?, name?, externalUserid?}   a customer adds a clerk (emits an event)
 *   POST /__sim/contacts/delete {userid, externalUserid}                 the clerk deletes the customer
 *   POST /__sim/mass/send     {msgid, userid?}                           senders confirm a mass message
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { pathToFileURL } from 'node:url';
import { z } from 'zod';
import { generateEncodingAesKey } from '../crypto';
import { generatePopulation, generateStaff } from './population';
import { EventSink } from './sink';
import type { FaultSpec } from './config';
import { WecomSimulator } from './simulator';

const realSleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

function readBody(req: IncomingMessage, limit = 25 * 1024 * 1024): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > limit) {
        reject(new Error('body too large'));
        req.destroy();
      } else chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function sendJson(res: ServerResponse, status: number, json: unknown): void {
  const body = JSON.stringify(json);
  res.writeHead(status, { 'content-type': 'application/json; charset=UTF-8', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

const faultSchema = z.object({
  api: z.string().optional(),
  kind: z.enum(['errcode', 'http', 'network']),
  errcode: z.number().int().optional(),
  status: z.number().int().optional(),
  times: z.number().int().positive().optional(),
});

async function control(sim: WecomSimulator, method: string, path: string, body: string): Promise<[number, unknown]> {
  const json = (): unknown => (body.trim() ? (JSON.parse(body) as unknown) : {});
  if (method === 'GET' && path === '/__sim/summary') return [200, sim.summary()];
  if (method !== 'POST') return [405, { error: 'method not allowed' }];
  switch (path) {
    case '/__sim/advance': {
      const b = z.object({ ms: z.number().nonnegative() }).parse(json());
      sim.advance(b.ms);
      return [200, { now: sim.now() }];
    }
    case '/__sim/faults': {
      const faults: FaultSpec[] = z.array(faultSchema).parse(json());
      sim.injectFaults(...faults);
      return [200, { queued: faults.length }];
    }
    case '/__sim/tokens/expire':
      sim.expireTokens();
      return [200, {}];
    case '/__sim/contacts': {
      const b = z.object({ userid: z.string(), state: z.string().optional(), name: z.string().optional(), externalUserid: z.string().optional(), half: z.boolean().optional() }).parse(json());
      const r = sim.addContact({
        userid: b.userid,
        ...(b.state !== undefined ? { state: b.state } : {}),
        ...(b.externalUserid !== undefined ? { externalUserid: b.externalUserid } : {}),
        ...(b.name !== undefined ? { customer: { name: b.name } } : {}),
        ...(b.half !== undefined ? { half: b.half } : {}),
      });
      return [200, { externalUserid: r.externalUserid, welcomeCode: r.welcomeCode }];
    }
    case '/__sim/contacts/delete': {
      const b = z.object({ userid: z.string(), externalUserid: z.string() }).parse(json());
      sim.deleteContact(b.userid, b.externalUserid);
      return [200, {}];
    }
    case '/__sim/mass/send': {
      const b = z.object({ msgid: z.string(), userid: z.string().optional() }).parse(json());
      return [200, sim.sendMassMessage(b.msgid, b.userid)];
    }
    default:
      return [404, { error: 'unknown control path' }];
  }
}

/** Serves `sim` over HTTP. Injected network faults close the socket without an answer. */
export function startSimulatorServer(sim: WecomSimulator, opts: { port?: number; host?: string; sleep?: (ms: number) => Promise<void> } = {}): Promise<{ server: Server; url: string; close: () => Promise<void> }> {
  const sleep = opts.sleep ?? realSleep;
  const server = createServer((req, res) => {
    void (async () => {
      try {
        const url = new URL(req.url ?? '/', 'http://localhost');
        const raw = await readBody(req);
        // Media uploads (multipart/form-data) keep their bytes; everything else is JSON text.
        const contentType = req.headers['content-type'];
        const body = contentType?.startsWith('multipart/') ? new Uint8Array(raw) : raw.toString('utf8');
        if (url.pathname.startsWith('/__sim/')) {
          const [status, json] = await control(sim, req.method ?? 'GET', url.pathname, raw.toString('utf8'));
          sendJson(res, status, json);
          return;
        }
        if (sim.config.latencyMs > 0) await sleep(sim.config.latencyMs);
        const r = sim.handle({ method: req.method ?? 'GET', path: url.pathname, query: url.searchParams, body, headers: { 'content-type': contentType } });
        if (r.fault === 'network') {
          req.socket.destroy();
          return;
        }
        sendJson(res, r.status, r.json);
      } catch (e) {
        sendJson(res, 400, { error: e instanceof Error ? e.message : String(e) });
      }
    })();
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, opts.host ?? '127.0.0.1', () => {
      const addr = server.address();
      const port = typeof addr === 'object' && addr ? addr.port : (opts.port ?? 0);
      resolve({
        server,
        url: `http://${opts.host ?? '127.0.0.1'}:${port}`,
        close: () => new Promise<void>((r) => server.close(() => r())),
      });
    });
  });
}

const envSchema = z.object({
  SIM_PORT: z.coerce.number().int().min(0).max(65535).default(4010),
  SIM_HOST: z.string().default('127.0.0.1'),
  SIM_LATENCY_MS: z.coerce.number().int().min(0).default(0),
  SIM_RATE_PER_MIN: z.coerce.number().int().min(0).default(10_000),
  SIM_CUSTOMERS: z.coerce.number().int().min(0).default(2000),
  SIM_STAFF: z.coerce.number().int().min(1).default(12),
  SIM_SEED: z.coerce.number().int().default(1),
  SIM_CORP_ID: z.string().optional(),
  SIM_SECRET: z.string().optional(),
  SIM_BUSY_RATE: z.coerce.number().min(0).max(1).default(0),
  SIM_5XX_RATE: z.coerce.number().min(0).max(1).default(0),
  SIM_CALLBACK_URL: z.string().url().optional(),
  SIM_CALLBACK_TOKEN: z.string().optional(),
  SIM_CALLBACK_AES_KEY: z.string().regex(/^[A-Za-z0-9]{43}$/).optional(),
  SIM_CALLBACK_FORMAT: z.enum(['xml', 'json']).default('xml'),
  SIM_CHAOS: z.enum(['0', '1']).default('0'),
});

export async function main(env: NodeJS.ProcessEnv = process.env): Promise<void> {
  const parsed = envSchema.safeParse(Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== '')));
  if (!parsed.success) {
    process.stderr.write(`Invalid simulator configuration:\n${parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`).join('\n')}\n`);
    process.exit(1);
  }
  const e = parsed.data;
  const t0 = Date.now();
  const population = generatePopulation({
    seed: e.SIM_SEED,
    customers: e.SIM_CUSTOMERS,
    staff: generateStaff(e.SIM_STAFF, e.SIM_SEED),
    ...(e.SIM_CORP_ID ? { corpId: e.SIM_CORP_ID } : {}),
    ...(e.SIM_SECRET ? { secrets: [e.SIM_SECRET] } : {}),
    now: Date.now(),
  });
  const sim = new WecomSimulator({
    population,
    seed: e.SIM_SEED,
    config: {
      latencyMs: e.SIM_LATENCY_MS,
      rateLimitPerMinute: e.SIM_RATE_PER_MIN === 0 ? null : e.SIM_RATE_PER_MIN,
      busyRate: e.SIM_BUSY_RATE,
      http5xxRate: e.SIM_5XX_RATE,
    },
  });
  const callbackToken = e.SIM_CALLBACK_TOKEN ?? 'huikeSimToken';
  const aesKey = e.SIM_CALLBACK_AES_KEY ?? generateEncodingAesKey();
  if (e.SIM_CALLBACK_URL) {
    const sink = new EventSink({
      url: e.SIM_CALLBACK_URL,
      token: callbackToken,
      encodingAesKey: aesKey,
      corpId: sim.corpId,
      format: e.SIM_CALLBACK_FORMAT,
      autoFlush: true,
      chaos: e.SIM_CHAOS === '1' ? {} : false,
    });
    sink.attach(sim);
  }
  const { url } = await startSimulatorServer(sim, { port: e.SIM_PORT, host: e.SIM_HOST });
  const s = sim.summary();
  const lines = [
    `WeCom simulator listening on ${url} (base URL for the client; paths under /cgi-bin/)`,
    `  corp id:      ${sim.corpId}`,
    `  secret:       ${sim.secret}`,
    `  world:        ${s.staff} staff, ${s.customers} customers, ${s.relations} relations, ${s.tags} tags, ${s.groupChats} group chats (built in ${Date.now() - t0} ms)`,
    `  staff:        ${[...sim.state.staff.keys()].slice(0, 5).join(', ')}${s.staff > 5 ? ', …' : ''}`,
    `  callbacks:    ${e.SIM_CALLBACK_URL ?? '(off: set SIM_CALLBACK_URL)'}`,
    `  cb token:     ${callbackToken}`,
    `  cb AES key:   ${aesKey}`,
    `  latency ${e.SIM_LATENCY_MS} ms, rate limit ${e.SIM_RATE_PER_MIN || 'off'}/min per API`,
  ];
  process.stdout.write(lines.join('\n') + '\n');
}

const entry = process.argv[1];
if (entry && import.meta.url === pathToFileURL(entry).href) {
  // Stopped by a signal: exit normally (a profile or coverage of this process is written on exit).
  for (const sig of ['SIGTERM', 'SIGINT'] as const) process.once(sig, () => process.exit(0));
  main().catch((err: unknown) => {
    process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  });
}
