/**
 * Streams an uploaded order file (multipart/form-data) to DATA_DIR/uploads/<tenant>/ without holding it in memory,
 * so files of several GB work; then registers it as an import (detection + preview). An upload that is aborted
 * or fails (client gone, truncated body, disk error) removes its partial file and answers an error; no stream
 * is left with an unobserved rejection.
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

export class UploadFailedError extends ValidationError {
  constructor(cause: unknown) {
    super(`上传中断，请重试 / The upload did not complete, please try again (${(cause as Error)?.message ?? String(cause)})`);
  }
}

interface SavedFile {
  path: string;
  name: string;
  tooBig: boolean;
}

/** Writes the (single) file part of a multipart body to `dir`. On any failure the partial file is removed. */
async function saveMultipartFile(dir: string, contentType: string, body: ReadableStream<Uint8Array>): Promise<SavedFile | null> {
  const bb = busboy({ headers: { 'content-type': contentType }, defParamCharset: 'utf8', limits: { files: 1, fileSize: MAX_UPLOAD_BYTES, fields: 10 } });
  const abort = new AbortController();
  let saved: SavedFile | null = null;
  let write: Promise<void> | null = null;
  bb.on('file', (_field, stream, info) => {
    const name = (info.filename || 'upload.csv').replace(/[/\\]/g, '_').slice(0, 200);
    const ext = UPLOAD_EXTENSIONS.find((e) => name.toLowerCase().endsWith(e));
    if (!ext || saved) {
      stream.resume();
      return;
    }
    const file: SavedFile = { path: path.join(dir, `${randomUUID()}${name.toLowerCase().endsWith('.csv.gz') ? '.csv.gz' : ext}`), name, tooBig: false };
    saved = file;
    stream.on('limit', () => {
      file.tooBig = true;
    });
    // observed at once: a failed write stops reading the body, and the body's failure ends the write
    write = pipeline(stream, createWriteStream(file.path));
    write.catch((e: unknown) => abort.abort(e));
  });
  try {
    await pipeline(Readable.fromWeb(body as unknown as WebReadableStream<Uint8Array>), bb, { signal: abort.signal });
    await write;
  } catch (e) {
    await (write as Promise<void> | null)?.catch(() => undefined);
    const file = saved as SavedFile | null;
    if (file) await rm(file.path, { force: true });
    throw new UploadFailedError(abort.signal.aborted ? abort.signal.reason : e);
  }
  return saved;
}

export async function receiveOrderUpload(services: Services, actor: Actor, headers: Headers, body: ReadableStream<Uint8Array> | null, kind: 'orders' | 'members' = 'orders') {
  const type = headers.get('content-type') ?? '';
  if (!body || !type.includes('multipart/form-data')) throw new ValidationError('请选择要上传的文件 / Choose a file to upload');
  const dir = path.join(services.config.DATA_DIR, 'uploads', actor.tenantId);
  mkdirSync(dir, { recursive: true });
  const file = await saveMultipartFile(dir, type, body);
  if (!file) throw new ValidationError(`请上传 CSV、TXT 或 XLSX 文件 / Upload a CSV, TXT or XLSX file (${UPLOAD_EXTENSIONS.join(', ')})`);
  if (file.tooBig) {
    await rm(file.path, { force: true });
    throw new ValidationError('文件过大 / The file is too large (max 20 GB)');
  }
  try {
    return await registerImportFile(services, actor, { path: file.path, fileName: file.name, source: 'upload', kind });
  } catch (e) {
    await rm(file.path, { force: true });
    throw e;
  }
}
