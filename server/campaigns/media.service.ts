/**
 * Image attachments go to WeCom as temporary material (issue #15 point 3): before a run's tasks are created, each
 * image given by URL is fetched once, hashed, and uploaded with `media/upload` unless `wecom_media` holds a
 * media_id for the same bytes that is still live (WeCom keeps one for 3 days; it is re-used until an hour before
 * that). So a run uploads each image at most once, not once per clerk task, and later runs re-use it.
 */
import { createHash } from 'node:crypto';
import type { CampaignContent } from '../../app/lib/contracts/campaign';
import type { Services } from '../services';
import { withTenant, type TenantId } from '../tenancy/context';
import type { MediaFile, WecomClient } from '../wecom/client';
import { fetchPublic, PublicFetchError } from '../lib/public-fetch';
import * as repo from './media.repository';

/** WeCom's temporary media live 3 days; one is re-used until an hour before it expires (a run may take a while). */
export const MEDIA_REUSE_MS = 3 * 86_400_000 - 3_600_000;
/** WeCom's limit on an uploaded image (JPG/PNG). */
const IMAGE_MAX_BYTES = 10 * 1024 * 1024;

export type Attachment = CampaignContent['attachments'][number];
/** Fetches an image's bytes (a test seam; the default fetches the URL). */
export type ImageFetcher = (url: string) => Promise<MediaFile>;

export class AttachmentError extends Error {}

/**
 * An image fetcher: http(s), public addresses only (the URL is typed by a campaign editor and fetched from inside
 * the server: server/lib/public-fetch.ts), at most 10 MB, JPG or PNG, within 15 seconds. `allowPrivate` is for
 * tests, which serve their images on 127.0.0.1.
 */
export function imageFetcher(opts: { allowPrivate?: boolean } = {}): ImageFetcher {
  return async (url) => {
    const res = await fetchPublic(url, { maxBytes: IMAGE_MAX_BYTES, timeoutMs: 15_000, allowPrivate: opts.allowPrivate }).catch((e: unknown) => {
      throw e instanceof PublicFetchError ? new AttachmentError(`image ${url}: ${e.message}`) : e;
    });
    if (res.status < 200 || res.status >= 300) throw new AttachmentError(`image ${url}: HTTP ${res.status}`);
    const type = res.contentType;
    const ext = type === 'image/png' ? 'png' : type === 'image/jpeg' || type === 'image/jpg' ? 'jpg' : null;
    if (!ext) throw new AttachmentError(`image ${url}: not a JPG or PNG (${type || 'no content type'})`);
    return { filename: `image.${ext}`, contentType: type, bytes: res.bytes };
  };
}

export const fetchImage: ImageFetcher = imageFetcher();

/** The media_id for these bytes: a live cached one, or a fresh upload recorded for the next time. */
async function imageMediaId(services: Services, client: WecomClient, tenantId: TenantId, file: MediaFile, now: Date): Promise<string> {
  const sha256 = createHash('sha256').update(file.bytes).digest('hex');
  const cached = await withTenant(services.dbs, tenantId, (trx) => repo.liveMediaId(trx, tenantId, sha256, 'image', new Date(now.getTime() - MEDIA_REUSE_MS)));
  if (cached) return cached;
  const up = await client.uploadMedia('image', file);
  await withTenant(services.dbs, tenantId, (trx) => repo.saveMedia(trx, tenantId, { sha256, kind: 'image', mediaId: up.media_id, uploadedAt: now }));
  return up.media_id;
}

/**
 * The attachments as WeCom takes them: each image by URL replaced by a live media_id (fetched and uploaded at most
 * once per call; the same URL twice is fetched once). Links, mini-programs and images already by media_id pass as
 * they are.
 */
export async function resolveAttachments(services: Services, client: WecomClient, tenantId: TenantId, attachments: readonly Attachment[], opts: { now?: Date; fetchImage?: ImageFetcher } = {}): Promise<Attachment[]> {
  const now = opts.now ?? new Date();
  const byUrl = new Map<string, Promise<string>>();
  const out: Attachment[] = [];
  for (const a of attachments) {
    if (a.msgtype !== 'image' || a.image.media_id || !a.image.pic_url) {
      out.push(a);
      continue;
    }
    const url = a.image.pic_url;
    if (!byUrl.has(url)) byUrl.set(url, (opts.fetchImage ?? fetchImage)(url).then((file) => imageMediaId(services, client, tenantId, file, now)));
    out.push({ msgtype: 'image', image: { media_id: await byUrl.get(url)! } });
  }
  return out;
}
