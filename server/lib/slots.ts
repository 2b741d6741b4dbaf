/**
 * At most `n` holders at once in this process; the others wait their turn, first come first served. For work that
 * holds a scarce resource for long (an export's database cursor holds one of the pool's connections while it
 * streams).
 */
export interface Slots {
  /** Waits for a free slot; call the returned function once to give it back. */
  acquire(): Promise<() => void>;
  readonly inUse: number;
  readonly waiting: number;
}

export function slots(n: number): Slots {
  let inUse = 0;
  const queue: (() => void)[] = [];
  const release = () => {
    const next = queue.shift();
    if (next) next();
    else inUse--;
  };
  return {
    async acquire() {
      if (inUse < n) inUse++;
      else await new Promise<void>((resolve) => queue.push(resolve));
      let given = false;
      return () => {
        if (given) return;
        given = true;
        release();
      };
    },
    get inUse() {
      return inUse;
    },
    get waiting() {
      return queue.length;
    },
  };
}

/** A generator's items, produced only while holding one of `s`'s slots (taken at the first pull, given back at its end, however it ends). */
export async function* inSlot<T>(s: Slots, produce: () => AsyncGenerator<T, void, undefined>): AsyncGenerator<T, void, undefined> {
  const release = await s.acquire();
  try {
    yield* produce();
  } finally {
    release();
  }
}
