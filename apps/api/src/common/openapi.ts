import { applyDecorators } from '@nestjs/common';
import { ApiExtraModels, ApiProperty, ApiResponse, getSchemaPath } from '@nestjs/swagger';
import { ERROR_CODES, type ErrorCode } from './api-error.js';

class ErrorDetailDoc {
  @ApiProperty({ example: 'author.name' })
  field: string;

  @ApiProperty({ example: 'must be a string' })
  problem: string;
}

/** The one error shape, for the OpenAPI document. */
export class ErrorBodyDoc {
  @ApiProperty({ example: 400 })
  statusCode: number;

  @ApiProperty({ enum: Object.keys(ERROR_CODES), example: 'validation_failed' })
  error: string;

  @ApiProperty({ example: 'Invalid request: author.name' })
  message: string;

  @ApiProperty({ type: [ErrorDetailDoc] })
  details: ErrorDetailDoc[];
}

const DESCRIPTIONS: Partial<Record<ErrorCode, string>> = {
  validation_failed: 'A field is missing, unknown or invalid; `details` names each one',
  unauthorized: 'No API key, or an unknown or revoked one',
  forbidden: 'The key lacks the scope this endpoint needs',
  not_found: 'No such thing for this site',
  conflict: 'It conflicts with what is stored',
  account_locked: 'Too many wrong passwords: the account is locked for a while; see Retry-After',
  payload_too_large: 'The request body is larger than MAX_REQUEST_BYTES',
  unsupported_media_type: 'The body is not JSON',
  rate_limited: 'The key made too many requests; see Retry-After',
  service_unavailable: 'The queue is unavailable; what was sent is stored, retry the request',
};

/** Documents the error answers an endpoint can give, all in the one error shape. */
export function ApiErrors(...codes: ErrorCode[]) {
  return applyDecorators(
    ApiExtraModels(ErrorBodyDoc),
    ...codes.map((code) =>
      ApiResponse({
        status: ERROR_CODES[code],
        description: DESCRIPTIONS[code] ?? code,
        schema: { $ref: getSchemaPath(ErrorBodyDoc), example: { statusCode: ERROR_CODES[code], error: code, message: DESCRIPTIONS[code] ?? code, details: [] } },
      }),
    ),
  );
}

/** Documents a successful answer with no body. */
export function ApiNoContent(description: string) {
  return ApiResponse({ status: 204, description });
}

/** Documents a successful answer by example. */
export function ApiExample(status: number, description: string, example: unknown) {
  return ApiResponse({ status, description, content: { 'application/json': { example } } });
}
