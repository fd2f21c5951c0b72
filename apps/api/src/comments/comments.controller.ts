import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query, Req, Res } from '@nestjs/common';
import { ApiBody, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { SiteCredentials } from '../auth/api-keys.service.js';
import { CurrentSite, SiteAuth } from '../auth/guards.js';
import { IdPipe } from '../common/ids.js';
import { ApiErrors, ApiExample } from '../common/openapi.js';
import type { AcceptedComment, BatchResult, CommentPage, CommentView } from './comments.dto.js';
import { CreateCommentBatchDto, CreateCommentDto, ListCommentsQuery, ReportCommentDto, UpdateCommentDto } from './comments.dto.js';
import * as examples from './comments.examples.js';
import { CommentsService } from './comments.service.js';
import { IngestService } from './ingest.service.js';

const commentId = new IdPipe('Comment');
/** The request's correlation id (X-Request-Id; see requestIdOf). */
const correlationId = (req: FastifyRequest): string => req.id;

@ApiTags('comments')
@Controller('v1/comments')
export class CommentsController {
  constructor(
    private readonly ingest: IngestService,
    private readonly comments: CommentsService,
  ) {}

  @Post()
  @SiteAuth('comments:write')
  @ApiOperation({ summary: 'Send a comment', description: 'Stored, then checked asynchronously. Sending the same comment again is a safe retry.' })
  @ApiBody({ type: CreateCommentDto, examples: { reply: { value: examples.COMMENT_REQUEST } } })
  @ApiExample(202, 'Stored and queued for checking', examples.ACCEPTED_RESPONSE)
  @ApiExample(200, 'A retry of a stored comment: the stored one', { ...examples.ACCEPTED_RESPONSE, status: 'approved' })
  @ApiErrors('validation_failed', 'unauthorized', 'forbidden', 'conflict', 'payload_too_large', 'unsupported_media_type', 'rate_limited', 'service_unavailable')
  async create(
    @CurrentSite() site: SiteCredentials,
    @Body() dto: CreateCommentDto,
    @Req() req: FastifyRequest,
    @Res({ passthrough: true }) res: FastifyReply,
  ): Promise<AcceptedComment> {
    const { created, ...comment } = await this.ingest.submitOne(site.siteId, dto, correlationId(req));
    res.status(created ? 202 : 200);
    return comment;
  }

  @Post('batch')
  @HttpCode(200)
  @SiteAuth('comments:write')
  @ApiOperation({
    summary: 'Send up to 1,000 comments',
    description: 'Each item gets its own result, in request order: accepted, duplicate, invalid (with its field errors) or conflict. One bad item never rejects the others.',
  })
  @ApiBody({ type: CreateCommentBatchDto, examples: { batch: { value: examples.BATCH_REQUEST } } })
  @ApiExample(200, 'Per-item results', examples.BATCH_RESPONSE)
  @ApiErrors('validation_failed', 'unauthorized', 'forbidden', 'payload_too_large', 'rate_limited', 'service_unavailable')
  createBatch(@CurrentSite() site: SiteCredentials, @Body() dto: CreateCommentBatchDto, @Req() req: FastifyRequest): Promise<BatchResult> {
    return this.ingest.submitBatch(site.siteId, dto.comments, correlationId(req));
  }

  @Get()
  @SiteAuth('comments:read')
  @ApiOperation({
    summary: 'List comments, or find one by externalId',
    description: 'Oldest first, with cursor pagination that stays stable while comments arrive. With `externalId`, answers that one comment instead of a page.',
  })
  @ApiExample(200, 'A page (or, with externalId, one comment)', examples.PAGE_RESPONSE)
  @ApiErrors('validation_failed', 'unauthorized', 'not_found', 'rate_limited')
  list(@CurrentSite() site: SiteCredentials, @Query() query: ListCommentsQuery): Promise<CommentPage | CommentView> {
    if (query.externalId !== undefined) return this.comments.findByExternalId(site.siteId, query.externalId);
    return this.comments.list(site.siteId, query);
  }

  @Get(':id')
  @SiteAuth('comments:read')
  @ApiOperation({ summary: 'A comment with its latest decision and the reasons for it' })
  @ApiExample(200, 'The comment', examples.COMMENT_RESPONSE)
  @ApiErrors('unauthorized', 'not_found', 'rate_limited')
  findOne(@CurrentSite() site: SiteCredentials, @Param('id', commentId) id: string): Promise<CommentView> {
    return this.comments.findById(site.siteId, id);
  }

  @Patch(':id')
  @SiteAuth('comments:write')
  @ApiOperation({
    summary: 'Edit a comment',
    description: 'Stores a new revision and checks it again; the last approved revision stays published until then.',
  })
  @ApiBody({ type: UpdateCommentDto })
  @ApiExample(200, 'The comment, pending its new check', { ...examples.COMMENT_RESPONSE, status: 'pending', revision: 2 })
  @ApiErrors('validation_failed', 'unauthorized', 'not_found', 'conflict', 'rate_limited', 'service_unavailable')
  edit(
    @CurrentSite() site: SiteCredentials,
    @Param('id', commentId) id: string,
    @Body() dto: UpdateCommentDto,
    @Req() req: FastifyRequest,
  ): Promise<CommentView> {
    return this.comments.edit(site.siteId, id, dto.body, correlationId(req));
  }

  @Delete(':id')
  @SiteAuth('comments:write')
  @ApiOperation({ summary: 'Withdraw a comment (the author removed it)', description: 'Status becomes deleted; it leaves the published thread and stays for the audit.' })
  @ApiExample(200, 'The withdrawn comment', { ...examples.COMMENT_RESPONSE, status: 'deleted' })
  @ApiErrors('unauthorized', 'not_found', 'rate_limited')
  withdraw(@CurrentSite() site: SiteCredentials, @Param('id', commentId) id: string): Promise<CommentView> {
    return this.comments.withdraw(site.siteId, id);
  }

  @Post(':id/reports')
  @SiteAuth('comments:write')
  @ApiOperation({
    summary: "Record a reader's report",
    description: "One per reader per comment. When distinct reports reach the site's reportThreshold, an approved comment is held for review with the reports as its reason.",
  })
  @ApiBody({ type: ReportCommentDto, examples: { report: { value: examples.REPORT_REQUEST } } })
  @ApiExample(201, 'Recorded', examples.REPORT_RESPONSE)
  @ApiErrors('validation_failed', 'unauthorized', 'not_found', 'conflict', 'rate_limited')
  report(@CurrentSite() site: SiteCredentials, @Param('id', commentId) id: string, @Body() dto: ReportCommentDto) {
    return this.comments.report(site.siteId, id, dto);
  }
}
