import { BullModule } from '@nestjs/bullmq';
import { type DynamicModule, Inject, Module, type OnApplicationShutdown } from '@nestjs/common';
import { Redis } from 'ioredis';
import { Environment } from '#app/config';
import { QUEUES } from './jobs.js';
import { type ConnectionRole, redisOptions } from './redis-connection.js';

/**
 * BullMQ wired to REDIS_URL and QUEUE_PREFIX, with every queue of QUEUES registered, and one plain
 * Redis client (health checks, counters, rate limits) injectable as `Redis`.
 */
@Module({})
export class QueueModule implements OnApplicationShutdown {
  constructor(@Inject(Redis) private readonly redis: Redis) {}

  async onApplicationShutdown(): Promise<void> {
    await this.redis.quit().catch(() => this.redis.disconnect());
  }

  static forRoot(role: ConnectionRole): DynamicModule {
    return {
      module: QueueModule,
      global: true,
      imports: [
        BullModule.forRootAsync({
          inject: [Environment],
          useFactory: (env: Environment) => ({
            connection: redisOptions(env.REDIS_URL, role),
            prefix: env.QUEUE_PREFIX,
          }),
        }),
        BullModule.registerQueue(...Object.values(QUEUES).map((name) => ({ name }))),
      ],
      providers: [
        {
          provide: Redis,
          inject: [Environment],
          useFactory: (env: Environment) => new Redis(redisOptions(env.REDIS_URL, role)),
        },
      ],
      exports: [BullModule, Redis],
    };
  }
}
