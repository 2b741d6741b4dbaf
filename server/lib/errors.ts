/**
 * User-safe errors: typed, carrying an HTTP status and a message that may be shown. Everything else is
 * logged with a request id and shown as a generic error. Postgres errors are mapped at the edge.
 */
export class UserError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly code: string,
    readonly details?: unknown,
  ) {
    super(message);
  }
}
export class ValidationError extends UserError {
  constructor(message: string, details?: unknown) {
    super(message, 400, 'invalid', details);
  }
}
export class UnauthorizedError extends UserError {
  constructor(message = '请先登录 / Please sign in') {
    super(message, 401, 'unauthorized');
  }
}
export class ForbiddenError extends UserError {
  constructor(message = '没有权限 / Not allowed') {
    super(message, 403, 'forbidden');
  }
}
export class NotFoundError extends UserError {
  constructor(message = '未找到 / Not found') {
    super(message, 404, 'not_found');
  }
}
export class ConflictError extends UserError {
  constructor(message = '已存在 / Already exists', details?: unknown) {
    super(message, 409, 'conflict', details);
  }
}
export class TooManyRequestsError extends UserError {
  constructor(
    message: string,
    readonly retryAfterSeconds: number,
  ) {
    super(message, 429, 'rate_limited');
  }
}

/** Maps a thrown value to a user-safe error: typed errors pass through, known Postgres codes are mapped. */
export function toUserError(e: unknown): UserError | null {
  if (e instanceof UserError) return e;
  const code = (e as { code?: unknown })?.code;
  switch (code) {
    case '42501':
      return new ForbiddenError();
    case '23505':
      return new ConflictError(undefined, { constraint: (e as { constraint_name?: string }).constraint_name });
    case '23503':
      return new NotFoundError('引用的记录不存在 / A referenced record does not exist');
    case '22P02':
    case '23514':
      return new ValidationError('输入无效 / Invalid input');
    default:
      return null;
  }
}
