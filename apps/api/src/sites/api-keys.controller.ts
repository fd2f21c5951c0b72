import { Body, Controller, Get, HttpCode, Param, Post } from '@nestjs/common';
import { ApiBody, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiKeysService, type ApiKeyView, toKeyView } from '../auth/api-keys.service.js';
import { SiteAdminAuth } from '../auth/guards.js';
import { IdPipe } from '../common/ids.js';
import { ApiErrors, ApiExample } from '../common/openapi.js';
import { CreateApiKeyDto, RotateApiKeyDto } from './sites.dto.js';
import { SitesService } from './sites.service.js';

const siteId = new IdPipe('Site');
const keyId = new IdPipe('API key');
const KEY_EXAMPLE = {
  id: '9a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d',
  siteId: '5b0e3f0c-8d7a-4c1e-9f3e-1d2c3b4a5e6f',
  name: 'comment-ingest',
  prefix: 'tk_3fK9aQ2x',
  scopes: ['comments:write', 'comments:read'],
  createdAt: '2026-11-25T09:00:00.000Z',
  lastUsedAt: '2026-11-25T09:41:00.000Z',
  revokedAt: null,
};

/** A site's API keys: admin token, or a key of the same site with the admin scope. */
@ApiTags('admin')
@Controller('v1/admin/sites/:siteId/keys')
@SiteAdminAuth()
export class ApiKeysController {
  constructor(
    private readonly keys: ApiKeysService,
    private readonly sites: SitesService,
  ) {}

  @Get()
  @ApiOperation({ summary: "List a site's keys (never their secrets)" })
  @ApiExample(200, 'The keys', [KEY_EXAMPLE])
  @ApiErrors('unauthorized', 'forbidden', 'not_found')
  async list(@Param('siteId', siteId) site: string): Promise<ApiKeyView[]> {
    await this.sites.get(site);
    return this.keys.list(site);
  }

  @Post()
  @ApiOperation({ summary: 'Create a key', description: 'The answer holds the key itself, shown this once.' })
  @ApiBody({ type: CreateApiKeyDto })
  @ApiExample(201, 'The key', { ...KEY_EXAMPLE, key: 'tk_3fK9aQ2x…' })
  @ApiErrors('validation_failed', 'unauthorized', 'forbidden', 'not_found')
  async create(@Param('siteId', siteId) site: string, @Body() dto: CreateApiKeyDto): Promise<ApiKeyView & { key: string }> {
    await this.sites.get(site);
    const { key, secret } = await this.keys.create(site, dto.name, dto.scopes);
    return { ...toKeyView(key), key: secret };
  }

  @Post(':keyId/revoke')
  @HttpCode(200)
  @ApiOperation({ summary: 'Revoke a key', description: 'Refused from the next request on, in every API process.' })
  @ApiExample(200, 'The revoked key', { ...KEY_EXAMPLE, revokedAt: '2026-11-25T10:00:00.000Z' })
  @ApiErrors('unauthorized', 'forbidden', 'not_found')
  revoke(@Param('siteId', siteId) site: string, @Param('keyId', keyId) key: string): Promise<ApiKeyView> {
    return this.keys.revoke(site, key);
  }

  @Post(':keyId/rotate')
  @ApiOperation({
    summary: 'Rotate a key',
    description: 'A new key with the same name and scopes; the old one keeps working for graceSeconds (default 0), then is refused.',
  })
  @ApiBody({ type: RotateApiKeyDto, examples: { overlap: { value: { graceSeconds: 3600 } } } })
  @ApiExample(201, 'The new key', { ...KEY_EXAMPLE, key: 'tk_9Zq…' })
  @ApiErrors('validation_failed', 'unauthorized', 'forbidden', 'not_found', 'conflict')
  async rotate(
    @Param('siteId', siteId) site: string,
    @Param('keyId', keyId) key: string,
    @Body() dto: RotateApiKeyDto,
  ): Promise<ApiKeyView & { key: string }> {
    const { key: created, secret } = await this.keys.rotate(site, key, dto.graceSeconds ?? 0);
    return { ...toKeyView(created), key: secret };
  }
}
