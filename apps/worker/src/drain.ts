import type { INestApplicationContext } from '@nestjs/common';
import { LearningService } from './learning/learning.service.js';
import { ModerationProcessor } from './moderation/moderation.processor.js';
import { OutboxRelayService } from './publication/outbox-relay.service.js';
import { PublicationProcessor } from './publication/publication.processor.js';

/** Every processor of this worker; each is closed before shutdown so its active jobs finish. */
export const PROCESSORS = [ModerationProcessor, PublicationProcessor];

/**
 * Stops taking work and waits for what is in flight, while the database is still connected:
 * the outbox relay's round, then each processor's active jobs.
 */
export async function drainWorkers(app: INestApplicationContext): Promise<void> {
  await app.get(OutboxRelayService).stop();
  await app.get(LearningService).onModuleDestroy();
  await Promise.all(PROCESSORS.map((processor) => app.get(processor, { strict: false }).worker.close()));
}
