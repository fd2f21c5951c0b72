import { Global, Module } from '@nestjs/common';
import { SitePolicyService } from './site-policy.service.js';

@Global()
@Module({ providers: [SitePolicyService], exports: [SitePolicyService] })
export class SitePolicyModule {}
