import { Injectable } from '@nestjs/common';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

/**
 * Every metric of the service, declared once (names, labels, buckets). Each process exposes its
 * own at /metrics; gauges that read queues or the database are filled by MetricsCollectors when
 * scraped.
 */
@Injectable()
export class Metrics {
  readonly registry = new Registry();

  readonly httpRequests = new Histogram({
    name: 'threadkeeper_http_request_duration_seconds',
    help: 'HTTP requests by route, method and status, with their duration',
    labelNames: ['route', 'method', 'status'] as const,
    buckets: LATENCY_BUCKETS,
    registers: [this.registry],
  });

  readonly commentsIngested = new Counter({
    name: 'threadkeeper_comments_ingested_total',
    help: 'Comments stored by the API, by how they came (single, batch) and outcome (accepted, duplicate)',
    labelNames: ['endpoint', 'outcome'] as const,
    registers: [this.registry],
  });

  readonly decisions = new Counter({
    name: 'threadkeeper_decisions_total',
    help: 'Decisions written, by action, the category of their first reason (none when clean) and who decided',
    labelNames: ['action', 'category', 'decided_by'] as const,
    registers: [this.registry],
  });

  readonly ingestToDecision = new Histogram({
    name: 'threadkeeper_ingest_to_decision_seconds',
    help: 'From a comment being stored to its engine decision',
    buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300],
    registers: [this.registry],
  });

  readonly enginePhase = new Histogram({
    name: 'threadkeeper_engine_phase_seconds',
    help: 'Time per engine phase per comment',
    labelNames: ['phase'] as const,
    buckets: [0.000005, 0.00001, 0.000025, 0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.005, 0.01],
    registers: [this.registry],
  });

  readonly queueJobs = new Gauge({
    name: 'threadkeeper_queue_jobs',
    help: 'Jobs per queue and state (waiting, active, delayed, failed)',
    labelNames: ['queue', 'state'] as const,
    registers: [this.registry],
  });

  readonly webhookDeliveries = new Counter({
    name: 'threadkeeper_webhook_attempts_total',
    help: 'Webhook delivery attempts by event and result (delivered, failed, dead, superseded)',
    labelNames: ['event', 'result'] as const,
    registers: [this.registry],
  });

  readonly webhookLatency = new Histogram({
    name: 'threadkeeper_webhook_latency_seconds',
    help: "Time the sites' article services took to answer",
    buckets: LATENCY_BUCKETS,
    registers: [this.registry],
  });

  readonly outboxBacklog = new Gauge({
    name: 'threadkeeper_outbox_backlog',
    help: 'Outbox rows not yet relayed to the queue, and the age of the oldest in seconds',
    labelNames: ['measure'] as const,
    registers: [this.registry],
  });

  readonly databasePool = new Gauge({
    name: 'threadkeeper_db_pool_connections',
    help: 'PostgreSQL pool connections of this process: total, idle, and requests waiting for one',
    labelNames: ['state'] as const,
    registers: [this.registry],
  });

  readonly reconciler = new Counter({
    name: 'threadkeeper_reconciler_actions_total',
    help: 'Repairs made by the reconciler: comments re-queued, deliveries re-queued',
    labelNames: ['action'] as const,
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: 'threadkeeper_process_' });
  }
}
