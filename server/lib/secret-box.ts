/**
 * Secrets at rest (WeCom app secrets, callback keys): AES-256-GCM under APP_ENCRYPTION_KEY, stored as
 * `v1:<iv>:<tag>:<ciphertext>` (base64). The additional data binds a ciphertext to its owner (e.g. tenant id and
 * field name), so a value copied to another row does not decrypt.
 */
import { createCipheriv, createDecipheriv, createHmac, randomBytes } from 'node:crypto';

export class SecretBox {
  private readonly key: Buffer;
  constructor(base64Key: string) {
    this.key = Buffer.from(base64Key, 'base64');
    if (this.key.length !== 32) throw new Error('APP_ENCRYPTION_KEY must be 32 bytes');
  }

  seal(plaintext: string, context: string): string {
    const iv = randomBytes(12);
    const c = createCipheriv('aes-256-gcm', this.key, iv);
    c.setAAD(Buffer.from(context));
    const ct = Buffer.concat([c.update(plaintext, 'utf8'), c.final()]);
    return `v1:${iv.toString('base64')}:${c.getAuthTag().toString('base64')}:${ct.toString('base64')}`;
  }

  /**
   * Like `seal`, but the same plaintext and context always give the same ciphertext (the IV is a keyed hash of
   * both), so a re-import of unchanged personal data writes nothing. It reveals only what a keyed hash of the value
   * would (equality); a GCM nonce repeats only for the very same message.
   */
  sealStable(plaintext: string, context: string): string {
    const iv = createHmac('sha256', this.key).update(`iv\u0000${context}\u0000${plaintext}`).digest().subarray(0, 12);
    const c = createCipheriv('aes-256-gcm', this.key, iv);
    c.setAAD(Buffer.from(context));
    const ct = Buffer.concat([c.update(plaintext, 'utf8'), c.final()]);
    return `v1:${iv.toString('base64')}:${c.getAuthTag().toString('base64')}:${ct.toString('base64')}`;
  }

  open(sealed: string, context: string): string {
    const [v, iv, tag, ct] = sealed.split(':');
    if (v !== 'v1' || !iv || !tag || ct === undefined) throw new Error('not a sealed secret');
    const d = createDecipheriv('aes-256-gcm', this.key, Buffer.from(iv, 'base64'));
    d.setAAD(Buffer.from(context));
    d.setAuthTag(Buffer.from(tag, 'base64'));
    return Buffer.concat([d.update(Buffer.from(ct, 'base64')), d.final()]).toString('utf8');
  }

  /** A keyed hash for matching personal data (e.g. normalized mobiles) without storing it. */
  keyedHash(value: string, purpose: string): string {
    return createHmac('sha256', this.key).update(`${purpose}\u0000${value}`).digest('base64url');
  }
}
