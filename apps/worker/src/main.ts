import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { Logger } from 'nestjs-pino';
import { Environment } from '#app/config';
import { listenOn, prepareProcess, shutdownOnSignals } from '#app/observability';
import { drainWorkers } from './drain.js';
import { WorkerModule } from './worker.module.js';

await prepareProcess('worker');
// Health and metrics only; Fastify, as the API.
const app = await NestFactory.create<NestFastifyApplication>(WorkerModule, new FastifyAdapter(), { bufferLogs: true });
const logger = app.get(Logger);
app.useLogger(logger);
const env = app.get(Environment);
shutdownOnSignals(app, { logger, graceSeconds: env.SHUTDOWN_GRACE_SECONDS, drain: () => drainWorkers(app) });
const address = await listenOn(app, env.WORKER_PORT, env.LISTEN_ADDRESS);
logger.log(`worker running; health on ${address} port ${env.WORKER_PORT}`);
