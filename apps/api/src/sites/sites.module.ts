import { Module } from '@nestjs/common';
import { ApiKeysController } from './api-keys.controller.js';
import { SiteSettingsCache } from './site-settings.cache.js';
import { SitesController } from './sites.controller.js';
import { SitesService } from './sites.service.js';

@Module({
  controllers: [SitesController, ApiKeysController],
  providers: [SitesService, SiteSettingsCache],
  exports: [SiteSettingsCache, SitesService],
})
export class SitesModule {}
