import { Module } from '@nestjs/common';
import { SitesModule } from '../sites/sites.module.js';
import { PoliciesController } from './policies.controller.js';

@Module({ imports: [SitesModule], controllers: [PoliciesController] })
export class PoliciesModule {}
