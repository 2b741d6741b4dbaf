import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createQueue, startQueue, startWorkers, stopQueue, type AnyJobDefinition } from '../../../server/jobs/queue';
import { silentLogger } from '../../../server/lib/log';
import { useTestServices } from '../../support/db';

const h = useTestServices();

describe('job queue (pg-boss)', () => {
  it('a graceful stop lets the in-flight job finish; jobs sent to a stopped worker run when a worker starts', async () => {
    const done: string[] = [];
    let started!: () => void;
    const startedP = new Promise<void>((r) => (started = r));
    const schemas = { 'test.slow': z.object({ id: z.string() }) };
    const defs: AnyJobDefinition<typeof schemas, null>[] = [
      {
        name: 'test.slow',
        handler: async (_s, data) => {
          started();
          await new Promise((r) => setTimeout(r, 1500));
          done.push(data.id);
        },
      },
    ];
    const q1 = createQueue(h.url, silentLogger, schemas);
    await startQueue(q1, defs);
    await startWorkers(q1, defs, null, silentLogger);
    await q1.send('test.slow', { id: 'a' });
    await startedP;
    await stopQueue(q1, 10_000); // SIGTERM path
    expect(done).toEqual(['a']);

    // Sent while no worker runs: kept in the database, run by the next worker.
    const q2 = createQueue(h.url, silentLogger, schemas);
    await startQueue(q2, defs);
    await q2.send('test.slow', { id: 'b' });
    await stopQueue(q2);
    const q3 = createQueue(h.url, silentLogger, schemas);
    await startQueue(q3, defs);
    await startWorkers(q3, defs, null, silentLogger);
    for (let i = 0; i < 60 && !done.includes('b'); i++) await new Promise((r) => setTimeout(r, 250));
    await stopQueue(q3);
    expect(done).toEqual(['a', 'b']);
  }, 60_000);

  it('a retired cron job (removed from the code) loses its pg-boss schedule when workers start', async () => {
    const schemas = { 'test.retired': z.object({}) };
    const q = createQueue(h.url, silentLogger, schemas);
    await startQueue(q, [{ name: 'test.retired', handler: async () => {} }]);
    await q.boss.schedule('test.retired', '*/15 * * * *', {}); // what an older release left behind
    expect((await q.boss.getSchedules()).map((s) => s.name)).toContain('test.retired');
    await startWorkers(q, [], null, silentLogger, ['test.retired']);
    expect((await q.boss.getSchedules()).map((s) => s.name)).not.toContain('test.retired');
    await stopQueue(q);
  }, 60_000);

  it("a payload that does not match its job's schema is refused by send, and one stored by other means never reaches the handler", async () => {
    const schemas = { 'test.typed': z.object({ n: z.number() }) };
    const seen: unknown[] = [];
    const defs: AnyJobDefinition<typeof schemas, null>[] = [{ name: 'test.typed', retryLimit: 0, handler: async (_s, data) => void seen.push(data) }];
    const q = createQueue(h.url, silentLogger, schemas);
    await startQueue(q, defs);
    // @ts-expect-error n must be a number: the compiler refuses it, and so does send at run time.
    await expect(q.send('test.typed', { n: 'one' })).rejects.toThrow(/number/);
    const bad = (await q.boss.send('test.typed', { n: 'two' }))!; // written past the typed send (an older release, by hand)
    await q.send('test.typed', { n: 3 });
    await startWorkers(q, defs, null, silentLogger);
    let state: string | undefined;
    for (let i = 0; i < 120 && (seen.length < 1 || state !== 'failed'); i++) {
      await new Promise((r) => setTimeout(r, 250));
      state = (await q.boss.getJobById('test.typed', bad))?.state;
    }
    await stopQueue(q);
    expect(state).toBe('failed');
    expect(seen).toEqual([{ n: 3 }]);
  }, 60_000);
});
