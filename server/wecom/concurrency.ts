/**
 * The small concurrency tools of the full sync (sync.steps.ts): a bounded queue between readers and a writer, a
 * pool of workers draining a shared list, and a concurrent map. In-process only; no database access here.
 */

/**
 * A bounded FIFO between readers and a single writer. `push` waits while the queue is full; `take` waits for at
 * least one entry and takes entries up to a total `size` (always at least one). After `close`, pushes are dropped
 * and waiting pushers and takers return at once (a taker gets what is left, or nothing).
 */
export class BoundedQueue<T> {
  private readonly entries: T[] = [];
  private takers: (() => void)[] = [];
  private pushers: (() => void)[] = [];
  private closed = false;
  constructor(
    private readonly max: number,
    private readonly size: (x: T) => number,
  ) {}

  async push(x: T): Promise<void> {
    while (this.entries.length >= this.max && !this.closed) await new Promise<void>((r) => this.pushers.push(r));
    if (this.closed) return;
    this.entries.push(x);
    this.wake('take');
  }

  /** Waits for at least one entry (or close) and takes entries up to `maxSize` in total. */
  async take(maxSize: number): Promise<T[]> {
    while (this.entries.length === 0 && !this.closed) await new Promise<void>((r) => this.takers.push(r));
    const out: T[] = [];
    let n = 0;
    while (this.entries.length > 0 && (out.length === 0 || n + this.size(this.entries[0]!) <= maxSize)) {
      const x = this.entries.shift()!;
      n += this.size(x);
      out.push(x);
    }
    this.wake('push');
    return out;
  }

  close(): void {
    this.closed = true;
    this.wake('take');
    this.wake('push');
  }

  private wake(which: 'take' | 'push'): void {
    const ws = which === 'take' ? this.takers : this.pushers;
    if (which === 'take') this.takers = [];
    else this.pushers = [];
    for (const w of ws) w();
  }
}

/**
 * `workers` workers (at least one, at most one per entry) take entries from the front of `pending` and run `fn`
 * on each while `go()` holds. An error of `fn` goes to `onError` and the worker goes on with the next entry (`go`
 * is expected to turn false once an error was recorded). Resolves when every worker has stopped.
 */
export async function drainPool<T>(pending: T[], workers: number, go: () => boolean, fn: (x: T) => Promise<void>, onError: (e: unknown) => void): Promise<void> {
  await Promise.all(
    Array.from({ length: Math.min(workers, Math.max(1, pending.length)) }, async () => {
      while (pending.length > 0 && go()) {
        const x = pending.shift()!;
        try {
          await fn(x);
        } catch (e) {
          onError(e);
        }
      }
    }),
  );
}

/** `fn` over `xs` with at most `n` calls at once; results in the order of `xs`. */
export async function mapConcurrent<T, R>(xs: readonly T[], n: number, fn: (x: T) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(xs.length);
  let at = 0;
  await Promise.all(
    Array.from({ length: Math.min(n, xs.length) }, async () => {
      while (at < xs.length) {
        const i = at++;
        out[i] = await fn(xs[i]!);
      }
    }),
  );
  return out;
}

/** The first rejection of settled promises, if any. */
export function firstRejection(results: readonly PromiseSettledResult<unknown>[]): PromiseRejectedResult | undefined {
  return results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
}
