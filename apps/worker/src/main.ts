import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { Logger } from 'nestjs-pino';
import { Environment } from '#app/config';
import { prepareProcess, shutdownOnSignals } from '#app/observability';
import { drainWorkers } from './drain.js';
import { WorkerModule } from './worker.module.js';

await prepareProcess('worker');
const app = await NestFactory.create(WorkerModule, { bufferLogs: true });
const logger = app.get(Logger);
app.useLogger(logger);
const env = app.get(Environment);
shutdownOnSignals(app, { logger, graceSeconds: env.SHUTDOWN_GRACE_SECONDS, drain: () => drainWorkers(app) });
await app.listen(env.WORKER_PORT);
logger.log(`worker running; health on port ${env.WORKER_PORT}`);
