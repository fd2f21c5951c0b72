import { Global, Module } from '@nestjs/common';
import { ModelScoring } from './model-scoring.js';
import { SitePolicyService } from './site-policy.service.js';

@Global()
@Module({ providers: [SitePolicyService, ModelScoring], exports: [SitePolicyService, ModelScoring] })
export class SitePolicyModule {}
