import { describe, expect, it } from 'vitest';
import { createQueue, startQueue, startWorkers, stopQueue, type JobDefinition } from '../../../server/jobs/queue';
import { silentLogger } from '../../../server/lib/log';
import { useTestServices } from '../../support/db';

const h = useTestServices();

describe('job queue (pg-boss)', () => {
  it('a graceful stop lets the in-flight job finish; jobs sent to a stopped worker run when a worker starts', async () => {
    const done: string[] = [];
    let started!: () => void;
    const startedP = new Promise<void>((r) => (started = r));
    const defs: JobDefinition<{ id: string }, null>[] = [
      {
        name: 'test.slow',
        handler: async (_s, data) => {
          started();
          await new Promise((r) => setTimeout(r, 1500));
          done.push(data.id);
        },
      },
    ];
    const q1 = createQueue(h.url, silentLogger);
    await startQueue(q1, defs as JobDefinition<object, never>[]);
    await startWorkers(q1, defs as JobDefinition<object, null>[], null, silentLogger);
    await q1.send('test.slow', { id: 'a' });
    await startedP;
    await stopQueue(q1, 10_000); // SIGTERM path
    expect(done).toEqual(['a']);

    // Sent while no worker runs: kept in the database, run by the next worker.
    const q2 = createQueue(h.url, silentLogger);
    await startQueue(q2, defs as JobDefinition<object, never>[]);
    await q2.send('test.slow', { id: 'b' });
    await stopQueue(q2);
    const q3 = createQueue(h.url, silentLogger);
    await startQueue(q3, defs as JobDefinition<object, never>[]);
    await startWorkers(q3, defs as JobDefinition<object, null>[], null, silentLogger);
    for (let i = 0; i < 60 && !done.includes('b'); i++) await new Promise((r) => setTimeout(r, 250));
    await stopQueue(q3);
    expect(done).toEqual(['a', 'b']);
  }, 60_000);
});
