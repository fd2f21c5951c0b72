import { Module } from '@nestjs/common';
import { OutboxRelayService } from './outbox-relay.service.js';
import { PublicationProcessor } from './publication.processor.js';

@Module({ providers: [OutboxRelayService, PublicationProcessor], exports: [OutboxRelayService, PublicationProcessor] })
export class PublicationModule {}
