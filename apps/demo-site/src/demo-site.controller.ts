import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import {
  BadRequestException,
  Controller,
  Get,
  Header,
  Headers,
  HttpCode,
  Inject,
  Logger,
  Param,
  Post,
  type RawBodyRequest,
  Req,
  Res,
  UnauthorizedException,
} from '@nestjs/common';
import type { Request, Response } from 'express';
import { DEMO_SITE_CONFIG } from './demo-site.constants.js';
import type { DemoSiteConfig } from './demo-site-config.js';
import { countComments, type Frame, renderArticlePage, renderIndexPage, renderNotFoundPage } from './pages.js';
import { ThreadStore } from './thread-store.js';
import { type PublishedThread, summariseEvent, THREAD_UPDATED, threadProblem } from './webhook-events.js';
import { checkSignature } from './webhook-signature.js';

/** The stylesheet, found from the package root so the same code serves from sources (tests) and from dist. */
function readStylesheet(): string {
  let dir = import.meta.dirname;
  while (!existsSync(join(dir, 'package.json'))) {
    const parent = resolve(dir, '..');
    if (parent === dir) throw new Error('cannot find the package root to serve the demo site stylesheet from');
    dir = parent;
  }
  return readFileSync(join(dir, 'apps', 'demo-site', 'assets', 'site.css'), 'utf8');
}

export interface WebhookAnswer {
  /** stored: the thread is the newest; stale: a newer one is here already; logged / duplicate: a per-comment event. */
  status: 'stored' | 'stale' | 'logged' | 'duplicate';
}

const HTML = 'text/html; charset=utf-8';

@Controller()
export class DemoSiteController {
  private readonly logger = new Logger('DemoSite');
  private readonly stylesheet = readStylesheet();
  private readonly frame: Frame;

  constructor(
    @Inject(DEMO_SITE_CONFIG) private readonly config: DemoSiteConfig,
    private readonly store: ThreadStore,
  ) {
    this.frame = { siteName: config.siteName, consoleUrl: new URL('/console/', config.threadkeeperUrl).href };
  }

  /**
   * Threadkeeper's deliveries. The signature is checked on the body's bytes as received, before
   * anything in it is believed; the answer is quick, since the sender times out and retries.
   */
  @Post('webhooks/threadkeeper')
  @HttpCode(200)
  receive(
    @Req() req: RawBodyRequest<Request>,
    @Headers('webhook-id') id: string | undefined,
    @Headers('webhook-timestamp') timestamp: string | undefined,
    @Headers('webhook-signature') signature: string | undefined,
  ): WebhookAnswer {
    if (!req.rawBody) throw new BadRequestException('Send the event as a JSON body (Content-Type: application/json)');
    const problem = checkSignature(this.config.webhookSecret.key(), { id, timestamp, signature, rawBody: req.rawBody });
    if (problem) {
      this.logger.warn(`refused a webhook delivery: ${problem}`);
      throw new UnauthorizedException(`Webhook signature refused: ${problem}`);
    }
    const webhookId = id as string; // present: checkSignature refuses a delivery without it
    const event: unknown = req.body;
    if (typeof event !== 'object' || event === null || typeof (event as { type?: unknown }).type !== 'string') {
      throw new BadRequestException('The event has no type');
    }
    const { type, data } = event as { type: string; data?: unknown };
    if (type !== THREAD_UPDATED) {
      const status = this.store.recordEvent(summariseEvent(type, data, webhookId, new Date()));
      return { status };
    }
    const invalid = threadProblem(data);
    if (invalid) throw new BadRequestException(`Invalid ${THREAD_UPDATED} event: ${invalid}`);
    const thread = data as PublishedThread;
    const status = this.store.saveThread(thread, webhookId, new Date());
    this.logger.log(
      `${THREAD_UPDATED} ${thread.article.id} version ${thread.threadVersion}: ${status}` +
        (status === 'stored' ? ` (${countComments(thread.comments)} comments)` : ''),
    );
    return { status };
  }

  @Get()
  @Header('Content-Type', HTML)
  index(): string {
    const known = new Set(this.config.articles.map((article) => article.id));
    const ownArticles = this.config.articles.map(({ id, title }) => ({ id, title, thread: this.store.thread(id) }));
    // Articles this site has no text for, known only because Threadkeeper published a thread for them.
    const otherArticles = this.store
      .allThreads()
      .filter((thread) => !known.has(thread.article.id))
      .sort((a, b) => b.receivedAt.localeCompare(a.receivedAt))
      .map((thread) => ({ id: thread.article.id, title: thread.article.title || thread.article.id, thread }));
    return renderIndexPage(this.frame, [...ownArticles, ...otherArticles], this.store.recentEvents());
  }

  @Get('articles/:id')
  @Header('Content-Type', HTML)
  article(@Param('id') id: string, @Res({ passthrough: true }) res: Response): string {
    const own = this.config.articles.find((article) => article.id === id);
    const thread = this.store.thread(id);
    if (!own && !thread) {
      res.status(404);
      return renderNotFoundPage(this.frame);
    }
    return renderArticlePage(this.frame, {
      title: own?.title || thread?.article.title || id,
      paragraphs: own?.body ?? [],
      thread,
      events: this.store.recentEvents(id),
    });
  }

  @Get('site.css')
  @Header('Content-Type', 'text/css; charset=utf-8')
  @Header('Cache-Control', 'no-cache')
  css(): string {
    return this.stylesheet;
  }

  @Get('health')
  health(): { status: 'ok'; articles: number } {
    return { status: 'ok', articles: this.store.allThreads().length };
  }
}
