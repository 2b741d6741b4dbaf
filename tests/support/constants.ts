export const TEST_ENCRYPTION_KEY = Buffer.alloc(32, 7).toString('base64');
export const TEST_SESSION_SECRET = 'test-session-secret-test-session-secret-0123456789';
