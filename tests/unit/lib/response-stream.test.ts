/**
 * How a streamed response body (the segment members' CSV) reaches the socket: Remix's
 * `writeReadableStreamToWritable`, as patched in patches/@remix-run+node (ADR 0018's export): it waits for a full
 * socket buffer to drain before reading on, so a slow client holds the source back instead of memory, and a client
 * that has gone cancels the stream, so its source (a database cursor) stops. And the CSV stream itself
 * (`csvStream`) lets its source go when its reader stops pulling without leaving.
 */
import { Writable } from 'node:stream';
import { writeReadableStreamToWritable } from '@remix-run/node';
import { describe, expect, it } from 'vitest';
import { csvStream } from '../../../app/lib/csv';

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

describe('a CSV download stream', () => {
  /** 100 chunks of two rows; records whether the source was let go (its `finally`: a cursor's rollback). */
  function rows() {
    const s = { chunks: 0, released: false };
    async function* gen() {
      try {
        for (let i = 0; i < 100; i++) {
          s.chunks++;
          yield [{ id: `a${i}` }, { id: `b${i}` }];
        }
      } finally {
        s.released = true;
      }
    }
    return { s, chunks: gen() };
  }

  it('writes the BOM, the header and every record, then lets its source go', async () => {
    const { s, chunks } = rows();
    const bytes = Buffer.from(await new Response(csvStream([{ key: 'id', label: '客户ID' }], chunks, (r) => r)).arrayBuffer());
    expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const lines = bytes.subarray(3).toString('utf8').split('\r\n');
    expect(lines[0]).toBe('客户ID');
    expect(lines.filter(Boolean)).toHaveLength(201);
    expect(s.released).toBe(true);
  });

  it('lets its source go when the reader stops pulling but stays (a stalled client), and fails the download', async () => {
    const { s, chunks } = rows();
    const reader = csvStream([{ key: 'id', label: 'id' }], chunks, (r) => r, 100).getReader();
    await reader.read(); // the header
    await reader.read(); // one chunk, then nothing more is read
    await ticks(300);
    expect(s.released).toBe(true);
    expect(s.chunks).toBeLessThan(5);
    await expect(reader.read()).rejects.toThrow('stalled');
  });
});

