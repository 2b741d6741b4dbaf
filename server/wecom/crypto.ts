/**
 * WeCom callback crypto (WXBizMsgCrypt, docs 91144 / 90968; wecom-api.md §8.4).
 *
 * - AES key = base64decode(EncodingAESKey + "="), 32 bytes; AES-256-CBC with IV = key[0..16].
 * - Plaintext = 16 random bytes | uint32 big-endian msg length | msg (UTF-8) | receiveid,
 *   PKCS#7-padded to a multiple of **32** bytes (pad value 1..32), so node's own 16-byte padding is disabled.
 * - msg_signature = sha1(sort([token, timestamp, nonce, encrypt]).join('')), lower-case hex, compared in
 *   constant time.
 *
 * Pure functions, no I/O. The simulator uses `encryptMessage` with injected random bytes for deterministic tests.
 */
import { createCipheriv, createDecipheriv, createHash, randomBytes, timingSafeEqual } from 'node:crypto';

export type WecomCryptoErrorCode = 'bad_signature' | 'bad_padding' | 'bad_receiveid' | 'bad_length' | 'bad_key' | 'stale_timestamp';

/** Official library error numbers (ierror.py), kept for logs and for answering like the sample code. */
export const WECOM_CRYPTO_LIBRARY_CODES: Record<WecomCryptoErrorCode, number> = {
  bad_signature: -40001,
  bad_key: -40004,
  bad_receiveid: -40005,
  bad_padding: -40007,
  bad_length: -40008,
  stale_timestamp: -40001,
};

export class WecomCryptoError extends Error {
  override readonly name = 'WecomCryptoError';
  constructor(
    readonly code: WecomCryptoErrorCode,
    message: string,
  ) {
    super(message);
  }
  get libraryCode(): number {
    return WECOM_CRYPTO_LIBRARY_CODES[this.code];
  }
}

/** The three callback settings of one receiver, plus the receiveid the payload must carry (corpid for self-built apps). */
export interface CallbackCryptoConfig {
  token: string;
  encodingAesKey: string;
  receiveId: string;
}

/** Query parameters of a callback request (already URL-decoded). */
export interface SignedPayload {
  msgSignature: string;
  timestamp: string;
  nonce: string;
  encrypt: string;
}

export interface VerifyOptions {
  /** Reject timestamps further than this from `now` (seconds). Off by default: WeCom retries old events. */
  maxSkewSeconds?: number;
  now?: () => number;
}

const BLOCK = 32;
const AES_KEY_RE = /^[A-Za-z0-9]{43}$/;

/** Decodes an EncodingAESKey (43 chars of [A-Za-z0-9]) into the 32-byte AES key. */
export function deriveAesKey(encodingAesKey: string): Buffer {
  if (!AES_KEY_RE.test(encodingAesKey)) throw new WecomCryptoError('bad_key', 'EncodingAESKey must be exactly 43 characters of [A-Za-z0-9]');
  const key = Buffer.from(encodingAesKey + '=', 'base64');
  if (key.length !== 32) throw new WecomCryptoError('bad_key', 'EncodingAESKey does not decode to 32 bytes');
  return key;
}

/** sha1 over the lexicographically sorted [token, timestamp, nonce, encrypt], lower-case hex. */
export function computeSignature(token: string, timestamp: string, nonce: string, encrypt: string): string {
  const parts = [token, timestamp, nonce, encrypt].sort();
  return createHash('sha1').update(parts.join(''), 'utf8').digest('hex');
}

/** Constant-time comparison of a received signature against the expected one. */
export function signatureMatches(received: string, token: string, timestamp: string, nonce: string, encrypt: string): boolean {
  const expected = Buffer.from(computeSignature(token, timestamp, nonce, encrypt), 'utf8');
  const got = Buffer.from(received.toLowerCase(), 'utf8');
  if (got.length !== expected.length) return false;
  return timingSafeEqual(got, expected);
}

