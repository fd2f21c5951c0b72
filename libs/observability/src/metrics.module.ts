import { Controller, Get, Global, Header, Module } from '@nestjs/common';
import { Metrics } from './metrics.js';
import { MetricsCollectors } from './metrics-collectors.js';

/** Prometheus text format, for scraping from the operators' network. */
@Controller('metrics')
export class MetricsController {
  constructor(private readonly metrics: Metrics) {}

  @Get()
  @Header('Content-Type', 'text/plain; version=0.0.4; charset=utf-8')
  @Header('Cache-Control', 'no-store')
  scrape(): Promise<string> {
    return this.metrics.registry.metrics();
  }
}

@Global()
@Module({ controllers: [MetricsController], providers: [Metrics, MetricsCollectors], exports: [Metrics] })
export class MetricsModule {}
