import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { SecretBox } from '../../../server/lib/secret-box';

describe('SecretBox (AES-256-GCM at rest)', () => {
  const box = new SecretBox(randomBytes(32).toString('base64'));
  it('round-trips, never stores the plaintext, and differs each time', () => {
    const a = box.seal('corp-secret-123', 'tenant-1:wecom.secret');
    const b = box.seal('corp-secret-123', 'tenant-1:wecom.secret');
    expect(a).not.toContain('corp-secret-123');
    expect(a).not.toBe(b);
    expect(box.open(a, 'tenant-1:wecom.secret')).toBe('corp-secret-123');
  });
  it('refuses a tampered value, another context, or another key', () => {
    const a = box.seal('s3cret', 'tenant-1:x');
    const parts = a.split(':');
    const flipped = Buffer.from(parts[3]!, 'base64');
    flipped[0] = flipped[0]! ^ 1;
    expect(() => box.open([parts[0], parts[1], parts[2], flipped.toString('base64')].join(':'), 'tenant-1:x')).toThrow();
    expect(() => box.open(a, 'tenant-2:x')).toThrow();
    expect(() => new SecretBox(randomBytes(32).toString('base64')).open(a, 'tenant-1:x')).toThrow();
  });
  it('keyed hashes are stable per key and purpose', () => {
    expect(box.keyedHash('13800138000', 'mobile')).toBe(box.keyedHash('13800138000', 'mobile'));
    expect(box.keyedHash('13800138000', 'mobile')).not.toBe(box.keyedHash('13800138000', 'other'));
  });
});
