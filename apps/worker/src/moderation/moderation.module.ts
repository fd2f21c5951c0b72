import { Module } from '@nestjs/common';
import { ModerationProcessor } from './moderation.processor.js';
import { ModerationService } from './moderation.service.js';

@Module({ providers: [ModerationService, ModerationProcessor], exports: [ModerationProcessor] })
export class ModerationModule {}
