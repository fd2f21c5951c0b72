import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { isPgError, SitePolicyVersion } from '#app/database';
import { EXTERNAL_SCORES } from './external-scores.js';
import { ModelScoring } from './model-scoring.js';
import {
  DEFAULT_POLICY,
  type EngineOptions,
  ModerationEngine,
  type PolicyProblem,
  type SitePolicy,
  type SitePolicyInput,
  validatePolicy,
} from '#app/moderation-engine';

export interface PolicyView {
  siteId: string;
  /** 0 while the site has never set a policy (the defaults are in force). */
  version: number;
  /** As the site sent it; merged over the defaults to make `effective`. */
  policy: SitePolicyInput;
  effective: SitePolicy;
  changedBy: string | null;
  createdAt: Date | null;
}

export class InvalidPolicyError extends Error {
  constructor(readonly problems: PolicyProblem[]) {
    super(`invalid policy: ${problems.map((p) => `${p.field} ${p.problem}`).join('; ')}`);
  }
}

/** Compiled engines kept per site; a compiled word-list automaton is worth reusing. */
const MAX_CACHED_ENGINES = 1000;

/**
 * Sites' moderation policies: versioned in PostgreSQL (each change kept, with who and when), and
 * compiled into engines on demand. A caller that knows the version in force gets the engine of
 * exactly that version, so a change reaches running workers with their next comment.
 */
@Injectable()
export class SitePolicyService {
  private readonly engines = new Map<string, { version: number; engine: ModerationEngine }>();
  private recordTimings = false;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly scoring: ModelScoring,
  ) {}

  /** Per-phase timings in verdicts (the worker's metrics want them). */
  recordEngineTimings(): void {
    this.recordTimings = true;
    this.engines.clear();
  }

  private engineOptions(siteId: string): EngineOptions {
    return { recordTimings: this.recordTimings, scorers: [this.scoring.scorerFor(siteId), EXTERNAL_SCORES] };
  }

  async current(siteId: string): Promise<PolicyView> {
    const row = await this.dataSource.getRepository(SitePolicyVersion).findOne({ where: { siteId }, order: { version: 'DESC' } });
    return this.view(siteId, row);
  }

  async history(siteId: string): Promise<Omit<PolicyView, 'effective'>[]> {
    const rows = await this.dataSource.getRepository(SitePolicyVersion).find({ where: { siteId }, order: { version: 'DESC' } });
    return rows.map(({ version, policy, changedBy, createdAt }) => ({ siteId, version, policy, changedBy, createdAt }));
  }

  /** Validates and stores a new version; throws InvalidPolicyError naming each bad field. */
  async save(siteId: string, input: unknown, changedBy: string): Promise<PolicyView> {
    this.validate(input);
    for (;;) {
      try {
        const [row] = await this.dataSource.query(
          `INSERT INTO site_policies (site_id, version, policy, changed_by)
           SELECT $1, COALESCE(max(version), 0) + 1, $2, $3 FROM site_policies WHERE site_id = $1
           RETURNING version, created_at`,
          [siteId, JSON.stringify(input), changedBy],
        );
        return this.view(siteId, { siteId, version: row.version, policy: input as SitePolicyInput, changedBy, createdAt: row.created_at });
      } catch (error) {
        // Two writers raced for the next version number: the loser tries again.
        if (!isPgError(error, 'uniqueViolation')) throw error;
      }
    }
  }

  /** The full policy a partial one makes, or InvalidPolicyError. */
  validate(input: unknown): SitePolicy {
    const { policy, errors } = validatePolicy(input);
    if (!policy) throw new InvalidPolicyError(errors);
    return policy;
  }

  /** An engine for a draft policy, not stored and not cached (the policy test endpoint). */
  async draftEngine(siteId: string, input: unknown, adaptationRevision: number): Promise<ModerationEngine> {
    const policy = this.validate(input) as SitePolicyInput;
    await this.scoring.refresh(siteId, adaptationRevision);
    return new ModerationEngine(policy, this.engineOptions(siteId));
  }

  /**
   * The engine of the site's policy at `version` (what the caller read as in force), with the
   * site's model adaptation at `adaptationRevision`. Compiled once per policy version; version 0
   * is the defaults. The adaptation is refreshed in place, without recompiling.
   */
  async engineFor(siteId: string, version: number, adaptationRevision = 0): Promise<ModerationEngine> {
    await this.scoring.refresh(siteId, adaptationRevision);
    const cached = this.engines.get(siteId);
    if (cached && cached.version === version) return cached.engine;
    const row = version === 0 ? null : await this.dataSource.getRepository(SitePolicyVersion).findOneBy({ siteId, version });
    const engine = new ModerationEngine(row?.policy ?? {}, this.engineOptions(siteId));
    if (this.engines.size >= MAX_CACHED_ENGINES && !this.engines.has(siteId)) {
      this.engines.delete(this.engines.keys().next().value!); // the oldest entry
    }
    this.engines.delete(siteId); // re-insert so Map order tracks recent compiles
    this.engines.set(siteId, { version, engine });
    return engine;
  }

  private view(siteId: string, row: SitePolicyVersion | null): PolicyView {
    const policy = row?.policy ?? {};
    return {
      siteId,
      version: row?.version ?? 0,
      policy,
      effective: row ? this.validate(policy) : DEFAULT_POLICY,
      changedBy: row?.changedBy ?? null,
      createdAt: row?.createdAt ?? null,
    };
  }
}
