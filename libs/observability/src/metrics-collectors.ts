import { getQueueToken } from '@nestjs/bullmq';
import { Injectable, type OnModuleInit } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { InjectDataSource } from '@nestjs/typeorm';
import type { Queue } from 'bullmq';
import { DataSource } from 'typeorm';
import { QUEUES } from '#app/queue';
import { Metrics } from './metrics.js';

const JOB_STATES = ['waiting', 'active', 'delayed', 'failed', 'prioritized'] as const;

interface PgPool {
  totalCount: number;
  idleCount: number;
  waitingCount: number;
}

/** Fills the gauges that describe shared state (queues, outbox) and this process's pool, when scraped. */
@Injectable()
export class MetricsCollectors implements OnModuleInit {
  constructor(
    private readonly metrics: Metrics,
    private readonly modules: ModuleRef,
    @InjectDataSource() private readonly dataSource: DataSource,
  ) {}

  onModuleInit(): void {
    const queues = Object.values(QUEUES).map((name) => this.modules.get<Queue>(getQueueToken(name), { strict: false }));
    const { queueJobs, outboxBacklog, databasePool } = this.metrics;
    // prom-client calls collect() on every scrape; failures leave the last values rather than break /metrics.
    Object.assign(queueJobs, {
      collect: async () => {
        const counts = await Promise.all(queues.map((queue) => queue.getJobCounts(...JOB_STATES).catch(() => null)));
        counts.forEach((count, i) => {
          if (count) for (const state of JOB_STATES) queueJobs.set({ queue: queues[i].name, state }, count[state] ?? 0);
        });
      },
    });
    Object.assign(outboxBacklog, {
      collect: async () => {
        const [row] = await this.dataSource
          .query(`SELECT count(*)::int AS rows, COALESCE(extract(epoch FROM now() - min(created_at)), 0)::float8 AS age FROM outbox`)
          .catch(() => [null]);
        if (row) {
          outboxBacklog.set({ measure: 'rows' }, row.rows);
          outboxBacklog.set({ measure: 'oldest_seconds' }, row.age);
        }
      },
    });
    Object.assign(databasePool, {
      collect: () => {
        const pool = (this.dataSource.driver as unknown as { master?: PgPool }).master;
        if (!pool) return;
        databasePool.set({ state: 'total' }, pool.totalCount);
        databasePool.set({ state: 'idle' }, pool.idleCount);
        databasePool.set({ state: 'waiting' }, pool.waitingCount);
      },
    });
  }
}
