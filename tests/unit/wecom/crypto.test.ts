import { createCipheriv } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  buildCallbackXml,
  computeSignature,
  decryptMessage,
  decryptPayload,
  deriveAesKey,
  encryptMessage,
  encryptPayload,
  generateEncodingAesKey,
  signatureMatches,
  verifyUrl,
  WecomCryptoError,
  type CallbackCryptoConfig,
} from '../../../server/wecom/crypto';
import { openCallback } from '../../../server/wecom/events';

const vectorSchema = z.object({
  id: z.string(),
  kind: z.enum(['verify_url_echostr', 'post_xml', 'encrypt_reply']),
  token: z.string(),
  receiveid: z.string(),
  encoding_aes_key: z.string(),
  timestamp: z.string(),
  nonce: z.string(),
  msg_signature: z.string(),
  encrypt: z.string(),
  plaintext: z.string(),
  random16: z.string().optional(),
  pkcs7_pad_len: z.number(),
  msg_len_bytes: z.number(),
});
// A copy of /work/shared/wecom-vectors.json, so the test does not depend on a path outside the repo.
const vectors = z.array(vectorSchema).parse(JSON.parse(readFileSync(path.join(import.meta.dirname, 'fixtures/wecom-vectors.json'), 'utf8')));

const cfgOf = (v: z.infer<typeof vectorSchema>): CallbackCryptoConfig => ({ token: v.token, encodingAesKey: v.encoding_aes_key, receiveId: v.receiveid });

function cryptoCode(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    if (e instanceof WecomCryptoError) return e.code;
    throw e;
  }
  return 'no error';
}

/** Raw AES-256-CBC with the WeCom key/IV and no padding, to build malformed ciphertexts. */
function rawEncrypt(encodingAesKey: string, plain: Buffer): string {
  const key = deriveAesKey(encodingAesKey);
  const c = createCipheriv('aes-256-cbc', key, key.subarray(0, 16));
  c.setAutoPadding(false);
  return Buffer.concat([c.update(plain), c.final()]).toString('base64');
}

describe('crypto against the published vectors', () => {
  it('has all four vectors, including pads above 16', () => {
    expect(vectors.map((v) => v.id)).toEqual([
      'wechatpy-work-check-signature',
      'wechatpy-work-decrypt',
      'wechatpy-work-encrypt-deterministic',
      'selfgen-add-external-contact',
    ]);
  });

  for (const v of vectors) {
    describe(v.id, () => {
      it('computes the msg_signature', () => {
        expect(computeSignature(v.token, v.timestamp, v.nonce, v.encrypt)).toBe(v.msg_signature);
      });

      it('decrypts to the plaintext after checking the signature', () => {
        const q = { msgSignature: v.msg_signature, timestamp: v.timestamp, nonce: v.nonce };
        const out = v.kind === 'verify_url_echostr' ? verifyUrl(cfgOf(v), { ...q, echostr: v.encrypt }) : decryptMessage(cfgOf(v), { ...q, encrypt: v.encrypt });
        expect(out).toBe(v.plaintext);
        expect(Buffer.byteLength(out, 'utf8')).toBe(v.msg_len_bytes);
      });

      it('uses 32-byte PKCS#7 blocks with the recorded pad length', () => {
        const plainLen = 16 + 4 + v.msg_len_bytes + Buffer.byteLength(v.receiveid);
        expect(Buffer.from(v.encrypt, 'base64').length).toBe(plainLen + v.pkcs7_pad_len);
        expect((plainLen + v.pkcs7_pad_len) % 32).toBe(0);
      });

      if (v.random16) {
        const random16 = v.random16;
        it('encrypts byte-for-byte with the fixed random prefix', () => {
          const m = encryptMessage(cfgOf(v), v.plaintext, { random16, timestamp: v.timestamp, nonce: v.nonce });
          expect(m.encrypt).toBe(v.encrypt);
          expect(m.msgSignature).toBe(v.msg_signature);
        });
      }
    });
  }

  it("verifies an echostr whose '+' a query decoder turned into a space", () => {
    const v = vectors[0]!;
    const mangled = new URLSearchParams(`echostr=${v.encrypt}`).get('echostr')!;
    expect(mangled).toContain(' ');
    expect(verifyUrl(cfgOf(v), { msgSignature: v.msg_signature, timestamp: v.timestamp, nonce: v.nonce, echostr: mangled })).toBe(v.plaintext);
  });

  it('rejects the negative case of the wechatpy fixture (nonce 437374424)', () => {
    const v = vectors[0]!;
    expect(cryptoCode(() => verifyUrl(cfgOf(v), { msgSignature: v.msg_signature, timestamp: v.timestamp, nonce: '437374424', echostr: v.encrypt }))).toBe('bad_signature');
  });

  it('opens the self-generated add_external_contact callback end to end', () => {
    const v = vectors[3]!;
    const opened = openCallback(cfgOf(v), { msg_signature: v.msg_signature, timestamp: v.timestamp, nonce: v.nonce }, buildCallbackXml(v.receiveid, v.encrypt, '1000002'));
    expect(opened.event).toMatchObject({ event: 'change_external_contact', changeType: 'add_external_contact', userId: 'zhangsan', state: 'store_0001', welcomeCode: 'WELCOMECODE' });
  });
});

