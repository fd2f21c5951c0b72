import { createHash, randomBytes } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { type ModeratorRole, updateRows } from '#app/database';
import { ApiError } from '../common/api-error.js';
import { DUMMY_HASH_PROMISE, verifyPassword } from './passwords.js';

/** A session lasts this long from login. */
export const SESSION_MS = 12 * 60 * 60_000;
/** Consecutive failed logins that lock an account, and for how long. */
export const LOCK_AFTER_FAILURES = 5;
export const LOCK_MS = 15 * 60_000;

export interface ModeratorView {
  id: string;
  email: string;
  name: string;
  role: ModeratorRole;
  siteIds: string[];
}

export interface ModeratorSession {
  moderator: ModeratorView;
  csrfToken: string;
}

const sha256 = (value: string) => createHash('sha256').update(value).digest('base64url');

@Injectable()
export class SessionsService {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /**
   * Checks e-mail and password and opens a session. Wrong passwords count towards a lock-out;
   * an unknown e-mail takes as long as a wrong password, so neither reveals which e-mails exist.
   */
  async login(email: string, password: string): Promise<{ token: string; session: ModeratorSession }> {
    // The attempt is counted as failed before the password is checked, in one statement that
    // refuses it while locked: concurrent guesses cannot all be checked before one of them locks.
    // Only scrypt runs outside it, and no transaction is held across it.
    const [account] = await updateRows<ModeratorView & { password_hash: string; locked_until: Date | null }>(
      this.dataSource,
      // A lock that has ended (the only kind the WHERE lets through) starts a fresh count.
      `UPDATE moderators
          SET failed_logins = CASE WHEN locked_until IS NULL THEN failed_logins + 1 ELSE 1 END,
              locked_until = CASE WHEN locked_until IS NULL AND failed_logins + 1 >= $2 THEN now() + make_interval(secs => $3) END
        WHERE lower(email) = lower($1) AND disabled_at IS NULL AND (locked_until IS NULL OR locked_until <= now())
        RETURNING id, email, name, role, site_ids AS "siteIds", password_hash, locked_until`,
      [email, LOCK_AFTER_FAILURES, LOCK_MS / 1000],
    );
    if (!account) {
      const [lockedAccount] = await this.dataSource.query(
        `SELECT locked_until FROM moderators WHERE lower(email) = lower($1) AND disabled_at IS NULL AND locked_until > now()`,
        [email],
      );
      if (lockedAccount) throw locked(lockedAccount.locked_until);
      await verifyPassword(password, await DUMMY_HASH_PROMISE);
      throw invalidCredentials();
    }
    if (!(await verifyPassword(password, account.password_hash))) {
      if (account.locked_until) throw locked(account.locked_until);
      throw invalidCredentials();
    }
    await this.dataSource.query(`UPDATE moderators SET failed_logins = 0, locked_until = NULL WHERE id = $1`, [account.id]);
    const token = randomBytes(32).toString('base64url');
    const csrfToken = randomBytes(24).toString('base64url');
    await this.dataSource.query(
      `INSERT INTO moderator_sessions (token_hash, moderator_id, csrf_token, expires_at) VALUES ($1, $2, $3, now() + make_interval(secs => $4))`,
      [sha256(token), account.id, csrfToken, SESSION_MS / 1000],
    );
    const { id, name, role, siteIds } = account;
    return { token, session: { moderator: { id, email: account.email, name, role, siteIds }, csrfToken } };
  }

  /** The session of a cookie token, or null when unknown, expired or the account is disabled. */
  async find(token: string): Promise<ModeratorSession | null> {
    const [row] = await this.dataSource.query(
      `SELECT m.id, m.email, m.name, m.role, m.site_ids AS "siteIds", s.csrf_token
         FROM moderator_sessions s JOIN moderators m ON m.id = s.moderator_id
        WHERE s.token_hash = $1 AND s.expires_at > now() AND m.disabled_at IS NULL`,
      [sha256(token)],
    );
    if (!row) return null;
    const { csrf_token: csrfToken, ...moderator } = row;
    return { moderator, csrfToken };
  }

  async logout(token: string): Promise<void> {
    await this.dataSource.query(`DELETE FROM moderator_sessions WHERE token_hash = $1`, [sha256(token)]);
  }
}

const invalidCredentials = () => new ApiError('unauthorized', 'Wrong e-mail or password');

function locked(until: Date): ApiError {
  const seconds = Math.max(1, Math.ceil((until.getTime() - Date.now()) / 1000));
  return new ApiError('account_locked', `Too many failed logins; this account is locked for ${Math.ceil(seconds / 60)} more minute(s)`, [], {
    'Retry-After': String(seconds),
  });
}
