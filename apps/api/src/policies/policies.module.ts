import { Module } from '@nestjs/common';
import { SitesModule } from '../sites/sites.module.js';
import { ExternalScorerController } from './external-scorer.controller.js';
import { PoliciesController } from './policies.controller.js';

@Module({ imports: [SitesModule], controllers: [PoliciesController, ExternalScorerController] })
export class PoliciesModule {}
