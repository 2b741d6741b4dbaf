/**
 * An import's fingerprint: what its outcome depends on apart from the tenant's data — the file's bytes (sha256, as
 * stored: a gzip file is hashed compressed), its kind, mapping and shape, and the version of the rules that turn
 * lines into orders. Two imports with the same fingerprint, run against the same tenant state, have the same
 * outcome (docs/decisions/0012-identical-reimport.md).
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';

/**
 * Bump when validation or merge rules change what an identical file yields (a new reject reason, a different
 * grouping), so that imports finished under the old rules are not taken as identical.
 */
export const IMPORT_RULES_VERSION = 1;

export interface FingerprintInput {
  kind: string;
  mapping: unknown;
  format: string;
  compression: string | null;
  encoding: string | null;
  delimiter: string | null;
}

/** sha256 of a file's bytes, streamed (1 MiB reads). */
export async function fileSha256(file: string): Promise<string> {
  const h = createHash('sha256');
  for await (const chunk of createReadStream(file, { highWaterMark: 1 << 20 })) h.update(chunk as Buffer);
  return h.digest('hex');
}

export async function importFingerprint(file: string, o: FingerprintInput): Promise<string> {
  const fileHash = await fileSha256(file);
  const rest = JSON.stringify([IMPORT_RULES_VERSION, o.kind, o.mapping, o.format, o.compression, o.encoding, o.delimiter]);
  return createHash('sha256').update(fileHash).update('\n').update(rest).digest('hex');
}