function assertSignature(cfg: CallbackCryptoConfig, p: SignedPayload, opts?: VerifyOptions): void {
  if (!signatureMatches(p.msgSignature, cfg.token, p.timestamp, p.nonce, p.encrypt)) {
    throw new WecomCryptoError('bad_signature', 'msg_signature does not match');
  }
  if (opts?.maxSkewSeconds !== undefined) {
    const ts = Number(p.timestamp);
    const nowS = Math.floor((opts.now ?? Date.now)() / 1000);
    if (!Number.isFinite(ts) || Math.abs(nowS - ts) > opts.maxSkewSeconds) {
      throw new WecomCryptoError('stale_timestamp', 'timestamp outside the accepted window');
    }
  }
}

/** PKCS#7 padding to 32-byte blocks (pad value 1..32; a full block when already aligned). */
export function pkcs7Pad32(data: Buffer): Buffer {
  const pad = BLOCK - (data.length % BLOCK);
  return Buffer.concat([data, Buffer.alloc(pad, pad)]);
}

/** Strips and validates a 32-byte-block PKCS#7 pad. */
export function pkcs7Unpad32(data: Buffer): Buffer {
  if (data.length === 0) throw new WecomCryptoError('bad_padding', 'empty plaintext');
  const pad = data[data.length - 1]!;
  if (pad < 1 || pad > BLOCK || pad > data.length) throw new WecomCryptoError('bad_padding', `invalid PKCS#7 pad value ${pad}`);
  for (let i = data.length - pad; i < data.length; i++) {
    if (data[i] !== pad) throw new WecomCryptoError('bad_padding', 'inconsistent PKCS#7 pad bytes');
  }
  return data.subarray(0, data.length - pad);
}

const B64_RE = /^[A-Za-z0-9+/]*={0,2}$/;

/**
 * Decrypts the base64 `encrypt` text and returns msg, requiring the trailing receiveid to equal
 * `expectedReceiveId`. No signature check: use `decryptMessage` for callbacks.
 */
export function decryptPayload(encodingAesKey: string, encrypt: string, expectedReceiveId: string): string {
  const key = deriveAesKey(encodingAesKey);
  if (!B64_RE.test(encrypt) || encrypt.length % 4 !== 0) throw new WecomCryptoError('bad_length', 'encrypt is not valid base64');
  const cipherText = Buffer.from(encrypt, 'base64');
  if (cipherText.length === 0 || cipherText.length % 16 !== 0) {
    throw new WecomCryptoError('bad_length', `ciphertext length ${cipherText.length} is not a positive multiple of the AES block`);
  }
  const decipher = createDecipheriv('aes-256-cbc', key, key.subarray(0, 16));
  decipher.setAutoPadding(false);
  const padded = Buffer.concat([decipher.update(cipherText), decipher.final()]);
  const plain = pkcs7Unpad32(padded);
  if (plain.length < 20) throw new WecomCryptoError('bad_length', 'plaintext shorter than the 20-byte header');
  const msgLen = plain.readUInt32BE(16);
  if (20 + msgLen > plain.length) throw new WecomCryptoError('bad_length', `msg_len ${msgLen} exceeds the plaintext`);
  const msg = plain.subarray(20, 20 + msgLen);
  const receiveId = plain.subarray(20 + msgLen).toString('utf8');
  const expected = Buffer.from(expectedReceiveId, 'utf8');
  const got = Buffer.from(receiveId, 'utf8');
  if (got.length !== expected.length || !timingSafeEqual(got, expected)) {
    throw new WecomCryptoError('bad_receiveid', 'receiveid does not match the expected corp id');
  }
  return msg.toString('utf8');
}

