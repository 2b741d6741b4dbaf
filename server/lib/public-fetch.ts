/**
 * Fetching a URL that a user typed (a campaign's image) from inside the server, without becoming a proxy into the
 * server's own network (SSRF): only http(s), only to public addresses — checked on the address actually connected
 * to, after DNS, so a name that resolves to 127.0.0.1 or 10.x is refused like the literal — redirects followed by
 * hand (at most 3, each checked again), a byte limit enforced while reading and one deadline for the whole fetch.
 */
import { lookup as dnsLookup, type LookupAddress, type LookupOptions } from 'node:dns';
import http from 'node:http';
import https from 'node:https';
import { BlockList, isIP } from 'node:net';

export class PublicFetchError extends Error {}

const blocked = new BlockList();
for (const [net, bits] of [
  ['0.0.0.0', 8], ['10.0.0.0', 8], ['100.64.0.0', 10], ['127.0.0.0', 8], ['169.254.0.0', 16], ['172.16.0.0', 12],
  ['192.0.0.0', 24], ['192.168.0.0', 16], ['198.18.0.0', 15], ['224.0.0.0', 4], ['240.0.0.0', 4],
] as const) blocked.addSubnet(net, bits, 'ipv4');
for (const [net, bits] of [['::', 128], ['::1', 128], ['fc00::', 7], ['fe80::', 10], ['ff00::', 8]] as const) blocked.addSubnet(net, bits, 'ipv6');

/** Loopback, private, link-local, carrier-grade NAT, multicast and reserved addresses (IPv4-mapped IPv6 included). */
export function isPrivateAddress(address: string): boolean {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped) return blocked.check(mapped[1]!, 'ipv4');
  const family = isIP(address);
  return family === 0 || blocked.check(address, family === 4 ? 'ipv4' : 'ipv6');
}

type LookupCallback = (err: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

/** A DNS lookup for http(s).request that refuses private addresses (Node skips it for IP literals: checked before). */
function publicLookup(hostname: string, options: LookupOptions, callback: LookupCallback): void {
  dnsLookup(hostname, { ...options, all: true }, (err, addresses) => {
    if (err) return callback(err, []);
    const bad = addresses.find((a) => isPrivateAddress(a.address));
    if (bad) return callback(new PublicFetchError(`${hostname} resolves to a private address (${bad.address})`), []);
    if (options.all) return callback(null, addresses);
    callback(null, addresses[0]!.address, addresses[0]!.family);
  });
}

export interface FetchedBody {
  status: number;
  contentType: string;
  bytes: Uint8Array;
}

export interface PublicFetchOptions {
  maxBytes: number;
  timeoutMs: number;
  /** Tests serve their files on 127.0.0.1. */
  allowPrivate?: boolean;
}

function once(url: URL, o: PublicFetchOptions, signal: AbortSignal): Promise<{ status: number; location: string | null; contentType: string; bytes: Uint8Array }> {
  return new Promise((resolve, reject) => {
    const get = url.protocol === 'https:' ? https.get : http.get;
    const req = get(url, { signal, lookup: o.allowPrivate ? undefined : (publicLookup as never), headers: { accept: 'image/*' } }, (res) => {
      const status = res.statusCode ?? 0;
      const location = status >= 300 && status < 400 ? (res.headers.location ?? null) : null;
      const contentType = (res.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
      if (location || status >= 400 || Number(res.headers['content-length'] ?? 0) > o.maxBytes) {
        res.resume();
        return resolve({ status: Number(res.headers['content-length'] ?? 0) > o.maxBytes ? 413 : status, location, contentType, bytes: new Uint8Array() });
      }
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (c: Buffer) => {
        size += c.length;
        if (size > o.maxBytes) return req.destroy(new PublicFetchError(`larger than ${Math.round(o.maxBytes / 1048576)} MB`));
        chunks.push(c);
      });
      res.on('end', () => resolve({ status, location: null, contentType, bytes: new Uint8Array(Buffer.concat(chunks)) }));
      res.on('error', reject);
    });
    req.on('error', reject);
  });
}

/** GETs a user-supplied http(s) URL from a public address; throws PublicFetchError with the reason otherwise. */
export async function fetchPublic(url: string, o: PublicFetchOptions): Promise<FetchedBody> {
  const signal = AbortSignal.timeout(o.timeoutMs);
  let u = new URL(url);
  for (let hop = 0; hop <= 3; hop++) {
    if (u.protocol !== 'https:' && u.protocol !== 'http:') throw new PublicFetchError('only http(s) URLs');
    const host = u.hostname.replace(/^\[|\]$/g, '');
    if (!o.allowPrivate && isIP(host) && isPrivateAddress(host)) throw new PublicFetchError(`${host} is a private address`);
    const r = await once(u, o, signal).catch((e: unknown) => {
      if (e instanceof PublicFetchError) throw e;
      throw new PublicFetchError(signal.aborted ? `no answer within ${o.timeoutMs / 1000} s` : (e as Error).message);
    });
    if (!r.location) {
      if (r.status === 413) throw new PublicFetchError(`larger than ${Math.round(o.maxBytes / 1048576)} MB`);
      return { status: r.status, contentType: r.contentType, bytes: r.bytes };
    }
    u = new URL(r.location, u);
  }
  throw new PublicFetchError('more than 3 redirects');
}
