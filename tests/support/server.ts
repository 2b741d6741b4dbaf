/** An express app served over real HTTP on a free local port for one test file. */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express, { type Express } from 'express';
import { afterAll, beforeAll } from 'vitest';

/** Serves what `mount` puts on a new express app, from `beforeAll` to `afterAll`; `base()` is its origin once started. */
export function useLocalServer(mount: (app: Express) => void): { base(): string } {
  let base = '';
  let server: Server | undefined;
  beforeAll(async () => {
    const app = express();
    mount(app);
    server = app.listen(0, '127.0.0.1');
    await new Promise((r) => server!.once('listening', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((r) => (server ? server.close(() => r()) : r())));
  return { base: () => base };
}
