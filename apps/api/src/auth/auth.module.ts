import { Global, Module } from '@nestjs/common';
import { ApiKeysService } from './api-keys.service.js';
import { AdminTokenGuard, SiteAdminGuard, SiteKeyGuard } from './guards.js';
import { ApiKeyRateLimitGuard } from './rate-limit.js';
import { VerifiedKeyCache } from './verified-keys.js';

const GUARDS = [AdminTokenGuard, SiteKeyGuard, SiteAdminGuard, ApiKeyRateLimitGuard];

@Global()
@Module({
  providers: [ApiKeysService, VerifiedKeyCache, ...GUARDS],
  exports: [ApiKeysService, VerifiedKeyCache, ...GUARDS],
})
export class AuthModule {}