/** Encrypts msg for `receiveId` and returns the base64 text. `random16` defaults to 16 random bytes. */
export function encryptPayload(encodingAesKey: string, msg: string, receiveId: string, random16?: Buffer | string): string {
  const key = deriveAesKey(encodingAesKey);
  const rnd = random16 === undefined ? randomBytes(16) : Buffer.isBuffer(random16) ? random16 : Buffer.from(random16, 'utf8');
  if (rnd.length !== 16) throw new WecomCryptoError('bad_length', 'the random prefix must be 16 bytes');
  const body = Buffer.from(msg, 'utf8');
  const len = Buffer.alloc(4);
  len.writeUInt32BE(body.length, 0);
  const plain = pkcs7Pad32(Buffer.concat([rnd, len, body, Buffer.from(receiveId, 'utf8')]));
  const cipher = createCipheriv('aes-256-cbc', key, key.subarray(0, 16));
  cipher.setAutoPadding(false);
  return Buffer.concat([cipher.update(plain), cipher.final()]).toString('base64');
}

/**
 * GET URL verification: checks msg_signature over echostr, decrypts it and returns the plaintext that must be
 * echoed back exactly (no quotes, BOM or newline).
 */
export function verifyUrl(
  cfg: CallbackCryptoConfig,
  q: { msgSignature: string; timestamp: string; nonce: string; echostr: string },
  opts?: VerifyOptions,
): string {
  // Base64 never contains spaces: a space here is a '+' that a form-style query decoder turned into one.
  const p: SignedPayload = { msgSignature: q.msgSignature, timestamp: q.timestamp, nonce: q.nonce, encrypt: q.echostr.replaceAll(' ', '+') };
  assertSignature(cfg, p, opts);
  return decryptPayload(cfg.encodingAesKey, p.encrypt, cfg.receiveId);
}

/** POST event delivery: checks msg_signature over the Encrypt text, then decrypts it (returns the event XML). */
export function decryptMessage(cfg: CallbackCryptoConfig, p: SignedPayload, opts?: VerifyOptions): string {
  assertSignature(cfg, p, opts);
  return decryptPayload(cfg.encodingAesKey, p.encrypt, cfg.receiveId);
}

export interface EncryptOptions {
  /** 16 bytes (or a 16-char string) used as the random prefix; random when omitted. */
  random16?: Buffer | string;
  /** Seconds since epoch as a string; defaults to now. */
  timestamp?: string;
  /** Defaults to a random 9-10 digit number. */
  nonce?: string;
  now?: () => number;
}

export interface EncryptedMessage extends SignedPayload {}

/** Encrypts and signs msg (for replies and for the simulator's callbacks). */
export function encryptMessage(cfg: CallbackCryptoConfig, msg: string, opts: EncryptOptions = {}): EncryptedMessage {
  const encrypt = encryptPayload(cfg.encodingAesKey, msg, cfg.receiveId, opts.random16);
  const timestamp = opts.timestamp ?? String(Math.floor((opts.now ?? Date.now)() / 1000));
  const nonce = opts.nonce ?? String(randomBytes(4).readUInt32BE(0));
  return { encrypt, timestamp, nonce, msgSignature: computeSignature(cfg.token, timestamp, nonce, encrypt) };
}

const cdata = (v: string) => `<![CDATA[${v.replaceAll(']]>', ']]]]><![CDATA[>')}]]>`;

/** The POST body WeCom sends: `<xml><ToUserName/><Encrypt/><AgentID/></xml>`. */
export function buildCallbackXml(toUserName: string, encrypt: string, agentId = ''): string {
  return `<xml><ToUserName>${cdata(toUserName)}</ToUserName><Encrypt>${cdata(encrypt)}</Encrypt><AgentID>${cdata(agentId)}</AgentID></xml>`;
}

/** Generates a valid random EncodingAESKey (43 chars of [A-Za-z0-9]). */
export function generateEncodingAesKey(random: () => number = Math.random): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
  let s = '';
  for (let i = 0; i < 43; i++) s += alphabet[Math.floor(random() * alphabet.length)];
  // The 43rd char carries only 4 bits of key; any char decodes, so the key is always valid.
  return s;
}
