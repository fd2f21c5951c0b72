import { HttpException, HttpStatus } from '@nestjs/common';

/** Every error code the API answers with, and its HTTP status. The one list clients can rely on. */
export const ERROR_CODES = {
  validation_failed: HttpStatus.BAD_REQUEST,
  malformed_json: HttpStatus.BAD_REQUEST,
  invalid_text: HttpStatus.BAD_REQUEST,
  unauthorized: HttpStatus.UNAUTHORIZED,
  forbidden: HttpStatus.FORBIDDEN,
  not_found: HttpStatus.NOT_FOUND,
  conflict: HttpStatus.CONFLICT,
  account_locked: HttpStatus.LOCKED,
  payload_too_large: HttpStatus.PAYLOAD_TOO_LARGE,
  unsupported_media_type: HttpStatus.UNSUPPORTED_MEDIA_TYPE,
  rate_limited: HttpStatus.TOO_MANY_REQUESTS,
  service_unavailable: HttpStatus.SERVICE_UNAVAILABLE,
  internal: HttpStatus.INTERNAL_SERVER_ERROR,
} as const;
export type ErrorCode = keyof typeof ERROR_CODES;

export interface ErrorDetail {
  field: string;
  problem: string;
}

/** The one error shape of the API. */
export interface ErrorBody {
  statusCode: number;
  error: ErrorCode;
  message: string;
  details: ErrorDetail[];
}

export class ApiError extends HttpException {
  constructor(code: ErrorCode, message: string, details: ErrorDetail[] = [], headers?: Record<string, string>) {
    const body: ErrorBody = { statusCode: ERROR_CODES[code], error: code, message, details };
    super(body, ERROR_CODES[code]);
    this.headers = headers;
  }

  readonly headers?: Record<string, string>;

  static notFound(what: string): ApiError {
    return new ApiError('not_found', `${what} not found`);
  }

  static invalid(field: string, problem: string): ApiError {
    return new ApiError('validation_failed', `${field} ${problem}`, [{ field, problem }]);
  }
}
