import { applyDecorators } from '@nestjs/common';
import { ApiProperty } from '@nestjs/swagger';
import { IsOptional, IsString, Length, registerDecorator, ValidateIf, type ValidationOptions } from 'class-validator';

// NUL and C0/C1 control characters other than tab, newline and carriage return.
const CONTROL_CHARACTER = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]/;
// A surrogate half with no partner: JSON can carry one ("\ud800"), UTF-8 cannot store it.
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Why a text cannot be stored as it is, or null when it can. */
export function textProblem(value: string): string | null {
  if (value.includes('\u0000')) return 'must not contain NUL characters';
  if (CONTROL_CHARACTER.test(value)) return 'must not contain control characters';
  if (LONE_SURROGATE.test(value)) return 'must not contain invalid Unicode (unpaired surrogates)';
  return null;
}

/** A string the database can store exactly as sent: no NUL, control characters or broken Unicode. */
export function IsStorableText(options?: ValidationOptions): PropertyDecorator {
  return (target, propertyKey) =>
    registerDecorator({
      name: 'isStorableText',
      target: target.constructor,
      propertyName: propertyKey as string,
      options,
      validator: {
        validate: (value: unknown) => typeof value !== 'string' || textProblem(value) === null,
        defaultMessage: (args) => `${args?.property} ${textProblem(String(args?.value ?? '')) ?? 'is not valid text'}`,
      },
    });
}

/**
 * For PATCH bodies: the field may be left out, but if it is sent it must be valid. (`IsOptional`
 * would let `null` through and overwrite a setting with nothing.)
 */
export const IfPresent = () => ValidateIf((_object, value) => value !== undefined);

export interface TextFieldOptions {
  min?: number;
  max: number;
  /** May be left out; `null` counts as left out unless `nullable` is false. */
  optional?: boolean;
  /** With `optional`: refuse `null` (for PATCH bodies, where it would erase the value). */
  nullable?: boolean;
  /** For the OpenAPI document. */
  description?: string;
  example?: string;
}

/**
 * A text field of a request: a string of min..max characters the database can store as sent.
 * Checks run in this order and the first failure is reported, so `42` is "must be a string",
 * not a complaint about its length.
 */
export function TextField({ min = 1, max, optional = false, nullable = true, description, example }: TextFieldOptions): PropertyDecorator {
  const checks = [
    ApiProperty({ type: String, minLength: min, maxLength: max, required: !optional, description, example }),
    IsString(),
    Length(min, max, { message: `$property must be ${min}-${max} characters long` }),
    IsStorableText(),
  ];
  if (!optional) return applyDecorators(...checks);
  return applyDecorators(nullable ? IsOptional() : IfPresent(), ...checks);
}
