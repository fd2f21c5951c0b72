import { Module } from '@nestjs/common';
import { SitesModule } from '../sites/sites.module.js';
import { ThreadsController } from './threads.controller.js';
import { WebhooksController } from './webhooks.controller.js';
import { WebhooksService } from './webhooks.service.js';

@Module({ imports: [SitesModule], controllers: [WebhooksController, ThreadsController], providers: [WebhooksService] })
export class PublicationModule {}