describe('crypto round trips', () => {
  const cfg: CallbackCryptoConfig = { token: 'huikeToken1', encodingAesKey: generateEncodingAesKey(() => 0.42), receiveId: 'ww0123456789abcdef' };

  it('round-trips messages of every length around the block boundaries, UTF-8 included', () => {
    for (let n = 0; n < 80; n++) {
      const msg = '客'.repeat(n % 7) + 'x'.repeat(n);
      const m = encryptMessage(cfg, msg, { timestamp: '1700000000', nonce: String(n) });
      expect(decryptMessage(cfg, m)).toBe(msg);
    }
  });

  it('pads a block-aligned plaintext with a full block of 32', () => {
    // 16 + 4 + msg + 18 (receiveid) = 64 when msg is 26 bytes
    const msg = 'a'.repeat(26);
    const enc = encryptPayload(cfg.encodingAesKey, msg, cfg.receiveId, Buffer.alloc(16, 1));
    expect(Buffer.from(enc, 'base64').length).toBe(96);
    expect(decryptPayload(cfg.encodingAesKey, enc, cfg.receiveId)).toBe(msg);
  });

  it('signs with a fresh nonce and timestamp by default and verifies them', () => {
    const m = encryptMessage(cfg, '<xml/>', { now: () => 1_700_000_123_000 });
    expect(m.timestamp).toBe('1700000123');
    expect(signatureMatches(m.msgSignature, cfg.token, m.timestamp, m.nonce, m.encrypt)).toBe(true);
    expect(signatureMatches(m.msgSignature.toUpperCase(), cfg.token, m.timestamp, m.nonce, m.encrypt)).toBe(true);
  });

  it('rejects stale timestamps only when asked to', () => {
    const m = encryptMessage(cfg, 'hi', { timestamp: '1700000000', nonce: '1' });
    expect(decryptMessage(cfg, m)).toBe('hi');
    expect(cryptoCode(() => decryptMessage(cfg, m, { maxSkewSeconds: 300, now: () => 1_700_000_299_000 }))).toBe('no error');
    expect(cryptoCode(() => decryptMessage(cfg, m, { maxSkewSeconds: 300, now: () => 1_700_000_301_000 }))).toBe('stale_timestamp');
  });
});

