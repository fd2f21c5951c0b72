import { Body, Controller, Get, HttpCode, HttpStatus, Param, Patch, Post } from '@nestjs/common';
import { ApiBody, ApiOperation, ApiTags } from '@nestjs/swagger';
import { AdminAuth, SiteAdminAuth } from '../auth/guards.js';
import { IdPipe } from '../common/ids.js';
import { ApiErrors, ApiExample } from '../common/openapi.js';
import type { CreatedSite, SiteView } from './sites.dto.js';
import { CreateSiteDto, UpdateSiteDto } from './sites.dto.js';
import { SitesService } from './sites.service.js';

const SITE_EXAMPLE = {
  id: '5b0e3f0c-8d7a-4c1e-9f3e-1d2c3b4a5e6f',
  name: 'Daily News',
  slug: 'daily-news',
  maxBodyLength: 10000,
  reportThreshold: 3,
  storeRawAuthorData: false,
  rateLimitPerMinute: 1200,
  createdAt: '2026-11-25T09:00:00.000Z',
  updatedAt: '2026-11-25T09:00:00.000Z',
};

@ApiTags('admin')
@Controller('v1/admin/sites')
export class SitesController {
  constructor(private readonly sites: SitesService) {}

  @Post()
  @HttpCode(HttpStatus.CREATED)
  @AdminAuth()
  @ApiOperation({ summary: 'Create a site', description: 'Answers with its first API key (every scope), shown this once.' })
  @ApiBody({ type: CreateSiteDto, examples: { site: { value: { name: 'Daily News', slug: 'daily-news' } } } })
  @ApiExample(201, 'The site and its key', { ...SITE_EXAMPLE, apiKey: 'tk_3fK9…', apiKeyScopes: ['comments:write', 'comments:read', 'moderation', 'admin'] })
  @ApiErrors('validation_failed', 'unauthorized', 'conflict')
  create(@Body() dto: CreateSiteDto): Promise<CreatedSite> {
    return this.sites.create(dto);
  }

  @Get()
  @AdminAuth()
  @ApiOperation({ summary: 'List sites' })
  @ApiExample(200, 'Every site', [SITE_EXAMPLE])
  @ApiErrors('unauthorized')
  list(): Promise<SiteView[]> {
    return this.sites.list();
  }

  @Get(':siteId')
  @SiteAdminAuth()
  @ApiOperation({ summary: "A site and its settings (admin token, or the site's key with the admin scope)" })
  @ApiExample(200, 'The site', SITE_EXAMPLE)
  @ApiErrors('unauthorized', 'forbidden', 'not_found')
  get(@Param('siteId', new IdPipe('Site')) siteId: string): Promise<SiteView> {
    return this.sites.get(siteId);
  }

  @Patch(':siteId')
  @SiteAdminAuth()
  @ApiOperation({ summary: "Change a site's settings", description: 'Only the fields sent change. Running API processes pick changes up within 5 seconds.' })
  @ApiBody({ type: UpdateSiteDto, examples: { limits: { value: { maxBodyLength: 5000, reportThreshold: 2 } } } })
  @ApiExample(200, 'The site', SITE_EXAMPLE)
  @ApiErrors('validation_failed', 'unauthorized', 'forbidden', 'not_found')
  update(@Param('siteId', new IdPipe('Site')) siteId: string, @Body() dto: UpdateSiteDto): Promise<SiteView> {
    return this.sites.update(siteId, dto);
  }
}
