import { createHmac } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { Environment } from '#app/config';

/**
 * Keyed hashes of authors' personal data. Rules need to know "same e-mail" or "same IP", not the
 * values; a keyed hash answers that without keeping them, and cannot be reversed by guessing
 * without the key.
 */
@Injectable()
export class PersonalDataHasher {
  constructor(private readonly env: Environment) {}

  email(email: string): string {
    return this.hash('email', email.trim().toLowerCase());
  }

  ip(ip: string): string {
    return this.hash('ip', ip.trim().toLowerCase());
  }

  private hash(kind: string, value: string): string {
    return createHmac('sha256', this.env.PII_HASH_KEY).update(`${kind}:${value}`).digest('base64url');
  }
}
