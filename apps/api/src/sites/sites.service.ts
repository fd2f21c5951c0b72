import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { API_KEY_SCOPES, isPgError, Site } from '#app/database';
import { ApiKeysService } from '../auth/api-keys.service.js';
import { VerifiedKeyCache } from '../auth/verified-keys.js';
import { ApiError } from '../common/api-error.js';
import type { CreatedSite, CreateSiteDto, SiteView, UpdateSiteDto } from './sites.dto.js';
import { SiteSettingsCache } from './site-settings.cache.js';


function toView(site: Site): SiteView {
  const { id, name, slug, maxBodyLength, reportThreshold, storeRawAuthorData, rateLimitPerMinute, learnFromModerators, adaptationRevision, createdAt, updatedAt } = site;
  return { id, name, slug, maxBodyLength, reportThreshold, storeRawAuthorData, rateLimitPerMinute, learnFromModerators, adaptationRevision, createdAt, updatedAt };
}

@Injectable()
export class SitesService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly apiKeys: ApiKeysService,
    private readonly settingsCache: SiteSettingsCache,
    private readonly verifiedKeys: VerifiedKeyCache,
  ) {}

  private get sites() {
    return this.dataSource.getRepository(Site);
  }

  /** A new site and its first key, which carries every scope: it belongs to the site's owner. */
  async create(dto: CreateSiteDto): Promise<CreatedSite> {
    let site: Site;
    try {
      site = await this.sites.save(this.sites.create({ name: dto.name, slug: dto.slug }));
    } catch (error) {
      if (isPgError(error, 'uniqueViolation')) {
        throw new ApiError('conflict', `A site with slug "${dto.slug}" already exists`, [{ field: 'slug', problem: 'is already taken' }]);
      }
      throw error;
    }
    const scopes = [...API_KEY_SCOPES];
    const { secret } = await this.apiKeys.create(site.id, 'default', scopes);
    return { ...toView(site), apiKey: secret, apiKeyScopes: scopes };
  }

  async list(): Promise<SiteView[]> {
    return (await this.sites.find({ order: { createdAt: 'ASC' } })).map(toView);
  }

  async get(siteId: string): Promise<SiteView> {
    const site = await this.sites.findOneBy({ id: siteId });
    if (!site) throw ApiError.notFound('Site');
    return toView(site);
  }

  async update(siteId: string, dto: UpdateSiteDto): Promise<SiteView> {
    const site = await this.sites.findOneBy({ id: siteId });
    if (!site) throw ApiError.notFound('Site');
    const saved = await this.sites.save(this.sites.merge(site, dto));
    this.settingsCache.invalidate(siteId);
    this.verifiedKeys.siteChanged(siteId);
    return toView(saved);
  }
}
