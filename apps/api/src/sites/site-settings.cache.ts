import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { Site } from '#app/database';
import { ApiError } from '../common/api-error.js';

export type SiteSettings = Pick<Site, 'maxBodyLength' | 'reportThreshold' | 'storeRawAuthorData'>;

/** How long a process keeps a site's settings; a change reaches every API process within this. */
const TTL_MS = 5_000;

/** Site settings read on the ingest path, kept briefly so a busy site costs no extra query per comment. */
@Injectable()
export class SiteSettingsCache {
  private readonly entries = new Map<string, { settings: Promise<SiteSettings>; expires: number }>();

  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  get(siteId: string): Promise<SiteSettings> {
    const now = Date.now();
    const cached = this.entries.get(siteId);
    if (cached && cached.expires > now) return cached.settings;
    const settings = this.load(siteId);
    this.entries.set(siteId, { settings, expires: now + TTL_MS });
    settings.catch(() => this.entries.delete(siteId));
    return settings;
  }

  /** Forgets a site's settings in this process, after this process changed them. */
  invalidate(siteId: string): void {
    this.entries.delete(siteId);
  }

  private async load(siteId: string): Promise<SiteSettings> {
    const site = await this.dataSource.getRepository(Site).findOne({
      where: { id: siteId },
      select: { maxBodyLength: true, reportThreshold: true, storeRawAuthorData: true },
    });
    if (!site) throw ApiError.notFound('Site');
    return site;
  }
}
