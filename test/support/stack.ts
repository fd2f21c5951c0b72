import { randomBytes } from 'node:crypto';
import type { INestApplication } from '@nestjs/common';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { Test } from '@nestjs/testing';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { AppModule } from '../../apps/api/src/app.module.js';
import { API_APP_OPTIONS, configureApp, createApiAdapter } from '../../apps/api/src/configure-app.js';
import { WorkerModule } from '../../apps/worker/src/worker.module.js';

export const ADMIN_TOKEN = process.env.ADMIN_TOKEN ?? '';

export interface Stack {
  api: NestFastifyApplication;
  worker: INestApplication | null;
  http: ReturnType<NestFastifyApplication['getHttpServer']>;
  queuePrefix: string;
  /** The API's connection, for assertions on stored rows. */
  db: DataSource;
  close(): Promise<void>;
}

/**
 * The API and (optionally) the worker in this test process, on the real PostgreSQL and Redis that
 * `npm test` provisions. Each stack gets its own queue prefix so test files running in parallel
 * never take each other's jobs; a stack given another's prefix is a second process of the same
 * deployment.
 */
export async function startStack(options: { worker?: boolean; queuePrefix?: string; env?: Record<string, string> } = {}): Promise<Stack> {
  if (!process.env.DATABASE_URL || !process.env.REDIS_URL || !ADMIN_TOKEN) {
    throw new Error('DATABASE_URL, REDIS_URL and ADMIN_TOKEN must be set: run the tests with `npm test`');
  }
  const queuePrefix = options.queuePrefix ?? `tk-test-${randomBytes(4).toString('hex')}`;
  const outer = { ...process.env };
  Object.assign(process.env, options.env, { QUEUE_PREFIX: queuePrefix });
  process.env.LOG_LEVEL ??= 'warn';

  const apiModule = await Test.createTestingModule({ imports: [AppModule] }).compile();
  const api = apiModule.createNestApplication<NestFastifyApplication>(createApiAdapter(), API_APP_OPTIONS);
  configureApp(api);
  await api.init();
  await api.getHttpAdapter().getInstance().ready();

  let worker: INestApplication | null = null;
  if (options.worker ?? true) {
    const workerModule = await Test.createTestingModule({ imports: [WorkerModule] }).compile();
    const app = workerModule.createNestApplication<NestFastifyApplication>(new FastifyAdapter());
    await app.init();
    await app.getHttpAdapter().getInstance().ready();
    worker = app;
  }
  // Settings given for this stack apply to it alone; each module read them while compiling.
  if (options.env) process.env = outer;
  return {
    api,
    worker,
    http: api.getHttpServer(),
    queuePrefix,
    db: api.get(DataSource),
    async close() {
      await worker?.close();
      await api.close();
    },
  };
}

let counter = 0;
/** A unique suffix for names within one test run. */
export function unique(label: string): string {
  counter += 1;
  return `${label}-${Date.now().toString(36)}-${counter}-${randomBytes(2).toString('hex')}`;
}

export async function createSite(stack: Stack, name = 'Test site'): Promise<{ id: string; slug: string; apiKey: string }> {
  const response = await request(stack.http)
    .post('/v1/admin/sites')
    .set('Authorization', `Bearer ${ADMIN_TOKEN}`)
    .send({ name, slug: unique('site') })
    .expect(201);
  return response.body;
}

const CALM_REMARKS = [
  'I think the council made the right call here.',
  'Interesting piece, though the figures in the third paragraph look off.',
  'We had the same debate in our town last year.',
  'Thanks for covering this, it matters to a lot of people.',
  'The bridge should have been finished years ago.',
];

/**
 * A valid comment. Each call is a different author with a different text, so the spam counters
 * (repeats, posting rates) never link comments of unrelated tests.
 */
export function commentPayload(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  counter += 1;
  return {
    externalId: unique('c'),
    articleId: 'article-1',
    articleTitle: 'An article',
    articleUrl: 'https://news.example/articles/1',
    author: { id: unique('reader'), name: 'A Reader' },
    body: `${CALM_REMARKS[counter % CALM_REMARKS.length]} (${counter})`,
    ...overrides,
  };
}

/** Polls until the comment leaves `pending`; fails with the last state seen after the timeout. */
export async function waitForDecision(stack: Stack, apiKey: string, id: string, timeoutMs = 15_000) {
  const deadline = Date.now() + timeoutMs;
  let last: { status?: string } = {};
  while (Date.now() < deadline) {
    const response = await request(stack.http).get(`/v1/comments/${id}`).set('Authorization', `Bearer ${apiKey}`);
    last = response.body;
    if (response.status === 200 && response.body.status !== 'pending') return response.body;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`comment ${id} not decided within ${timeoutMs} ms; last seen ${JSON.stringify(last)}`);
}
