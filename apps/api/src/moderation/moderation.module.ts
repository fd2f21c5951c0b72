import { Module } from '@nestjs/common';
import { AuthorsService } from './authors.service.js';
import { ModerationController } from './moderation.controller.js';
import { ReviewItemsService } from './review-items.service.js';
import { ReviewService } from './review.service.js';

@Module({ controllers: [ModerationController], providers: [ReviewItemsService, ReviewService, AuthorsService] })
export class ModerationModule {}
