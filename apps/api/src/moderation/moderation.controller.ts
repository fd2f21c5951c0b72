import { Body, Controller, Delete, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiBody, ApiOperation, ApiTags } from '@nestjs/swagger';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { AuditService } from '../audit/audit.service.js';
import { IdPipe } from '../common/ids.js';
import { ApiErrors, ApiExample, ApiNoContent } from '../common/openapi.js';
import { CurrentReviewer, type Reviewer, ReviewerAuth } from '../moderators/reviewer.guard.js';
import { AuthorsService } from './authors.service.js';
import { AuditQueryDto, BulkDecisionDto, DecisionDto, QueueQuery, REASON_CODES, StandingDto } from './moderation.dto.js';
import { ReviewItemsService } from './review-items.service.js';
import { ReviewService } from './review.service.js';

const commentId = new IdPipe('Comment');
const authorId = new IdPipe('Author');

const ITEM_EXAMPLE = {
  id: '7d0c1a1e-…', siteId: '5b0e…', externalId: 'c-1002', status: 'held', body: 'Keep telling that to yourself. You balkanic scum.',
  revision: 1, createdAt: '2026-11-25T09:30:01.112Z', reportCount: 0,
  article: { id: 'ras-al-ayn', title: 'Turkish-Backed Militants Take Control Of Ras Al-Ayn', url: 'https://news.example/ras-al-ayn' },
  parent: { id: '1e2d…', externalId: 'c-1001', body: 'They are not. As soon as SAA starts offensive, NSA will be destroyed.', author: { name: 'Icarus' } },
  author: { id: '9f8e…', externalId: 'kemal', name: 'Kemal', approvedCount: 3, rejectedCount: 1, accountAgeDays: 40, reportCount: 2, trust: null },
  decision: {
    action: 'hold', decidedBy: 'system', by: null,
    reasons: [{ code: 'list.group_insult', category: 'identity_attack', phase: 'lists', message: 'Insult "scum" aimed at a group of people', spans: [{ start: 35, end: 48, text: 'balkanic scum' }] }],
    scores: { identity_attack: 0.5 }, createdAt: '2026-11-25T09:30:01.204Z',
  },
  claim: { by: 'moderator:3c1f…', name: 'Ann', expiresAt: '2026-11-25T09:35:02.000Z', mine: true },
};

/** The review API the console uses; sites with their own UI use it with a `moderation` key. */
@ApiTags('moderation')
@Controller('v1/moderation')
@ReviewerAuth()
export class ModerationController {
  constructor(
    private readonly items: ReviewItemsService,
    private readonly review: ReviewService,
    private readonly authors: AuthorsService,
    private readonly audit: AuditService,
    @InjectDataSource() private readonly dataSource: DataSource,
  ) {}

  @Get('sites')
  @ApiOperation({ summary: 'The sites the caller may moderate' })
  @ApiExample(200, 'The sites', [{ id: '5b0e…', name: 'Daily News', slug: 'daily-news' }])
  @ApiErrors('unauthorized')
  sites(@CurrentReviewer() reviewer: Reviewer) {
    return this.dataSource.query(
      `SELECT id, name, slug FROM sites WHERE $1::uuid[] IS NULL OR id = ANY($1::uuid[]) ORDER BY name`,
      [reviewer.siteIds],
    );
  }

  @Get('reason-codes')
  @ApiOperation({ summary: 'The reasons a moderator can give, per action' })
  @ApiExample(200, 'The codes', REASON_CODES)
  reasonCodes() {
    return REASON_CODES;
  }

  @Get('queue')
  @ApiOperation({
    summary: 'A review queue, with counts per queue',
    description: 'held, reported (readers flagged it and it is approved or held), pending, approved, rejected; filtered by site, article, reason category or code; oldest, newest or highest score first.',
  })
  @ApiExample(200, 'A page of the queue', { items: [ITEM_EXAMPLE], counts: { held: 12, reported: 3, pending: 0, approved: 940, rejected: 57 }, nextCursor: null })
  @ApiErrors('validation_failed', 'unauthorized')
  queue(@CurrentReviewer() reviewer: Reviewer, @Query() query: QueueQuery) {
    return this.items.queue(reviewer, query);
  }

  @Get('comments/:id')
  @ApiOperation({ summary: 'Open a comment for review', description: 'Claims it for 5 minutes when no one else holds it; the answer shows who does.' })
  @ApiExample(200, 'The comment, its claim and its decision history', { ...ITEM_EXAMPLE, history: [] })
  @ApiErrors('unauthorized', 'not_found')
  async open(@CurrentReviewer() reviewer: Reviewer, @Param('id', commentId) id: string) {
    const item = await this.review.open(reviewer, id);
    return { ...item, history: await this.items.history(id) };
  }

