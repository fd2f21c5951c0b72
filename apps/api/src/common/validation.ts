import { ValidationPipe, type ValidationError } from '@nestjs/common';
import { ApiError, type ErrorDetail } from './api-error.js';

/** Flattens nested class-validator errors into `author.name`-style field paths. */
export function validationDetails(errors: ValidationError[], parent = ''): ErrorDetail[] {
  return errors.flatMap((error) => {
    const field = parent ? `${parent}.${error.property}` : error.property;
    const own = Object.entries(error.constraints ?? {}).map(([constraint, message]) => ({
      field,
      // class-validator starts each message with the property name; the field says that already.
      problem: constraint === 'whitelistValidation' ? 'is not an allowed field' : message.replace(/^\S+ /, ''),
    }));
    return [...own, ...validationDetails(error.children ?? [], field)];
  });
}

/** The one validation style of the API: unknown fields rejected, the first problem of each field named. */
export const VALIDATION_OPTIONS = {
  whitelist: true,
  forbidNonWhitelisted: true,
  stopAtFirstError: true,
  validationError: { target: false, value: false },
} as const;

export function createValidationPipe(): ValidationPipe {
  return new ValidationPipe({
    ...VALIDATION_OPTIONS,
    transform: true,
    exceptionFactory: (errors) => {
      const details = validationDetails(errors);
      const fields = [...new Set(details.map((d) => d.field))];
      return new ApiError('validation_failed', `Invalid request: ${fields.join(', ')}`, details);
    },
  });
}
