import { type ArgumentsHost, Catch, type ExceptionFilter, HttpException, HttpStatus, Logger } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { requestLogFields } from '#app/observability';
import { ApiError, ERROR_CODES, type ErrorBody, type ErrorCode } from './api-error.js';

/** Errors Fastify raises itself (reading the body, say) carry a `code` and a `statusCode`. */
interface FastifyError {
  code?: string;
  statusCode?: number;
}

/** Errors about a request raised below the application (Fastify's, zlib's), in the API's words. */
const FASTIFY_ERRORS: Record<string, [ErrorCode, string]> = {
  FST_ERR_CTP_BODY_TOO_LARGE: ['payload_too_large', 'The request body is larger than this server accepts'],
  FST_ERR_CTP_INVALID_MEDIA_TYPE: ['unsupported_media_type', 'Send the request body as JSON with Content-Type: application/json'],
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: ['validation_failed', 'The request body is shorter or longer than its Content-Length'],
  // zlib's, inflating a body sent with a Content-Encoding.
  Z_DATA_ERROR: ['malformed_json', 'The request body is not encoded as its Content-Encoding says'],
  Z_BUF_ERROR: ['malformed_json', 'The request body is not encoded as its Content-Encoding says'],
};

const CODE_BY_STATUS = new Map<number, ErrorCode>(
  (Object.entries(ERROR_CODES) as [ErrorCode, number][]).reverse().map(([code, status]) => [status, code]),
);

/** Turns every error into the one error shape; never leaks internals of an unexpected error. */
@Catch()
export class ErrorFilter implements ExceptionFilter {
  private readonly logger = new Logger('ErrorFilter');

  catch(exception: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const reply = http.getResponse<FastifyReply>();
    const { body, headers } = this.toBody(exception);
    if (body.statusCode >= 500) {
      const msg = exception instanceof Error ? exception.stack : String(exception);
      this.logger.error({ msg, req: requestLogFields(http.getRequest<FastifyRequest>()) });
    }
    for (const [name, value] of Object.entries(headers ?? {})) reply.header(name, value);
    void reply.status(body.statusCode).send(body);
  }

  private toBody(exception: unknown): { body: ErrorBody; headers?: Record<string, string> } {
    if (exception instanceof ApiError) return { body: exception.getResponse() as ErrorBody, headers: exception.headers };
    const fastifyError = exception as FastifyError;
    const known = fastifyError?.code ? FASTIFY_ERRORS[fastifyError.code] : undefined;
    if (known) return { body: shape(...known) };
    if (exception instanceof HttpException) {
      const status = exception.getStatus();
      const code = CODE_BY_STATUS.get(status) ?? (status >= 500 ? 'internal' : 'validation_failed');
      const message = status === HttpStatus.NOT_FOUND ? 'No such endpoint' : exception.message;
      return { body: { ...shape(code, message), statusCode: status } };
    }
    // Any other refusal of Fastify's is the client's: named by its status, never a 500.
    const status = fastifyError?.statusCode;
    if (typeof status === 'number' && status >= 400 && status < 500) {
      return { body: { ...shape(CODE_BY_STATUS.get(status) ?? 'validation_failed', (exception as Error).message), statusCode: status } };
    }
    return { body: shape('internal', 'Internal server error') };
  }
}

function shape(code: ErrorCode, message: string): ErrorBody {
  return { statusCode: ERROR_CODES[code], error: code, message, details: [] };
}