  @Post('comments/:id/claim')
  @HttpCode(200)
  @ApiOperation({ summary: 'Claim (or renew the claim on) a comment for 5 minutes' })
  @ApiExample(200, 'The claim', { claim: ITEM_EXAMPLE.claim })
  @ApiErrors('unauthorized', 'forbidden', 'not_found', 'conflict')
  async claim(@CurrentReviewer() reviewer: Reviewer, @Param('id', commentId) id: string) {
    return { claim: await this.review.claim(reviewer, id) };
  }

  @Delete('comments/:id/claim')
  @HttpCode(204)
  @ApiOperation({ summary: 'Release your claim' })
  @ApiNoContent('Released (or it was not yours)')
  @ApiErrors('unauthorized', 'forbidden', 'not_found')
  release(@CurrentReviewer() reviewer: Reviewer, @Param('id', commentId) id: string): Promise<void> {
    return this.review.release(reviewer, id);
  }

  @Post('comments/:id/decision')
  @HttpCode(200)
  @ApiOperation({ summary: 'Approve or reject a comment', description: 'Appends a moderator decision, changes the status and releases the claim. 409 while someone else holds the claim.' })
  @ApiBody({ type: DecisionDto, examples: { reject: { value: { action: 'reject', reasonCode: 'hate', note: 'Ethnic slur aimed at another reader' } } } })
  @ApiExample(200, 'The comment after the decision', { ...ITEM_EXAMPLE, status: 'rejected', claim: null })
  @ApiErrors('validation_failed', 'unauthorized', 'forbidden', 'not_found', 'conflict')
  decide(@CurrentReviewer() reviewer: Reviewer, @Param('id', commentId) id: string, @Body() dto: DecisionDto) {
    return this.review.decide(reviewer, id, dto);
  }

  @Post('decisions')
  @HttpCode(200)
  @ApiOperation({ summary: 'Approve or reject many comments', description: 'A result per id: one that is claimed by someone else or not found does not stop the others.' })
  @ApiBody({ type: BulkDecisionDto, examples: { spam: { value: { ids: ['7d0c…', '8e1d…'], action: 'reject', reasonCode: 'spam' } } } })
  @ApiExample(200, 'Per-item results', { results: [{ id: '7d0c…', ok: true, status: 'rejected' }, { id: '8e1d…', ok: false, error: { error: 'conflict', message: 'Bo is reviewing this comment (claimed until 09:41 UTC)' } }] })
  @ApiErrors('validation_failed', 'unauthorized', 'forbidden')
  decideMany(@CurrentReviewer() reviewer: Reviewer, @Body() dto: BulkDecisionDto) {
    const { ids, ...decision } = dto;
    return this.review.decideMany(reviewer, ids, decision);
  }

  @Get('authors/:authorId')
  @ApiOperation({ summary: "An author's summary, latest comments and audit trail" })
  @ApiExample(200, 'The author', { author: { ...ITEM_EXAMPLE.author, siteId: '5b0e…', trustReason: null }, comments: [], audit: [] })
  @ApiErrors('unauthorized', 'not_found')
  author(@CurrentReviewer() reviewer: Reviewer, @Param('authorId', authorId) id: string) {
    return this.authors.profile(reviewer, id);
  }

  @Post('authors/:authorId/standing')
  @HttpCode(200)
  @ApiOperation({
    summary: "Set an author's standing",
    description: 'banned (new comments rejected; rejectHeld also rejects the ones waiting), trusted (skip holds, not rejections), always_hold, or null to clear. Audited with the reason.',
  })
  @ApiBody({ type: StandingDto, examples: { ban: { value: { standing: 'banned', reason: 'Repeated slurs', rejectHeld: true } } } })
  @ApiExample(200, 'The author', { ...ITEM_EXAMPLE.author, siteId: '5b0e…', trust: 'banned', trustReason: 'Repeated slurs' })
  @ApiErrors('validation_failed', 'unauthorized', 'forbidden', 'not_found')
  standing(@CurrentReviewer() reviewer: Reviewer, @Param('authorId', authorId) id: string, @Body() dto: StandingDto) {
    return this.authors.setStanding(reviewer, id, dto);
  }

  @Get('audit')
  @ApiOperation({ summary: 'The audit log: who did what, when, before → after, why', description: 'Per comment, per author (their comments included) or per actor; newest first.' })
  @ApiExample(200, 'A page of the log', {
    items: [{ id: '42', at: '2026-11-25T09:31:00.000Z', siteId: '5b0e…', actor: 'moderator:3c1f…', actorName: 'Ann', action: 'comment.reject', subjectType: 'comment', subjectId: '7d0c…', before: { status: 'held' }, after: { status: 'rejected', reasonCode: 'hate' }, reason: 'Ethnic slur' }],
    nextCursor: null,
  })
  @ApiErrors('validation_failed', 'unauthorized')
  auditLog(@CurrentReviewer() reviewer: Reviewer, @Query() query: AuditQueryDto) {
    return this.audit.query(reviewer.siteIds, query);
  }
}
