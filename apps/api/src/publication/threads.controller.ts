import { Controller, Get, Headers, Param, Res } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { InjectDataSource } from '@nestjs/typeorm';
import type { FastifyReply } from 'fastify';
import { DataSource } from 'typeorm';
import { loadPublishedThread, type PublishedThread } from '#app/publishing';
import type { SiteCredentials } from '../auth/api-keys.service.js';
import { CurrentSite, SiteAuth } from '../auth/guards.js';
import { ApiError } from '../common/api-error.js';
import { ApiErrors, ApiExample } from '../common/openapi.js';
import { TextField } from '../common/text.js';

class ArticleParams {
  @TextField({ max: 200, description: "The site's article id" })
  articleId: string;
}

@ApiTags('publication')
@Controller('v1/articles')
export class ThreadsController {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  @Get(':articleId/thread')
  @SiteAuth('comments:read')
  @ApiOperation({
    summary: "An article's approved thread (what webhooks deliver), with an ETag",
    description: 'The ETag is the thread version: send it back in If-None-Match to get a 304 while nothing changed.',
  })
  @ApiExample(200, 'The thread', {
    siteId: '5b0e…', article: { id: 'article-42', title: 'Council approves the new bridge', url: 'https://news.example/articles/42' }, threadVersion: 17,
    comments: [{ id: '0f5e…', externalId: 'c-1', parentId: null, author: { id: 'u-1', name: 'Ann' }, body: 'Good piece.', createdAt: '2026-11-25T09:30:01.112Z',
      children: [{ id: '1a7c…', externalId: 'c-2', parentId: 'c-1', author: { id: 'u-2', name: 'Bo' }, body: 'Agreed.', createdAt: '2026-11-25T09:31:00.000Z', children: [] }] }],
  })
  @ApiErrors('unauthorized', 'not_found', 'rate_limited')
  async thread(
    @CurrentSite() site: SiteCredentials,
    @Param() { articleId }: ArticleParams,
    @Headers('if-none-match') ifNoneMatch: string | undefined,
    @Res({ passthrough: true }) res: FastifyReply,
  ): Promise<PublishedThread | undefined> {
    const [article] = await this.dataSource.query(`SELECT id, thread_version FROM articles WHERE site_id = $1 AND external_id = $2`, [site.siteId, articleId]);
    if (!article) throw ApiError.notFound('Article');
    const etag = `"${article.id}.${article.thread_version}"`;
    res.header('ETag', etag);
    res.header('Cache-Control', 'private, no-cache');
    if (ifNoneMatch?.split(',').some((tag) => tag.trim().replace(/^W\//, '') === etag)) {
      res.status(304);
      return undefined;
    }
    const thread = await loadPublishedThread(this.dataSource.manager, article.id);
    // The thread changed between the two reads: name the version actually sent.
    if (thread && thread.threadVersion !== Number(article.thread_version)) res.header('ETag', `"${article.id}.${thread.threadVersion}"`);
    return thread!;
  }
}
