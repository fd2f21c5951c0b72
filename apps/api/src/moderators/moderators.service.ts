import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { isPgError, Moderator } from '#app/database';
import { AuditService } from '../audit/audit.service.js';
import { ApiError } from '../common/api-error.js';
import type { CreateModeratorDto, UpdateModeratorDto } from './moderators.dto.js';
import { hashPassword } from './passwords.js';
import type { ModeratorView } from './sessions.service.js';


export interface ModeratorAccount extends ModeratorView {
  disabled: boolean;
  lockedUntil: Date | null;
  createdAt: Date;
}

function toAccount(m: Moderator): ModeratorAccount {
  return {
    id: m.id,
    email: m.email,
    name: m.name,
    role: m.role,
    siteIds: m.siteIds,
    disabled: m.disabledAt !== null,
    lockedUntil: m.lockedUntil,
    createdAt: m.createdAt,
  };
}

/** What the audit log keeps of an account: never the password hash. */
const auditView = ({ email, name, role, siteIds, disabled }: ModeratorAccount) => ({ email, name, role, siteIds, disabled });

@Injectable()
export class ModeratorsService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly audit: AuditService,
  ) {}

  async create(dto: CreateModeratorDto, by: { actor: string; name: string }): Promise<ModeratorAccount> {
    await this.requireSites(dto.siteIds);
    const passwordHash = await hashPassword(dto.password);
    return this.dataSource.transaction(async (tx) => {
      const repository = tx.getRepository(Moderator);
      let saved: Moderator;
      try {
        saved = await repository.save(repository.create({ email: dto.email, name: dto.name, role: dto.role, siteIds: dto.siteIds, passwordHash }));
      } catch (error) {
        if (!isPgError(error, 'uniqueViolation')) throw error;
        throw new ApiError('conflict', `A moderator with e-mail ${dto.email} exists`, [{ field: 'email', problem: 'is already used' }]);
      }
      const account = toAccount(saved);
      await this.audit.record(tx, {
        siteId: null, actor: by.actor, actorName: by.name, action: 'moderator.create', subjectType: 'moderator',
        subjectId: saved.id, before: null, after: auditView(account), reason: null,
      });
      return account;
    });
  }

  async list(): Promise<ModeratorAccount[]> {
    return (await this.dataSource.getRepository(Moderator).find({ order: { createdAt: 'ASC' } })).map(toAccount);
  }

  async update(id: string, dto: UpdateModeratorDto, by: { actor: string; name: string }): Promise<ModeratorAccount> {
    if (dto.siteIds) await this.requireSites(dto.siteIds);
    const passwordHash = dto.password ? await hashPassword(dto.password) : undefined;
    return this.dataSource.transaction(async (tx) => {
      const repository = tx.getRepository(Moderator);
      const current = await repository.findOne({ where: { id }, lock: { mode: 'pessimistic_write' } });
      if (!current) throw ApiError.notFound('Moderator');
      const before = toAccount(current);
      const { password: _password, disabled, ...fields } = dto;
      const changed = repository.merge(current, {
        ...fields,
        ...(passwordHash ? { passwordHash, failedLogins: 0, lockedUntil: null } : {}),
        ...(disabled === undefined ? {} : { disabledAt: disabled ? (current.disabledAt ?? new Date()) : null }),
      });
      const saved = await repository.save(changed);
      // A new password or a disabled account ends every open session.
      if (passwordHash || disabled) await tx.query(`DELETE FROM moderator_sessions WHERE moderator_id = $1`, [id]);
      const account = toAccount(saved);
      await this.audit.record(tx, {
        siteId: null, actor: by.actor, actorName: by.name, action: 'moderator.update', subjectType: 'moderator',
        subjectId: id, before: auditView(before), after: { ...auditView(account), ...(passwordHash ? { passwordChanged: true } : {}) }, reason: null,
      });
      return account;
    });
  }

  private async requireSites(siteIds: string[]): Promise<void> {
    if (siteIds.length === 0) return;
    const [{ found }] = await this.dataSource.query(`SELECT count(*)::int AS found FROM sites WHERE id = ANY($1::uuid[])`, [siteIds]);
    if (found !== siteIds.length) throw ApiError.invalid('siteIds', 'names a site that does not exist');
  }
}
