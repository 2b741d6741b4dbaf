/**
 * How a streamed response body (the segment members' CSV) reaches the socket: Remix's
 * `writeReadableStreamToWritable`, as patched in patches/@remix-run+node (ADR 0018's export): it waits for a full
 * socket buffer to drain before reading on, so a slow client holds the source back instead of memory, and a client
 * that has gone cancels the stream, so its source (a database cursor) stops.
 */
import { Writable } from 'node:stream';
import { writeReadableStreamToWritable } from '@remix-run/node';
import { describe, expect, it } from 'vitest';

/** A source of 1,000 chunks of 1 KB that counts how many were pulled and whether it was cancelled. */
function source() {
  const s = { pulled: 0, cancelled: false };
  const stream = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (s.pulled === 1000) return controller.close();
      s.pulled++;
      controller.enqueue(new Uint8Array(1024));
    },
    cancel() {
      s.cancelled = true;
    },
  }, { highWaterMark: 0 });
  return { s, stream };
}

const ticks = (n: number) => new Promise((r) => setTimeout(r, n));

describe('a streamed response body', () => {
  it('is read no faster than a slow client takes it', async () => {
    const { s, stream } = source();
    const stalled: ((e?: Error | null) => void)[] = [];
    // A client that takes nothing: its socket buffer (16 KB) fills and never drains until released.
    const client = new Writable({ highWaterMark: 16 * 1024, write: (_chunk, _enc, cb) => void stalled.push(cb) });
    const done = writeReadableStreamToWritable(stream, client);
    await ticks(50);
    expect(s.pulled).toBeLessThan(40); // unpatched: all 1,000 (1 MB) pulled into memory at once
    // The client reads on: everything arrives.
    const release = setInterval(() => stalled.splice(0).forEach((cb) => cb()), 1);
    await done;
    clearInterval(release);
    expect(s.pulled).toBe(1000);
  });

  it('stops its source when the client has gone', async () => {
    const { s, stream } = source();
    const client = new Writable({ highWaterMark: 16 * 1024, write: () => {} });
    const done = writeReadableStreamToWritable(stream, client);
    await ticks(20);
    client.destroy();
    await done;
    expect(s.cancelled).toBe(true);
    expect(s.pulled).toBeLessThan(40);
  });
});
