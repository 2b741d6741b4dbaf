/**
 * The standalone WeCom simulator (server/wecom/simulator/standalone.ts) in its own process, as the benchmarks
 * talk to it over HTTP, and the CPU time of processes (Linux /proc) to say where a benchmark's time went.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { ROOT_DIR } from '../../server/config';

export interface StandaloneSimulator {
  child: ChildProcess;
  url: string;
  /** What the simulator printed when it was ready (world size, corp id, limits). */
  startup: string;
  /** POST to the simulator's control surface (/__sim/…). */
  control: (path: string, body: unknown) => Promise<unknown>;
  stop: () => void;
}

/** Starts the simulator with `env` (SIM_* variables) on `port`; resolves once it listens. `SIM_CPU_PROF=DIR` in the bench's environment writes the simulator's CPU profile there when it stops. */
export async function startStandaloneSimulator(port: number, env: Record<string, string>): Promise<StandaloneSimulator> {
  const child = spawn(process.execPath, [...(process.env.SIM_CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.SIM_CPU_PROF}`] : []), '--import', 'tsx', path.join(ROOT_DIR, 'server/wecom/simulator/standalone.ts')], {
    env: { ...process.env, ...env, SIM_PORT: String(port) },
    stdio: ['ignore', 'pipe', 'inherit'],
    cwd: ROOT_DIR,
  });
  let out = '';
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`simulator did not start:\n${out}`)), 180_000);
    child.stdout!.on('data', (b: Buffer) => {
      out += b.toString();
      if (out.includes('latency')) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once('exit', (code) => reject(new Error(`simulator exited with ${code}:\n${out}`)));
  });
  const url = `http://127.0.0.1:${port}`;
  const control = async (p: string, body: unknown) => {
    const r = await fetch(`${url}${p}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    if (!r.ok) throw new Error(`simulator ${p}: HTTP ${r.status} ${await r.text()}`);
    return r.json() as Promise<unknown>;
  };
  return { child, url, startup: out, control, stop: () => void child.kill('SIGTERM') };
}

/** CPU seconds (user + system) used so far by processes matching a predicate (Linux /proc). */
export function cpuSeconds(match: (comm: string, pid: number, ppid: number) => boolean): number {
  let ticks = 0;
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = readFileSync(`/proc/${d}/stat`, 'utf8');
      const comm = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (!match(comm, Number(d), ppid)) continue;
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      ticks += Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14]);
    } catch {
      // the process ended
    }
  }
  return ticks / 100;
}

/**
 * The postmaster of `dataDir`, or listening on `port` (as root under a private directory the embedded cluster lives
 * elsewhere, so its command line names the port, not the data dir), and its children: a predicate for cpuSeconds.
 * Throws when there is none, rather than reporting 0 s.
 */
export function postgresOf(dataDir: string, port?: number | string): (comm: string, pid: number, ppid: number) => boolean {
  const postmaster = readdirSync('/proc').find((d) => {
    if (!/^\d+$/.test(d)) return false;
    try {
      const cmd = readFileSync(`/proc/${d}/cmdline`, 'utf8').split('\0');
      if (!/(^|\/)postgres$/.test(cmd[0] ?? '')) return false;
      return cmd.includes(dataDir) || (port !== undefined && cmd.some((a, i) => a === '-p' && cmd[i + 1] === String(port)));
    } catch {
      return false;
    }
  });
  if (!postmaster) throw new Error(`no PostgreSQL server of ${dataDir}${port !== undefined ? ` or on port ${port}` : ''} among this machine's processes`);
  return (_c, pid, ppid) => String(pid) === postmaster || String(ppid) === postmaster;
}
