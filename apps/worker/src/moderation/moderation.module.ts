import { Module } from '@nestjs/common';
import { ModerationProcessor } from './moderation.processor.js';
import { ModerationService } from './moderation.service.js';
import { SpamCountersService } from './spam-counters.service.js';

@Module({ providers: [ModerationService, SpamCountersService, ModerationProcessor], exports: [ModerationProcessor] })
export class ModerationModule {}
