import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { DEMO_SITE_CONFIG } from './demo-site.constants.js';
import type { DemoSiteConfig } from './demo-site-config.js';
import { type EventSummary, type PublishedThread, threadProblem } from './webhook-events.js';

export interface StoredThread extends PublishedThread {
  /** When this version arrived here. */
  receivedAt: string;
  webhookId: string;
}

/** Enough for the pages' activity log; older events are forgotten. */
const EVENTS_KEPT = 50;

/**
 * The latest published thread of each article, as a news site's article service would keep it,
 * plus a short in-memory log of the per-comment events. Threads are written to a JSON file so the
 * page survives a restart of the demo. Every method is synchronous, so two deliveries can never
 * interleave between the version check and the write.
 */
@Injectable()
export class ThreadStore {
  private readonly logger = new Logger(ThreadStore.name);
  private readonly threads = new Map<string, StoredThread>();
  /** Newest first. */
  private readonly events: EventSummary[] = [];
  private readonly dataFile: string;

  constructor(@Inject(DEMO_SITE_CONFIG) config: DemoSiteConfig) {
    this.dataFile = config.dataFile;
    this.load();
  }

  /**
   * Keeps the thread unless this site already has the same or a newer version of it: deliveries
   * can arrive out of order (a retry of an old one after a newer one) and must not go back.
   */
  saveThread(thread: PublishedThread, webhookId: string, receivedAt: Date): 'stored' | 'stale' {
    const current = this.threads.get(thread.article.id);
    if (current && current.threadVersion >= thread.threadVersion) return 'stale';
    this.threads.set(thread.article.id, { ...thread, webhookId, receivedAt: receivedAt.toISOString() });
    try {
      this.persist();
    } catch (error) {
      // Not kept, so not acknowledged: put the old version back and let the sender retry.
      if (current) this.threads.set(thread.article.id, current);
      else this.threads.delete(thread.article.id);
      throw error;
    }
    return 'stored';
  }

  /** A retry of a message already logged (same webhook-id) is not logged twice. */
  recordEvent(event: EventSummary): 'logged' | 'duplicate' {
    if (this.events.some((logged) => logged.webhookId === event.webhookId)) return 'duplicate';
    this.events.unshift(event);
    this.events.length = Math.min(this.events.length, EVENTS_KEPT);
    return 'logged';
  }

  thread(articleId: string): StoredThread | undefined {
    return this.threads.get(articleId);
  }

  allThreads(): StoredThread[] {
    return [...this.threads.values()];
  }

  /** Newest first; only the article's when one is given. */
  recentEvents(articleId?: string): EventSummary[] {
    return articleId === undefined ? [...this.events] : this.events.filter((event) => event.articleId === articleId);
  }

  private load(): void {
    if (!existsSync(this.dataFile)) return;
    let saved: unknown;
    try {
      saved = JSON.parse(readFileSync(this.dataFile, 'utf8'));
    } catch (error) {
      this.logger.warn(`ignoring ${this.dataFile}, which cannot be read: ${(error as Error).message}`);
      return;
    }
    const threads: unknown = (saved as { threads?: unknown } | null)?.threads;
    for (const thread of Array.isArray(threads) ? (threads as unknown[]) : []) {
      const problem = threadProblem(thread) ?? (typeof (thread as StoredThread).receivedAt === 'string' ? undefined : 'receivedAt is missing');
      if (problem) this.logger.warn(`ignoring a saved thread in ${this.dataFile}: ${problem}`);
      else this.threads.set((thread as StoredThread).article.id, thread as StoredThread);
    }
  }

  /** Written whole to a temporary file and renamed over the old one, so a crash never leaves half a file. */
  private persist(): void {
    mkdirSync(dirname(this.dataFile), { recursive: true });
    const temporary = `${this.dataFile}.${process.pid}.tmp`;
    writeFileSync(temporary, JSON.stringify({ threads: this.allThreads() }, null, 2));
    renameSync(temporary, this.dataFile);
  }
}
