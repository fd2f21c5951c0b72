import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { FastifyAdapter as BullBoardAdapter } from '@bull-board/fastify';
import { getQueueToken } from '@nestjs/bullmq';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { Queue } from 'bullmq';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Environment } from '#app/config';
import { QUEUES } from '#app/queue';
import { AdminTokenGuard } from '../auth/guards.js';
import { readCookie, SESSION_COOKIE } from '../moderators/cookies.js';
import { SessionsService } from '../moderators/sessions.service.js';

export const QUEUE_DASHBOARD_PATH = '/ops/queues';

/**
 * Operators in: the admin token (as a Bearer token, or as the password of HTTP Basic auth so a
 * browser can sign in), or the console session of an admin moderator.
 */
function operatorsOnly(adminToken: AdminTokenGuard, sessions: SessionsService) {
  return async (req: FastifyRequest, reply: FastifyReply): Promise<void> => {
    const [scheme, credentials = ''] = (req.headers.authorization ?? '').split(' ');
    const token = /^bearer$/i.test(scheme)
      ? credentials
      : /^basic$/i.test(scheme)
        ? Buffer.from(credentials, 'base64').toString('utf8').split(':').slice(1).join(':')
        : null;
    if (token && adminToken.matches(token)) return;
    const session = await sessions.find(readCookie(req, SESSION_COOKIE) ?? '').catch(() => null);
    if (session?.moderator.role === 'admin') return;
    await reply
      .status(401)
      .header('WWW-Authenticate', 'Basic realm="Threadkeeper operations", charset="UTF-8"')
      .send({ statusCode: 401, error: 'unauthorized', message: 'Operators only: the admin token (any user name) or an admin console session', details: [] });
  };
}

/** bull-board over every queue, behind operator authentication; read-only when configured so. */
export function mountQueueDashboard(app: NestFastifyApplication): void {
  const env = app.get(Environment);
  const adapter = new BullBoardAdapter();
  adapter.setBasePath(QUEUE_DASHBOARD_PATH);
  createBullBoard({
    queues: Object.values(QUEUES).map(
      (name) => new BullMQAdapter(app.get<Queue>(getQueueToken(name), { strict: false }), { readOnlyMode: env.QUEUE_DASHBOARD_READ_ONLY }),
    ),
    serverAdapter: adapter,
    options: { uiConfig: { boardTitle: 'Threadkeeper queues' } },
  });
  const guard = operatorsOnly(app.get(AdminTokenGuard), app.get(SessionsService));
  // In a scope of its own, so the operators-only hook guards the dashboard's routes alone.
  void app.getHttpAdapter().getInstance().register(async (scope) => {
    scope.addHook('onRequest', guard);
    await scope.register(adapter.registerPlugin(), { prefix: QUEUE_DASHBOARD_PATH });
  });
}
