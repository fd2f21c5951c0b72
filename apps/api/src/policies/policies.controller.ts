import { Body, Controller, Get, HttpCode, Param, Post, Put } from '@nestjs/common';
import { ApiBody, ApiOperation, ApiTags } from '@nestjs/swagger';
import { DEFAULT_POLICY, type Verdict } from '#app/moderation-engine';
import { InvalidPolicyError, type PolicyView, SitePolicyService } from '#app/site-policy';
import { Actor, SiteAdminAuth } from '../auth/guards.js';
import { ApiError } from '../common/api-error.js';
import { IdPipe } from '../common/ids.js';
import { ApiErrors, ApiExample } from '../common/openapi.js';
import { SitesService } from '../sites/sites.service.js';
import { POLICY_EXAMPLE, TestPolicyDto } from './policies.dto.js';

const siteId = new IdPipe('Site');

/** A policy error names each bad field by its path in the policy, prefixed for a draft in a test. */
function invalid(error: unknown, prefix = ''): never {
  if (!(error instanceof InvalidPolicyError)) throw error;
  const details = error.problems.map((p) => ({ field: prefix + p.field, problem: p.problem }));
  throw new ApiError('validation_failed', `Invalid policy: ${details.map((d) => d.field).join(', ')}`, details);
}

@ApiTags('policy')
@Controller('v1/sites/:siteId/policy')
@SiteAdminAuth()
export class PoliciesController {
  constructor(
    private readonly policies: SitePolicyService,
    private readonly sites: SitesService,
  ) {}

  @Get()
  @ApiOperation({ summary: "The site's moderation policy in force", description: '`policy` as set, `effective` merged over the defaults.' })
  @ApiExample(200, 'The policy', { siteId: '5b0e…', version: 3, policy: POLICY_EXAMPLE, effective: DEFAULT_POLICY, changedBy: 'admin', createdAt: '2026-11-25T09:00:00.000Z' })
  @ApiErrors('unauthorized', 'forbidden', 'not_found')
  async get(@Param('siteId', siteId) site: string): Promise<PolicyView> {
    await this.sites.get(site);
    return this.policies.current(site);
  }

  @Put()
  @ApiOperation({
    summary: 'Replace the policy',
    description: 'Stored as a new version (the old ones are kept, with who changed them and when). Workers use it from their next comment on, without a restart.',
  })
  @ApiBody({ description: 'A partial policy: objects merge over the defaults, arrays replace them', schema: { type: 'object', example: POLICY_EXAMPLE } })
  @ApiExample(200, 'The new version', { siteId: '5b0e…', version: 4, policy: POLICY_EXAMPLE, effective: DEFAULT_POLICY, changedBy: 'key:9a1b…', createdAt: '2026-11-25T09:05:00.000Z' })
  @ApiErrors('validation_failed', 'unauthorized', 'forbidden', 'not_found')
  async put(@Param('siteId', siteId) site: string, @Body() body: unknown, @Actor() actor: string): Promise<PolicyView> {
    await this.sites.get(site);
    // No body (or JSON null) is not a policy: replacing the one in force takes one, if only `{}`.
    if (body === undefined || body === null) {
      throw new ApiError('validation_failed', 'Invalid policy: send a policy object as the request body', [{ field: '(root)', problem: 'must be an object' }]);
    }
    return this.policies.save(site, body, actor).catch((error) => invalid(error));
  }

  @Get('versions')
  @ApiOperation({ summary: 'Every version of the policy, newest first' })
  @ApiExample(200, 'The history', [{ siteId: '5b0e…', version: 4, policy: POLICY_EXAMPLE, changedBy: 'admin', createdAt: '2026-11-25T09:05:00.000Z' }])
  @ApiErrors('unauthorized', 'forbidden', 'not_found')
  async versions(@Param('siteId', siteId) site: string) {
    await this.sites.get(site);
    return this.policies.history(site);
  }

  @Post('test')
  @HttpCode(200)
  @ApiOperation({
    summary: 'The verdict a comment would get now',
    description: 'Judged with the policy in force, or with a draft `policy`; nothing is stored. Counter signals (repeats, posting rates) are not applied.',
  })
  @ApiBody({ type: TestPolicyDto, examples: { spam: { value: { body: 'Check out my channel at bit.ly/xyz!!!', author: { approvedCount: 0 } } } } })
  @ApiExample(200, 'The verdict', {
    action: 'hold',
    reasons: [{ code: 'spam.shortener', category: 'spam', phase: 'spam', message: 'Link through a URL shortener (bit.ly)', spans: [{ start: 24, end: 34, text: 'bit.ly/xyz' }] }],
    scores: { spam: 0.6 },
    engineVersion: '1.0.0',
    phases: [],
  })
  @ApiErrors('validation_failed', 'unauthorized', 'forbidden', 'not_found')
  async test(@Param('siteId', siteId) site: string, @Body() dto: TestPolicyDto): Promise<Verdict> {
    const { adaptationRevision } = await this.sites.get(site);
    let engine;
    try {
      engine = dto.policy
        ? await this.policies.draftEngine(site, dto.policy, adaptationRevision)
        : await this.policies.engineFor(site, (await this.policies.current(site)).version, adaptationRevision);
    } catch (error) {
      invalid(error, 'policy.');
    }
    const { author } = dto;
    return engine.evaluate({
      body: dto.body,
      author: {
        id: author?.id ?? 'policy-test',
        name: author?.name ?? 'Policy test',
        accountAgeDays: author?.accountAgeDays,
        approvedCount: author?.approvedCount,
        rejectedCount: author?.rejectedCount,
        trust: author?.trust,
      },
    });
  }
}
