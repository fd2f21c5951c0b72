import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { Logger } from 'nestjs-pino';
import { Environment } from '#app/config';
import { listenOn, prepareProcess, shutdownOnSignals } from '#app/observability';
import { AppModule } from './app.module.js';
import { API_APP_OPTIONS, configureApp, createApiAdapter } from './configure-app.js';

await prepareProcess('api');
const app = await NestFactory.create<NestFastifyApplication>(AppModule, createApiAdapter(), API_APP_OPTIONS);
const logger = app.get(Logger);
app.useLogger(logger);
configureApp(app);
const env = app.get(Environment);
shutdownOnSignals(app, { logger, graceSeconds: env.SHUTDOWN_GRACE_SECONDS });
const address = await listenOn(app, env.PORT, env.LISTEN_ADDRESS);
logger.log(`API listening on ${address} port ${env.PORT}`);
