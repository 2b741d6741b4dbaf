/**
 * `node --import ./db/postgres-fix.mjs …`: loads postgres.js (3.4.9) with the fix for its write scheduler, which
 * otherwise breaks when PostgreSQL restarts underneath a running process (porsager/postgres#1208, #3225 of
 * LanternOps/breeze):
 * - a small write is flushed from a setImmediate; when the socket closed in between, `nextWrite` reads `write` of
 *   null and the TypeError escapes every caller, ending the process;
 * - `closed()` cancels that setImmediate without forgetting it (nor the buffered bytes), so the connection never
 *   flushes again: its next queries hang, or replay the old bytes on the new socket.
 * The fixed `nextWrite` fails the queries with CONNECTION_CLOSED (as a close does); close and terminate forget the
 * pending write. Every entry point (npm start, the worker, the CLI, the tests) loads this first.
 */
import { register } from 'node:module';

register('./postgres-fix.hooks.mjs', import.meta.url);
