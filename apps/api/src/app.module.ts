import { Module } from '@nestjs/common';
import { ConfigModule } from '#app/config';
import { DatabaseModule } from '#app/database';
import { HealthModule, LoggingModule, MetricsModule } from '#app/observability';
import { QueueModule } from '#app/queue';
import { SitePolicyModule } from '#app/site-policy';
import { AuditModule } from './audit/audit.module.js';
import { AuthModule } from './auth/auth.module.js';
import { CommentsModule } from './comments/comments.module.js';
import { ModerationModule } from './moderation/moderation.module.js';
import { ModeratorsModule } from './moderators/moderators.module.js';
import { PoliciesModule } from './policies/policies.module.js';
import { PublicationModule } from './publication/publication.module.js';
import { SitesModule } from './sites/sites.module.js';

/** The HTTP API. It stores and enqueues; it never runs a queue processor. */
@Module({
  imports: [
    ConfigModule,
    LoggingModule,
    DatabaseModule,
    QueueModule.forRoot('producer'),
    HealthModule,
    MetricsModule,
    AuthModule,
    AuditModule,
    ModeratorsModule,
    SitePolicyModule,
    SitesModule,
    CommentsModule,
    PoliciesModule,
    ModerationModule,
    PublicationModule,
  ],
})
export class AppModule {}
