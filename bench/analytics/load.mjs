// Load generator for bench/analytics/run.ts, in its own process so the client does not share the server's event
// loop: `node load.mjs <url> <cookie> <concurrency> <requestsPerClient>` → JSON {cold, p50, p95, max, n, rps}.
const [url, cookie, concurrency, per] = process.argv.slice(2);
let bytes = 0;
const one = async () => {
  const t0 = performance.now();
  const r = await fetch(url, { headers: { cookie } });
  const body = await r.arrayBuffer();
  bytes = body.byteLength;
  if (!r.ok) throw new Error(`HTTP ${r.status}: ${Buffer.from(body).toString('utf8').slice(0, 200)}`);
  return performance.now() - t0;
};
const pct = (xs, p) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil(p * s.length) - 1)];
};
const cold = await one();
const times = [];
const t0 = performance.now();
await Promise.all(
  Array.from({ length: Number(concurrency) }, async () => {
    for (let i = 0; i < Number(per); i++) times.push(await one());
  }),
);
const wall = performance.now() - t0;
process.stdout.write(JSON.stringify({ cold, p50: pct(times, 0.5), p95: pct(times, 0.95), max: Math.max(...times), n: times.length, rps: (times.length / wall) * 1000, bytes }));
