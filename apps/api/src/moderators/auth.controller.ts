import { Body, Controller, Get, HttpCode, Post, Req, Res, UseGuards } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ApiError } from '../common/api-error.js';
import { ApiErrors, ApiExample, ApiNoContent } from '../common/openapi.js';
import { clearSessionCookie, readCookie, SESSION_COOKIE, setSessionCookie } from './cookies.js';
import { LoginDto } from './moderators.dto.js';
import { ReviewerGuard } from './reviewer.guard.js';
import { type ModeratorSession, SESSION_MS, SessionsService } from './sessions.service.js';

const SESSION_EXAMPLE = {
  moderator: { id: '3c1f…', email: 'ann@news.example', name: 'Ann', role: 'moderator', siteIds: ['5b0e…'] },
  csrfToken: 'Jq0…',
};

/** Moderators' sessions for the console: an httpOnly cookie, and a CSRF token for mutations. */
@ApiTags('moderation')
@Controller('v1/auth')
export class AuthController {
  constructor(private readonly sessions: SessionsService) {}

  @Post('login')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Log in a moderator',
    description: `Sets the httpOnly, SameSite=Strict cookie ${SESSION_COOKIE}. Send the csrfToken as X-CSRF-Token with every change. Five wrong passwords in a row lock the account for 15 minutes.`,
  })
  @ApiExample(200, 'The session', SESSION_EXAMPLE)
  @ApiErrors('validation_failed', 'unauthorized', 'account_locked')
  async login(@Body() dto: LoginDto, @Req() req: FastifyRequest, @Res({ passthrough: true }) res: FastifyReply): Promise<ModeratorSession> {
    const { token, session } = await this.sessions.login(dto.email, dto.password);
    setSessionCookie(req, res, token, SESSION_MS);
    return session;
  }

  @Get('me')
  @ApiOperation({ summary: 'The session of the cookie (a reloaded console gets its CSRF token back)' })
  @ApiExample(200, 'The session', SESSION_EXAMPLE)
  @ApiErrors('unauthorized')
  async me(@Req() req: FastifyRequest): Promise<ModeratorSession> {
    const token = readCookie(req, SESSION_COOKIE);
    const session = token ? await this.sessions.find(token) : null;
    if (!session) throw new ApiError('unauthorized', 'Not logged in');
    return session;
  }

  @Post('logout')
  @HttpCode(204)
  @UseGuards(ReviewerGuard)
  @ApiOperation({ summary: 'End the session' })
  @ApiNoContent('Logged out; the cookie is cleared')
  @ApiErrors('unauthorized', 'forbidden')
  async logout(@Req() req: FastifyRequest, @Res({ passthrough: true }) res: FastifyReply): Promise<void> {
    const token = readCookie(req, SESSION_COOKIE);
    if (token) await this.sessions.logout(token);
    clearSessionCookie(req, res);
  }
}
