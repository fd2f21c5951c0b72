import { Global, Module } from '@nestjs/common';
import { AuthController } from './auth.controller.js';
import { ModeratorsController } from './moderators.controller.js';
import { ModeratorsService } from './moderators.service.js';
import { OperatorGuard, ReviewerGuard } from './reviewer.guard.js';
import { SessionsService } from './sessions.service.js';

@Global()
@Module({
  controllers: [AuthController, ModeratorsController],
  providers: [SessionsService, ModeratorsService, ReviewerGuard, OperatorGuard],
  exports: [SessionsService, ReviewerGuard, OperatorGuard],
})
export class ModeratorsModule {}
