import { timingSafeEqual } from 'node:crypto';
import {
  applyDecorators,
  type CanActivate,
  createParamDecorator,
  type ExecutionContext,
  Injectable,
  UseGuards,
} from '@nestjs/common';
import { ApiBearerAuth, ApiCookieAuth } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { ApiKeysService, type SiteCredentials } from '../auth/api-keys.service.js';
import { AdminTokenGuard, ApiRateLimited, authenticateKey, bearerToken, requireScopes } from '../auth/guards.js';
import { ApiKeyRateLimitGuard } from '../auth/rate-limit.js';
import { ApiError } from '../common/api-error.js';
import { readCookie, SESSION_COOKIE } from './cookies.js';
import { type ModeratorSession, SessionsService } from './sessions.service.js';

/** Whoever reviews: a moderator in the console, or a site's own UI through a `moderation` key. */
export interface Reviewer {
  /** `moderator:<id>` or `key:<id>`, as recorded in decisions and the audit log. */
  actor: string;
  name: string;
  /** The sites this reviewer may see and act on; null for every site (admins). */
  siteIds: string[] | null;
}

type ReviewRequest = FastifyRequest & { reviewer?: Reviewer; moderatorSession?: ModeratorSession; site?: SiteCredentials };

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * The session of the request's cookie. Mutations must also carry the session's CSRF token in
 * X-CSRF-Token: another site can make the browser send the cookie, but cannot read the token.
 */
async function sessionOf(sessions: SessionsService, req: ReviewRequest): Promise<ModeratorSession> {
  const token = readCookie(req, SESSION_COOKIE);
  const session = token ? await sessions.find(token) : null;
  if (!session) throw new ApiError('unauthorized', 'Log in, or send an API key as "Authorization: Bearer <key>"');
  if (!SAFE_METHODS.has(req.method)) {
    const sent = Buffer.from(String(req.headers['x-csrf-token'] ?? ''));
    const expected = Buffer.from(session.csrfToken);
    if (sent.length !== expected.length || !timingSafeEqual(sent, expected)) {
      throw new ApiError('forbidden', 'Missing or wrong X-CSRF-Token header');
    }
  }
  req.moderatorSession = session;
  return session;
}

/**
 * Admits a moderator's session, or a site key with the `moderation` scope (for its own site only)
 * within the key's rate limit.
 */
@Injectable()
export class ReviewerGuard implements CanActivate {
  constructor(
    private readonly keys: ApiKeysService,
    private readonly sessions: SessionsService,
    private readonly rateLimit: ApiKeyRateLimitGuard,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const req = context.switchToHttp().getRequest<ReviewRequest>();
    const token = bearerToken(req);
    if (token) {
      const key = requireScopes(await authenticateKey(this.keys, token), ['moderation']);
      req.site = key;
      req.reviewer = { actor: `key:${key.keyId}`, name: `API key ${token.slice(0, 12)}`, siteIds: [key.siteId] };
      return this.rateLimit.canActivate(context);
    }
    const { moderator } = await sessionOf(this.sessions, req);
    req.reviewer = {
      actor: `moderator:${moderator.id}`,
      name: moderator.name,
      siteIds: moderator.role === 'admin' ? null : moderator.siteIds,
    };
    return true;
  }
}

/** Admits the operator's ADMIN_TOKEN, or the session of a moderator with the admin role. */
@Injectable()
export class OperatorGuard implements CanActivate {
  constructor(
    private readonly adminToken: AdminTokenGuard,
    private readonly sessions: SessionsService,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const req = context.switchToHttp().getRequest<ReviewRequest>();
    const token = bearerToken(req);
    if (token) return this.adminToken.canActivate(context);
    const { moderator } = await sessionOf(this.sessions, req);
    if (moderator.role !== 'admin') throw new ApiError('forbidden', 'Only admins may do this');
    req.reviewer = { actor: `moderator:${moderator.id}`, name: moderator.name, siteIds: null };
    return true;
  }
}

/** Route for reviewers: a moderator's session or a `moderation` key. */
export const ReviewerAuth = () => applyDecorators(ApiCookieAuth(SESSION_COOKIE), ApiBearerAuth(), UseGuards(ReviewerGuard), ApiRateLimited());

/** Route for operators: the admin token or an admin moderator's session. */
export const OperatorAuth = () => applyDecorators(ApiCookieAuth(SESSION_COOKIE), ApiBearerAuth(), UseGuards(OperatorGuard));

export const CurrentReviewer = createParamDecorator((_data: unknown, context: ExecutionContext): Reviewer => {
  const reviewer = context.switchToHttp().getRequest<ReviewRequest>().reviewer;
  if (!reviewer) throw new Error('CurrentReviewer used on a route without ReviewerAuth');
  return reviewer;
});

/** The operator acting, when it was a moderator's session (absent for the admin token). */
export const OperatorName = createParamDecorator((_data: unknown, context: ExecutionContext): { actor: string; name: string } => {
  const reviewer = context.switchToHttp().getRequest<ReviewRequest>().reviewer;
  return reviewer ? { actor: reviewer.actor, name: reviewer.name } : { actor: 'admin', name: 'Operator (admin token)' };
});

/** May this reviewer see and act on this site? */
export function canReview(reviewer: Reviewer, siteId: string): boolean {
  return reviewer.siteIds === null || reviewer.siteIds.includes(siteId);
}
