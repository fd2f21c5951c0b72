import { Body, Controller, Get, Param, Patch, Post } from '@nestjs/common';
import { ApiBody, ApiOperation, ApiTags } from '@nestjs/swagger';
import { IdPipe } from '../common/ids.js';
import { ApiErrors, ApiExample } from '../common/openapi.js';
import { CreateModeratorDto, UpdateModeratorDto } from './moderators.dto.js';
import { type ModeratorAccount, ModeratorsService } from './moderators.service.js';
import { OperatorAuth, OperatorName } from './reviewer.guard.js';

const ACCOUNT_EXAMPLE = {
  id: '3c1f…', email: 'ann@news.example', name: 'Ann', role: 'moderator', siteIds: ['5b0e…'],
  disabled: false, lockedUntil: null, createdAt: '2026-11-25T09:00:00.000Z',
};

@ApiTags('admin')
@Controller('v1/admin/moderators')
@OperatorAuth()
export class ModeratorsController {
  constructor(private readonly moderators: ModeratorsService) {}

  @Post()
  @ApiOperation({ summary: 'Create a moderator (admin token, or an admin moderator)', description: 'The password is stored as a scrypt hash.' })
  @ApiBody({ type: CreateModeratorDto })
  @ApiExample(201, 'The account', ACCOUNT_EXAMPLE)
  @ApiErrors('validation_failed', 'unauthorized', 'forbidden', 'conflict')
  create(@Body() dto: CreateModeratorDto, @OperatorName() by: { actor: string; name: string }): Promise<ModeratorAccount> {
    return this.moderators.create(dto, by);
  }

  @Get()
  @ApiOperation({ summary: 'List moderators' })
  @ApiExample(200, 'The accounts', [ACCOUNT_EXAMPLE])
  @ApiErrors('unauthorized', 'forbidden')
  list(): Promise<ModeratorAccount[]> {
    return this.moderators.list();
  }

  @Patch(':id')
  @ApiOperation({ summary: 'Change a moderator: name, password, role, sites, disabled', description: 'A new password or disabling ends their sessions.' })
  @ApiBody({ type: UpdateModeratorDto })
  @ApiExample(200, 'The account', ACCOUNT_EXAMPLE)
  @ApiErrors('validation_failed', 'unauthorized', 'forbidden', 'not_found')
  update(
    @Param('id', new IdPipe('Moderator')) id: string,
    @Body() dto: UpdateModeratorDto,
    @OperatorName() by: { actor: string; name: string },
  ): Promise<ModeratorAccount> {
    return this.moderators.update(id, dto, by);
  }
}
