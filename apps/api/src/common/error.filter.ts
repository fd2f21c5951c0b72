import { type ArgumentsHost, Catch, type ExceptionFilter, HttpException, HttpStatus, Logger } from '@nestjs/common';
import type { Response } from 'express';
import { ApiError, ERROR_CODES, type ErrorBody, type ErrorCode } from './api-error.js';

/** Errors raised by body-parser carry a `type` and a `status`. */
interface BodyParserError {
  type?: string;
  status?: number;
  message?: string;
}

const CODE_BY_STATUS = new Map<number, ErrorCode>(
  (Object.entries(ERROR_CODES) as [ErrorCode, number][]).reverse().map(([code, status]) => [status, code]),
);

/** Turns every error into the one error shape; never leaks internals of an unexpected error. */
@Catch()
export class ErrorFilter implements ExceptionFilter {
  private readonly logger = new Logger('ErrorFilter');

  catch(exception: unknown, host: ArgumentsHost): void {
    const response = host.switchToHttp().getResponse<Response>();
    const { body, headers } = this.toBody(exception);
    if (body.statusCode >= 500) this.logger.error(exception instanceof Error ? exception.stack : String(exception));
    for (const [name, value] of Object.entries(headers ?? {})) response.setHeader(name, value);
    response.status(body.statusCode).json(body);
  }

  private toBody(exception: unknown): { body: ErrorBody; headers?: Record<string, string> } {
    if (exception instanceof ApiError) return { body: exception.getResponse() as ErrorBody, headers: exception.headers };
    // Nest wraps body-parser's errors in an HttpException whose cause is the original.
    const parserError = (exception instanceof HttpException ? exception.cause : exception) as BodyParserError;
    switch (parserError?.type) {
      case 'entity.parse.failed':
        return { body: shape('malformed_json', 'The request body is not valid JSON') };
      case 'entity.too.large':
        return { body: shape('payload_too_large', 'The request body is larger than this server accepts') };
      case 'encoding.unsupported':
      case 'charset.unsupported':
        return { body: shape('unsupported_media_type', 'Only UTF-8 encoded JSON is accepted') };
      case 'entity.verify.failed':
        return { body: shape('invalid_text', parserError.message ?? 'The request body is not valid UTF-8') };
    }
    if (exception instanceof HttpException) {
      const status = exception.getStatus();
      const code = CODE_BY_STATUS.get(status) ?? (status >= 500 ? 'internal' : 'validation_failed');
      const message = status === HttpStatus.NOT_FOUND ? 'No such endpoint' : exception.message;
      return { body: { ...shape(code, message), statusCode: status } };
    }
    return { body: shape('internal', 'Internal server error') };
  }
}

function shape(code: ErrorCode, message: string): ErrorBody {
  return { statusCode: ERROR_CODES[code], error: code, message, details: [] };
}
