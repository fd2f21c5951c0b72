import type { INestApplicationContext } from '@nestjs/common';
import { LearningService } from './learning/learning.service.js';
import { ModerationProcessor } from './moderation/moderation.processor.js';
import { OutboxRelayService } from './publication/outbox-relay.service.js';
import { PublicationProcessor } from './publication/publication.processor.js';
import { ReconcilerService } from './reconciler/reconciler.service.js';

/** Every processor of this worker; each is closed before shutdown so its active jobs finish. */
export const PROCESSORS = [ModerationProcessor, PublicationProcessor];
/** Every background round of this worker; each is stopped before the processors close. */
const ROUNDS = [OutboxRelayService, LearningService, ReconcilerService];

/**
 * Stops taking work and waits for what is in flight, while the database is still connected:
 * the background rounds (relay, learning, reconciler), then each processor's active jobs.
 */
export async function drainWorkers(app: INestApplicationContext): Promise<void> {
  await Promise.all(ROUNDS.map((round) => app.get(round).onModuleDestroy()));
  await Promise.all(PROCESSORS.map((processor) => app.get(processor, { strict: false }).worker.close()));
}
