import { type DynamicModule, Module } from '@nestjs/common';
import { DemoSiteController } from './demo-site.controller.js';
import { DEMO_SITE_CONFIG } from './demo-site.constants.js';
import type { DemoSiteConfig } from './demo-site-config.js';
import { ThreadStore } from './thread-store.js';

/** The demo article service. Configured by its caller (main.ts from the environment, the tests directly). */
@Module({})
export class DemoSiteModule {
  static forRoot(config: DemoSiteConfig): DynamicModule {
    return {
      module: DemoSiteModule,
      controllers: [DemoSiteController],
      providers: [{ provide: DEMO_SITE_CONFIG, useValue: config }, ThreadStore],
    };
  }
}
