import { Module } from '@nestjs/common';
import { SitesModule } from '../sites/sites.module.js';
import { PersonalDataHasher } from './author-context.js';
import { CommentsController } from './comments.controller.js';
import { CommentsService } from './comments.service.js';
import { IngestService } from './ingest.service.js';
import { ModerationQueueService } from './moderation-queue.service.js';

@Module({
  imports: [SitesModule],
  controllers: [CommentsController],
  providers: [IngestService, CommentsService, ModerationQueueService, PersonalDataHasher],
})
export class CommentsModule {}
