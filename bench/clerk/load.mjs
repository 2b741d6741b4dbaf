// Load generator for bench/clerk/run.ts, in its own process: `node load.mjs <plan.json>` where the plan is
// { base, rounds, thinkMs, clerks: [{ cookie, pages: { name: url[] } }] }. Every clerk is one concurrent client that,
// for each round, opens each page kind once (a different URL of that kind each round) in order, reading each page
// for a think time drawn uniformly from [0.5, 1.5] × thinkMs before the next (0: back to back, a saturation test);
// clerks start spread over one think time. Prints JSON { [page]: { p50, p95, max, n } , wall, rps }.
import { readFileSync } from 'node:fs';

const plan = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const times = {};
const pct = (xs, p) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil(p * s.length) - 1)];
};
const one = async (url, cookie) => {
  const t0 = performance.now();
  const r = await fetch(plan.base + url, { headers: { cookie } });
  const body = await r.arrayBuffer();
  if (!r.ok) throw new Error(`HTTP ${r.status} for ${url}: ${Buffer.from(body).toString('utf8').slice(0, 200)}`);
  return performance.now() - t0;
};
const think = plan.thinkMs ?? 0;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const t0 = performance.now();
let n = 0;
await Promise.all(
  plan.clerks.map(async (c) => {
    if (think > 0) await sleep(Math.random() * think);
    for (let round = 0; round < plan.rounds; round++) {
      for (const [name, urls] of Object.entries(c.pages)) {
        const ms = await one(urls[round % urls.length], c.cookie);
        (times[name] ??= []).push(ms);
        n++;
        if (think > 0) await sleep(think * (0.5 + Math.random()));
      }
    }
  }),
);
const wall = performance.now() - t0;
const out = { wall, rps: (n / wall) * 1000 };
for (const [name, xs] of Object.entries(times)) out[name] = { p50: pct(xs, 0.5), p95: pct(xs, 0.95), max: Math.max(...xs), n: xs.length };
process.stdout.write(JSON.stringify(out));
