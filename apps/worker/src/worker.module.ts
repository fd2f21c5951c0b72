import { Module } from '@nestjs/common';
import { ConfigModule } from '#app/config';
import { DatabaseModule } from '#app/database';
import { HealthModule, LoggingModule, MetricsModule } from '#app/observability';
import { QueueModule } from '#app/queue';
import { SitePolicyModule } from '#app/site-policy';
import { ModerationModule } from './moderation/moderation.module.js';
import { PublicationModule } from './publication/publication.module.js';
import { LearningModule } from './learning/learning.module.js';
import { ReconcilerModule } from './reconciler/reconciler.module.js';

/** The worker: queue processors, plus a small HTTP listener for health. */
@Module({
  imports: [
    ConfigModule,
    LoggingModule,
    DatabaseModule,
    QueueModule.forRoot('consumer'),
    HealthModule,
    MetricsModule,
    SitePolicyModule,
    ModerationModule,
    PublicationModule,
    ReconcilerModule,
    LearningModule,
  ],
})
export class WorkerModule {}
