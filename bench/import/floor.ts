/**
 * The write floor of an import (issue #17 point 1), measured in the same run and database as the import:
 *  (a) COPY of the file, as it is, into a bare table of text columns;
 *  (b) inserting the import's final orders and items into clones of `orders` and `order_items` with every index
 *      (`create table … (like … including all)`).
 * (a) + (b) is what PostgreSQL needs just to take the bytes in and store the result; the import is reported as a
 * ratio to it, which holds on any machine.
 */
import { createReadStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import type { Writable } from 'node:stream';
import type { Sql } from 'postgres';

export interface WriteFloor {
  copy_s: number;
  orders_s: number;
  items_s: number;
  floor_s: number;
  orders: number;
  items: number;
}

async function copyBare(sql: Sql, file: string, columns: number): Promise<number> {
  await sql.unsafe(`drop table if exists floor_raw; create table floor_raw (${Array.from({ length: columns }, (_, i) => `c${i} text`).join(', ')})`);
  const t0 = performance.now();
  const query = sql.unsafe(`copy floor_raw from stdin with (format csv, header true)`) as unknown as { writable(): Promise<Writable> };
  const sink = await query.writable();
  const source = createReadStream(file);
  await (file.endsWith('.gz') ? pipeline(source, createGunzip(), sink) : pipeline(source, sink));
  return (performance.now() - t0) / 1000;
}

async function insertClone(sql: Sql, table: 'orders' | 'order_items', tenantId: string): Promise<{ s: number; rows: number }> {
  await sql.unsafe(`drop table if exists floor_${table}; create table floor_${table} (like ${table} including all)`);
  const t0 = performance.now();
  const r = await sql.unsafe(`insert into floor_${table} select * from ${table} where tenant_id = $1`, [tenantId]);
  const s = (performance.now() - t0) / 1000;
  await sql.unsafe(`drop table floor_${table}`);
  return { s, rows: r.count };
}

/** `columns`: how many columns the file has (its header). Run after the import, as the database owner. */
export async function measureWriteFloor(ownerSql: Sql, file: string, columns: number, tenantId: string): Promise<WriteFloor> {
  const copy_s = await copyBare(ownerSql, file, columns);
  await ownerSql.unsafe('drop table floor_raw');
  await ownerSql.unsafe('checkpoint');
  const o = await insertClone(ownerSql, 'orders', tenantId);
  const i = await insertClone(ownerSql, 'order_items', tenantId);
  return { copy_s, orders_s: o.s, items_s: i.s, floor_s: copy_s + o.s + i.s, orders: o.rows, items: i.rows };
}
