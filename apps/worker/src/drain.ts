import type { INestApplicationContext } from '@nestjs/common';
import { ModerationProcessor } from './moderation/moderation.processor.js';

/** Every processor of this worker; each is closed before shutdown so its active jobs finish. */
export const PROCESSORS = [ModerationProcessor];

/** Stops taking jobs and waits for the active ones, while the database is still connected. */
export async function drainWorkers(app: INestApplicationContext): Promise<void> {
  await Promise.all(PROCESSORS.map((processor) => app.get(processor, { strict: false }).worker.close()));
}
