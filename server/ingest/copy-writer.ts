/**
 * A `COPY … FROM STDIN` writer whose every wait also ends when the copy fails. postgres.js hands out a plain
 * Writable: when the server refuses the data (a NUL byte, a bad value) the stream is destroyed and never emits
 * 'drain' again, and when the refusal arrives after CopyDone it never emits 'finish' — so a bare wait for either
 * hung forever with the transaction open ("idle in transaction (aborted)") and the import lock held.
 * Here `write` rejects with the server's error; `end` waits for the copy's completion *or* for a probe query
 * queued behind it, which the server answers only after it has accepted or refused the copy (and then reports
 * the server's error); `abort` sends CopyFail so the transaction can roll back and the connection returns to
 * its pool.
 */
import type { Writable } from 'node:stream';
import type postgres from 'postgres';

export interface CopyWriter {
  write(text: string): Promise<void>;
  end(): Promise<void>;
  /** Stops the copy after an error on our side (the server then refuses it and the transaction rolls back). */
  abort(reason: unknown): void;
}

export class CopyRefusedError extends Error {}

type FinalFn = (cb: (e?: Error | null) => void) => void;

export async function openCopy(tx: postgres.TransactionSql, statement: string): Promise<CopyWriter> {
  let failed: Error | null = null;
  // postgres.js settles the COPY query when the copy starts; a refusal after CopyDone is passed to its (by then
  // spent) reject: keep it, so the probe below can report the server's own error
  const query = tx.unsafe(statement) as unknown as { reject?: (e: Error) => void; writable(): Promise<unknown> };
  const reject = query.reject;
  if (typeof reject === 'function') {
    query.reject = (e: Error) => {
      failed ??= e;
      reject(e);
    };
  }
  const w = (await query.writable()) as Writable & { _final: FinalFn };
  w.on('error', (e: Error) => {
    failed ??= e;
  });
  // CopyDone is sent from the stream's final step; after it the connection accepts the probe query
  const finalSent = new Promise<void>((resolve) => {
    const final = w._final.bind(w);
    w._final = (cb) => {
      final(cb);
      resolve();
    };
  });
  const broken = () => failed ?? new Error('COPY 已中断 / The COPY stream was closed');
  const waitFor = (event: 'drain' | 'finish') =>
    new Promise<void>((resolve, reject) => {
      const cleanup = () => {
        w.off(event, ok);
        w.off('error', bad);
        w.off('close', closed);
      };
      const ok = () => (cleanup(), resolve());
      const bad = (e: Error) => (cleanup(), reject(e));
      const closed = () => (cleanup(), event === 'finish' && w.writableFinished && !failed ? resolve() : reject(broken()));
      w.once(event, ok);
      w.once('error', bad);
      w.once('close', closed);
    });
  return {
    async write(text) {
      if (failed || w.destroyed) throw broken();
      if (!w.write(text)) await waitFor('drain');
    },
    async end() {
      if (failed || w.destroyed) throw broken();
      const finished = waitFor('finish');
      finished.catch(() => undefined);
      w.end();
      await Promise.race([finished, finalSent]);
      // answered after the copy's own result: a refused copy leaves the transaction aborted (25P02)
      const probe = tx`select 1`.then(
        () => undefined,
        (e: Error & { code?: string }) => {
          throw e.code === '25P02' ? (failed ?? new CopyRefusedError('数据库拒绝了这部分数据 / The database refused this part of the file')) : e;
        },
      );
      await Promise.race([finished, probe.then(() => finished)]);
      await probe;
    },
    abort(reason) {
      if (!w.destroyed) w.destroy(reason instanceof Error ? reason : new Error(String(reason)));
    },
  };
}