describe('crypto tampering', () => {
  const v = vectors[3]!;
  const cfg = cfgOf(v);
  const q = { msgSignature: v.msg_signature, timestamp: v.timestamp, nonce: v.nonce, encrypt: v.encrypt };

  it('rejects a flipped signature byte', () => {
    const flipped = (v.msg_signature[0] === 'a' ? 'b' : 'a') + v.msg_signature.slice(1);
    expect(cryptoCode(() => decryptMessage(cfg, { ...q, msgSignature: flipped }))).toBe('bad_signature');
  });

  it('rejects a signature of the wrong length without throwing anything else', () => {
    expect(cryptoCode(() => decryptMessage(cfg, { ...q, msgSignature: v.msg_signature.slice(0, 39) }))).toBe('bad_signature');
    expect(cryptoCode(() => decryptMessage(cfg, { ...q, msgSignature: '' }))).toBe('bad_signature');
  });

  it('rejects a tampered ciphertext even with the right signature over it', () => {
    const bytes = Buffer.from(v.encrypt, 'base64');
    bytes[bytes.length - 1]! ^= 0x01;
    const encrypt = bytes.toString('base64');
    const msgSignature = computeSignature(v.token, v.timestamp, v.nonce, encrypt);
    expect(['bad_padding', 'bad_length', 'bad_receiveid']).toContain(cryptoCode(() => decryptMessage(cfg, { ...q, encrypt, msgSignature })));
  });

  it('rejects a payload for another corp (receiveid)', () => {
    expect(cryptoCode(() => decryptMessage({ ...cfg, receiveId: 'wx0000000000000000' }, q))).toBe('bad_receiveid');
    expect(cryptoCode(() => decryptMessage({ ...cfg, receiveId: v.receiveid + 'x' }, q))).toBe('bad_receiveid');
  });

  it('validates the padding: zero, above 32, and inconsistent pad bytes', () => {
    const head = Buffer.concat([Buffer.alloc(16, 7), Buffer.from([0, 0, 0, 2]), Buffer.from('hi'), Buffer.from(v.receiveid)]);
    const pad = (bytes: number[]) => {
      const body = Buffer.concat([head, Buffer.alloc(32 - ((head.length + bytes.length) % 32 || 32)), Buffer.from(bytes)]);
      return rawEncrypt(v.encoding_aes_key, body);
    };
    expect(cryptoCode(() => decryptPayload(v.encoding_aes_key, pad([0]), v.receiveid))).toBe('bad_padding');
    expect(cryptoCode(() => decryptPayload(v.encoding_aes_key, pad([33]), v.receiveid))).toBe('bad_padding');
    expect(cryptoCode(() => decryptPayload(v.encoding_aes_key, pad([5, 4, 4, 4]), v.receiveid))).toBe('bad_padding');
    // A pad of 24 (> 16) is valid with 32-byte blocks; a stock 16-byte unpadder would reject it.
    const ok = Buffer.concat([head, Buffer.alloc(64 - head.length, 64 - head.length)]);
    expect(decryptPayload(v.encoding_aes_key, rawEncrypt(v.encoding_aes_key, ok), v.receiveid)).toBe('hi');
  });

  it('rejects truncated ciphertexts', () => {
    const b64 = v.encrypt;
    expect(cryptoCode(() => decryptPayload(v.encoding_aes_key, b64.slice(0, -4), v.receiveid))).toBe('bad_length');
    expect(cryptoCode(() => decryptPayload(v.encoding_aes_key, b64.slice(0, -3), v.receiveid))).toBe('bad_length');
    expect(cryptoCode(() => decryptPayload(v.encoding_aes_key, '', v.receiveid))).toBe('bad_length');
    const oneBlockShort = Buffer.from(b64, 'base64').subarray(0, -32).toString('base64');
    expect(['bad_padding', 'bad_length', 'bad_receiveid']).toContain(cryptoCode(() => decryptPayload(v.encoding_aes_key, oneBlockShort, v.receiveid)));
  });

  it('rejects a msg_len that runs past the plaintext', () => {
    const body = Buffer.concat([Buffer.alloc(16), Buffer.from([0, 0, 1, 0]), Buffer.from('short')]);
    const padded = Buffer.concat([body, Buffer.alloc(32 - (body.length % 32), 32 - (body.length % 32))]);
    expect(cryptoCode(() => decryptPayload(v.encoding_aes_key, rawEncrypt(v.encoding_aes_key, padded), v.receiveid))).toBe('bad_length');
  });

  it('rejects malformed EncodingAESKeys', () => {
    expect(cryptoCode(() => deriveAesKey(v.encoding_aes_key.slice(1)))).toBe('bad_key');
    expect(cryptoCode(() => deriveAesKey(v.encoding_aes_key.slice(1) + '+'))).toBe('bad_key');
    expect(deriveAesKey(v.encoding_aes_key)).toHaveLength(32);
  });
});
