import { Body, Controller, Delete, Get, HttpCode, Param, Put } from '@nestjs/common';
import { ApiBody, ApiOperation, ApiTags } from '@nestjs/swagger';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { Environment } from '#app/config';
import { generateWebhookSecret, resolveWebhookTarget, UnsafeWebhookUrlError } from '#app/publishing';
import { SiteAdminAuth } from '../auth/guards.js';
import { ApiError } from '../common/api-error.js';
import { IdPipe } from '../common/ids.js';
import { ApiErrors, ApiExample, ApiNoContent } from '../common/openapi.js';
import { SitesService } from '../sites/sites.service.js';
import { SetExternalScorerDto } from './external-scorer.dto.js';

const siteId = new IdPipe('Site');
const VIEW = `url, timeout_ms AS "timeoutMs", failure_mode AS "failureMode", created_at AS "createdAt", updated_at AS "updatedAt"`;
const EXAMPLE = { url: 'https://ml.news.example/threadkeeper/score', timeoutMs: 1000, failureMode: 'open', createdAt: '2026-11-25T09:00:00.000Z', updatedAt: '2026-11-25T09:00:00.000Z' };

/**
 * A site's own model server, asked before the engine runs: POST, JSON
 * `{ site, comment, author, article }`, signed like webhooks (webhook-id, webhook-timestamp,
 * webhook-signature); it answers `{ scores?: { name: 0..1 }, action?: approve|hold|reject, reason? }`.
 */
@ApiTags('policy')
@Controller('v1/sites/:siteId/external-scorer')
@SiteAdminAuth()
export class ExternalScorerController {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly sites: SitesService,
    private readonly env: Environment,
  ) {}

  @Get()
  @ApiOperation({ summary: "The site's external scorer (never its secret)" })
  @ApiExample(200, 'The scorer', EXAMPLE)
  @ApiErrors('unauthorized', 'forbidden', 'not_found')
  async get(@Param('siteId', siteId) site: string) {
    const [row] = await this.dataSource.query(`SELECT ${VIEW} FROM site_external_scorers WHERE site_id = $1`, [site]);
    if (!row) throw ApiError.notFound('External scorer');
    return row;
  }

  @Put()
  @ApiOperation({
    summary: 'Set the external scorer',
    description:
      'Scores it returns join the engine\'s (the policy thresholds apply to them by name); an action can make the verdict stricter, never laxer. The first time, the answer holds the signing secret, shown once.',
  })
  @ApiBody({ type: SetExternalScorerDto })
  @ApiExample(200, 'The scorer (with its secret the first time)', { ...EXAMPLE, secret: 'whsec_…' })
  @ApiErrors('validation_failed', 'unauthorized', 'forbidden', 'not_found')
  async set(@Param('siteId', siteId) site: string, @Body() dto: SetExternalScorerDto) {
    await this.sites.get(site);
    try {
      await resolveWebhookTarget(dto.url, this.env.WEBHOOK_ALLOW_PRIVATE);
    } catch (error) {
      if (!(error instanceof UnsafeWebhookUrlError)) throw error;
      throw ApiError.invalid('url', error.message);
    }
    const secret = generateWebhookSecret();
    const [row] = await this.dataSource.query(
      `INSERT INTO site_external_scorers (site_id, url, secret, timeout_ms, failure_mode) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (site_id) DO UPDATE SET url = EXCLUDED.url, timeout_ms = EXCLUDED.timeout_ms, failure_mode = EXCLUDED.failure_mode, updated_at = now()
       RETURNING ${VIEW}, (xmax = 0) AS created`,
      [site, dto.url, secret, dto.timeoutMs ?? 1000, dto.failureMode ?? 'open'],
    );
    const { created, ...view } = row;
    return created ? { ...view, secret } : view;
  }

  @Delete()
  @HttpCode(204)
  @ApiOperation({ summary: 'Stop asking the external scorer' })
  @ApiNoContent('Removed')
  @ApiErrors('unauthorized', 'forbidden', 'not_found')
  async remove(@Param('siteId', siteId) site: string): Promise<void> {
    await this.sites.get(site);
    await this.dataSource.query(`DELETE FROM site_external_scorers WHERE site_id = $1`, [site]);
  }
}
