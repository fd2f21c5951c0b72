import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { configureDemoSite, DEMO_SITE_APP_OPTIONS } from './configure-demo-site.js';
import { DemoSiteModule } from './demo-site.module.js';
import { type DemoSiteConfig, DemoSiteConfigError, loadDemoSiteConfig } from './demo-site-config.js';

/** A bad or missing variable stops the process with one message naming each, before anything listens. */
function configOrExit(): DemoSiteConfig {
  try {
    return loadDemoSiteConfig();
  } catch (error) {
    if (!(error instanceof DemoSiteConfigError)) throw error;
    process.stderr.write(`threadkeeper demo-site: ${error.message}\n`);
    process.exit(1);
  }
}

const config = configOrExit();
const app = await NestFactory.create<NestExpressApplication>(DemoSiteModule.forRoot(config), DEMO_SITE_APP_OPTIONS);
configureDemoSite(app);
app.enableShutdownHooks();
await app.listen(config.port);
new Logger('DemoSite').log(`demo article site on http://localhost:${config.port} (webhook: POST /webhooks/threadkeeper)`);
