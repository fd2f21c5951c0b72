import { timingSafeEqual, createHash } from 'node:crypto';
import {
  applyDecorators,
  type CanActivate,
  createParamDecorator,
  type ExecutionContext,
  Injectable,
  SetMetadata,
  UseGuards,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { ApiBearerAuth, ApiResponse } from '@nestjs/swagger';
import type { IncomingHttpHeaders } from 'node:http';
import type { FastifyRequest } from 'fastify';
import { Environment } from '#app/config';
import type { ApiKeyScope } from '#app/database';
import { ApiError } from '../common/api-error.js';
import { ApiKeysService, type SiteCredentials } from './api-keys.service.js';
import { ApiKeyRateLimitGuard } from './rate-limit.js';

const SCOPES = Symbol('scopes');

type AuthenticatedRequest = FastifyRequest<{ Params: { siteId?: string } }> & { site?: SiteCredentials };

/** The token of an `Authorization: Bearer <token>` header, or null. */
export function bearerToken(req: { headers: IncomingHttpHeaders }): string | null {
  const header = req.headers.authorization;
  if (!header) return null;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return match ? match[1] : null;
}

const unauthorized = () =>
  new ApiError('unauthorized', 'Send a valid API key as "Authorization: Bearer <key>"', [], {
    'WWW-Authenticate': 'Bearer',
  });

/** The site key of a request: 401 without a valid one. */
export async function authenticateKey(keys: ApiKeysService, token: string | null): Promise<SiteCredentials> {
  const credentials = token ? await keys.verify(token) : null;
  if (!credentials) throw unauthorized();
  return credentials;
}

/** 403 when the key lacks a scope. */
export function requireScopes(credentials: SiteCredentials, scopes: ApiKeyScope[]): SiteCredentials {
  const missing = scopes.filter((scope) => !credentials.scopes.includes(scope));
  if (missing.length > 0) throw new ApiError('forbidden', `This API key lacks the scope ${missing.join(', ')}`);
  return credentials;
}

/** Admits the operator's ADMIN_TOKEN only. */
@Injectable()
export class AdminTokenGuard implements CanActivate {
  private readonly expected: Buffer;

  constructor(env: Environment) {
    this.expected = createHash('sha256').update(env.ADMIN_TOKEN).digest();
  }

  /** Compares digests, so neither the token's length nor its content leaks through timing. */
  matches(token: string): boolean {
    return timingSafeEqual(createHash('sha256').update(token).digest(), this.expected);
  }

  canActivate(context: ExecutionContext): boolean {
    const token = bearerToken(context.switchToHttp().getRequest<FastifyRequest>());
    if (token && this.matches(token)) return true;
    throw unauthorized();
  }
}

/** Admits a site API key that is not revoked and has every scope the route asks for, within its rate limit. */
@Injectable()
export class SiteKeyGuard implements CanActivate {
  constructor(
    private readonly keys: ApiKeysService,
    private readonly reflector: Reflector,
    private readonly rateLimit: ApiKeyRateLimitGuard,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const req = context.switchToHttp().getRequest<AuthenticatedRequest>();
    const needed = this.reflector.getAllAndOverride<ApiKeyScope[]>(SCOPES, [context.getHandler(), context.getClass()]) ?? [];
    req.site = requireScopes(await authenticateKey(this.keys, bearerToken(req)), needed);
    return this.rateLimit.canActivate(context);
  }
}

/**
 * Admits the admin token for any site, or a key with the `admin` scope for its own site (the
 * route's :siteId) within its rate limit. Another site's id is a 404, as everywhere.
 */
@Injectable()
export class SiteAdminGuard implements CanActivate {
  constructor(
    private readonly adminToken: AdminTokenGuard,
    private readonly keys: ApiKeysService,
    private readonly rateLimit: ApiKeyRateLimitGuard,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const req = context.switchToHttp().getRequest<AuthenticatedRequest>();
    const token = bearerToken(req);
    if (token && this.adminToken.matches(token)) return true;
    const credentials = await authenticateKey(this.keys, token);
    // Before the route's IdPipe: ids are compared as it passes them on, in lower case (RFC 9562).
    if (credentials.siteId !== req.params.siteId?.toLowerCase()) throw ApiError.notFound('Site');
    req.site = requireScopes(credentials, ['admin']);
    return this.rateLimit.canActivate(context);
  }
}

/** Route needs the operator's admin token. */
export const AdminAuth = () => applyDecorators(ApiBearerAuth(), UseGuards(AdminTokenGuard));

/** For the routes a site key opens: every request with a key counts against the key's rate limit. */
export const ApiRateLimited = () => ApiResponse({ status: 429, description: 'Rate limit of the key reached; see Retry-After' });

/** Route needs the admin token, or a key with the `admin` scope of the route's :siteId. */
export const SiteAdminAuth = () => applyDecorators(ApiBearerAuth(), UseGuards(SiteAdminGuard), ApiRateLimited());

/** Route needs a site API key with these scopes. */
export const SiteAuth = (...scopes: ApiKeyScope[]) =>
  applyDecorators(SetMetadata(SCOPES, scopes), UseGuards(SiteKeyGuard), ApiBearerAuth(), ApiRateLimited());

/** The credentials of the site key that authenticated the request. */
export const CurrentSite = createParamDecorator(
  (_data: unknown, context: ExecutionContext): SiteCredentials => {
    const site = context.switchToHttp().getRequest<AuthenticatedRequest>().site;
    if (!site) throw new Error('CurrentSite used on a route without SiteAuth');
    return site;
  },
);

/**
 * Who is acting, for the records that keep it: `admin` for the operator's token, `key:<id>` for a
 * site key.
 */
export const Actor = createParamDecorator((_data: unknown, context: ExecutionContext): string => {
  const site = context.switchToHttp().getRequest<AuthenticatedRequest>().site;
  return site ? `key:${site.keyId}` : 'admin';
});
