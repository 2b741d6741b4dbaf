/**
 * Streams an uploaded order file (multipart/form-data) to DATA_DIR/uploads/<tenant>/ without holding it in memory,
 * so files of several GB work; then registers it as an import (detection + preview).
 */
import { randomUUID } from 'node:crypto';
import { createWriteStream, mkdirSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import busboy from 'busboy';
import { ValidationError } from '../lib/errors';
import type { Services } from '../services';
import type { Actor } from '../tenancy/actor';
import { registerImportFile } from './imports.service';

export const UPLOAD_EXTENSIONS = ['.csv', '.txt', '.tsv', '.xlsx', '.gz'];
export const MAX_UPLOAD_BYTES = 20 * 1024 ** 3;

export async function receiveOrderUpload(services: Services, actor: Actor, headers: Headers, body: ReadableStream<Uint8Array> | null) {
  const type = headers.get('content-type') ?? '';
  if (!body || !type.includes('multipart/form-data')) throw new ValidationError('请选择要上传的文件 / Choose a file to upload');
  const dir = path.join(services.config.DATA_DIR, 'uploads', actor.tenantId);
  mkdirSync(dir, { recursive: true });
  let saved: { path: string; name: string } | null = null;
  let tooBig = false;
  const bb = busboy({ headers: { 'content-type': type }, defParamCharset: 'utf8', limits: { files: 1, fileSize: MAX_UPLOAD_BYTES, fields: 10 } });
  const writes: Promise<void>[] = [];
  bb.on('file', (_field, stream, info) => {
    const name = (info.filename || 'upload.csv').replace(/[/\\]/g, '_').slice(0, 200);
    const ext = UPLOAD_EXTENSIONS.find((e) => name.toLowerCase().endsWith(e));
    if (!ext) {
      stream.resume();
      return;
    }
    const dest = path.join(dir, `${randomUUID()}${name.toLowerCase().endsWith('.csv.gz') ? '.csv.gz' : ext}`);
    saved = { path: dest, name };
    stream.on('limit', () => {
      tooBig = true;
    });
    writes.push(pipeline(stream, createWriteStream(dest)));
  });
  await pipeline(Readable.fromWeb(body as unknown as WebReadableStream<Uint8Array>), bb);
  await Promise.all(writes);
  const file = saved as { path: string; name: string } | null;
  if (!file) throw new ValidationError(`请上传 CSV、TXT 或 XLSX 文件 / Upload a CSV, TXT or XLSX file (${UPLOAD_EXTENSIONS.join(', ')})`);
  if (tooBig) {
    await rm(file.path, { force: true });
    throw new ValidationError('文件过大 / The file is too large (max 20 GB)');
  }
  try {
    return await registerImportFile(services, actor, { path: file.path, fileName: file.name, source: 'upload' });
  } catch (e) {
    await rm(file.path, { force: true });
    throw e;
  }
}
