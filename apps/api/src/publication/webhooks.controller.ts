import { Body, Controller, Get, HttpCode, Param, Post, Put, Query } from '@nestjs/common';
import { ApiBody, ApiOperation, ApiTags } from '@nestjs/swagger';
import { SiteAdminAuth } from '../auth/guards.js';
import { IdPipe } from '../common/ids.js';
import { ApiErrors, ApiExample } from '../common/openapi.js';
import { SitesService } from '../sites/sites.service.js';
import { DeliveriesQuery, RotateSecretDto, SetWebhookDto } from './webhooks.dto.js';
import { WebhooksService } from './webhooks.service.js';

const siteId = new IdPipe('Site');
const deliveryId = new IdPipe('Delivery');
const WEBHOOK_EXAMPLE = {
  url: 'https://news.example/hooks/threadkeeper',
  events: ['thread.updated'],
  previousSecretValidUntil: null,
  createdAt: '2026-11-25T09:00:00.000Z',
  updatedAt: '2026-11-25T09:00:00.000Z',
};
const DELIVERY_EXAMPLE = {
  id: 'c0ffee00-…', eventType: 'thread.updated', articleId: 'article-42', threadVersion: 17, url: WEBHOOK_EXAMPLE.url,
  status: 'dead', attempts: 36, lastStatusCode: 500, lastError: 'HTTP 500: upstream down',
  createdAt: '2026-11-24T09:00:00.000Z', updatedAt: '2026-11-25T09:10:00.000Z', deliveredAt: null,
};

/** Where a site's approved threads are published, and the record of every delivery. */
@ApiTags('publication')
@Controller('v1/sites/:siteId')
@SiteAdminAuth()
export class WebhooksController {
  constructor(
    private readonly webhooks: WebhooksService,
    private readonly sites: SitesService,
  ) {}

  @Get('webhook')
  @ApiOperation({ summary: "The site's webhook (never its secret)" })
  @ApiExample(200, 'The webhook', WEBHOOK_EXAMPLE)
  @ApiErrors('unauthorized', 'forbidden', 'not_found')
  get(@Param('siteId', siteId) site: string) {
    return this.webhooks.get(site);
  }

  @Put('webhook')
  @ApiOperation({
    summary: 'Set the webhook URL and events',
    description: 'Events: thread.updated (the whole approved thread of an article, on every visible change) and comment.approved/held/rejected. The first time, the answer holds the signing secret (whsec_…), shown once.',
  })
  @ApiBody({ type: SetWebhookDto, examples: { threads: { value: { url: WEBHOOK_EXAMPLE.url, events: ['thread.updated', 'comment.held'] } } } })
  @ApiExample(200, 'The webhook (with its secret the first time)', { ...WEBHOOK_EXAMPLE, secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw' })
  @ApiErrors('validation_failed', 'unauthorized', 'forbidden', 'not_found')
  async set(@Param('siteId', siteId) site: string, @Body() dto: SetWebhookDto) {
    await this.sites.get(site);
    return this.webhooks.set(site, dto);
  }

  @Post('webhook/rotate-secret')
  @HttpCode(200)
  @ApiOperation({ summary: 'Rotate the signing secret', description: 'The new secret is shown once; the old one keeps signing too (two signatures) for overlapSeconds (default a day).' })
  @ApiBody({ type: RotateSecretDto })
  @ApiExample(200, 'The webhook with the new secret', { ...WEBHOOK_EXAMPLE, previousSecretValidUntil: '2026-11-26T09:00:00.000Z', secret: 'whsec_…' })
  @ApiErrors('validation_failed', 'unauthorized', 'forbidden', 'not_found')
  rotate(@Param('siteId', siteId) site: string, @Body() dto: RotateSecretDto) {
    return this.webhooks.rotateSecret(site, dto.overlapSeconds ?? 86_400);
  }

  @Get('deliveries')
  @ApiOperation({ summary: "The site's deliveries, newest first", description: 'Filter by status (pending, delivered, dead, superseded) or article.' })
  @ApiExample(200, 'A page of deliveries', { items: [DELIVERY_EXAMPLE], nextCursor: null })
  @ApiErrors('validation_failed', 'unauthorized', 'forbidden', 'not_found')
  async deliveries(@Param('siteId', siteId) site: string, @Query() query: DeliveriesQuery) {
    await this.sites.get(site);
    return this.webhooks.deliveries(site, query);
  }

  @Get('deliveries/:deliveryId')
  @ApiOperation({ summary: 'One delivery with its payload and every attempt (status code, latency, error)' })
  @ApiExample(200, 'The delivery', { ...DELIVERY_EXAMPLE, payload: {}, attempts: [{ attemptedAt: '2026-11-24T09:00:01.000Z', statusCode: 500, latencyMs: 41, error: 'HTTP 500: upstream down' }] })
  @ApiErrors('unauthorized', 'forbidden', 'not_found')
  delivery(@Param('siteId', siteId) site: string, @Param('deliveryId', deliveryId) id: string) {
    return this.webhooks.delivery(site, id);
  }

  @Post('deliveries/:deliveryId/replay')
  @HttpCode(200)
  @ApiOperation({ summary: 'Send a delivery again now (same message id), with a fresh round of retries' })
  @ApiExample(200, 'The delivery, pending again', { ...DELIVERY_EXAMPLE, status: 'pending', payload: {}, attempts: [] })
  @ApiErrors('unauthorized', 'forbidden', 'not_found', 'service_unavailable')
  replay(@Param('siteId', siteId) site: string, @Param('deliveryId', deliveryId) id: string) {
    return this.webhooks.replay(site, id);
  }

  @Post('deliveries/replay-dead')
  @HttpCode(200)
  @ApiOperation({ summary: 'Send every dead-lettered delivery again' })
  @ApiExample(200, 'How many', { replayed: 3 })
  @ApiErrors('unauthorized', 'forbidden', 'not_found', 'service_unavailable')
  async replayDead(@Param('siteId', siteId) site: string) {
    await this.sites.get(site);
    return this.webhooks.replayDead(site);
  }
}
