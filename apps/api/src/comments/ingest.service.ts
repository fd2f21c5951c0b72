import { createHash } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { plainToInstance } from 'class-transformer';
import { validate } from 'class-validator';
import { DataSource } from 'typeorm';
import { GroupCommit } from '#app/batching';
import { type CommentStatus, isPgError, PreparedStatement, uuidv7 } from '#app/database';
import { Metrics } from '#app/observability';
import { MODERATION_GROUP_MAX } from '#app/queue';
import { ApiError, type ErrorDetail } from '../common/api-error.js';
import { VALIDATION_OPTIONS, validationDetails } from '../common/validation.js';
import { PersonalDataHasher } from './author-context.js';
import { RecentlyStored } from './recently-stored.js';
import { ModerationQueueService } from './moderation-queue.service.js';
import { type BatchItemResult, type BatchResult, CreateCommentDto } from './comments.dto.js';
import { SiteSettingsCache } from '../sites/site-settings.cache.js';

/** One parameter array of a statement: a field of each comment, null where absent. */
const column = <T>(rows: CreateCommentDto[], pick: (dto: CreateCommentDto) => T | undefined | null): (T | null)[] => rows.map((dto) => pick(dto) ?? null);

/** Outcomes refusing a comment's parent: on another article, or closing a loop of replies. */
type InvalidParent = 'parent_elsewhere' | 'parent_loop';

/** What the database did with one submitted comment. */
interface StoredOutcome {
  ord: number;
  outcome: 'accepted' | 'duplicate' | 'conflict' | InvalidParent | 'raced';
  id: string | null;
  status: CommentStatus | null;
  revision: number | null;
}

/** A valid comment to store, and the request that sent it (its check carries the request's id). */
interface Submission {
  dto: CreateCommentDto;
  correlationId?: string;
}

/** What makes two submissions "the same comment": a retry must match on all of it. */
function contentHash(dto: CreateCommentDto): string {
  const canonical = JSON.stringify([dto.articleId, dto.parentId ?? null, dto.author.id, dto.body]);
  return createHash('sha256').update(canonical).digest('hex');
}

/*
 * A store is three statements, each its own transaction: articles, then authors, then comments.
 * Each upsert locks rows of one table only, in external-id order (the order its INSERT … SELECT
 * sorts them in), and releases them at its commit: no store waits for a lock while holding one of
 * another table, so concurrent stores cannot wait on each other in a cycle, nor a store and a
 * worker transaction that locks a comment and then its article. As CTEs of one statement, articles
 * and authors were locked in whichever order the plan read them, and concurrent batches
 * deadlocked. One transaction around the three would keep the article locks until the comments are
 * in, for two more round trips, and buy nothing: the comments statement starts after both upserts
 * committed, so its snapshot sees every article and author its comments need (a concurrent
 * request's too: an upsert that met one waited for it to commit). An article or author left
 * without a comment, when the comments statement fails, is harmless: the retry upserts it again.
 */

/** Upserts the articles of a store, writing only what changed; the last title and url sent win. */
const ARTICLES = new PreparedStatement<never>('ingest-articles', `
INSERT INTO articles (site_id, external_id, title, url)
SELECT DISTINCT ON (article_ext) $1, article_ext, title, url
  FROM unnest($2::text[], $3::text[], $4::text[]) WITH ORDINALITY AS i(article_ext, title, url, ord)
 ORDER BY article_ext, (title IS NULL AND url IS NULL), ord DESC
ON CONFLICT (site_id, external_id) DO UPDATE
   SET title = COALESCE(EXCLUDED.title, articles.title), url = COALESCE(EXCLUDED.url, articles.url), updated_at = now()
 WHERE (articles.title, articles.url) IS DISTINCT FROM
       (COALESCE(EXCLUDED.title, articles.title), COALESCE(EXCLUDED.url, articles.url))`);

/** Upserts the authors of a store, writing only what changed; the last comment of each author wins. */
const AUTHORS = new PreparedStatement<never>('ingest-authors', `
INSERT INTO authors (site_id, external_id, display_name, email_hash, email, account_created_at, site_approved_count)
SELECT DISTINCT ON (author_ext) $1, author_ext, author_name, email_hash, email, account_created_at, approved_count
  FROM unnest($2::text[], $3::text[], $4::text[], $5::text[], $6::timestamptz[], $7::int[])
       WITH ORDINALITY AS i(author_ext, author_name, email_hash, email, account_created_at, approved_count, ord)
 ORDER BY author_ext, ord DESC
ON CONFLICT (site_id, external_id) DO UPDATE
   SET display_name = EXCLUDED.display_name,
       email_hash = COALESCE(EXCLUDED.email_hash, authors.email_hash),
       email = COALESCE(EXCLUDED.email, authors.email),
       account_created_at = COALESCE(EXCLUDED.account_created_at, authors.account_created_at),
       site_approved_count = COALESCE(EXCLUDED.site_approved_count, authors.site_approved_count),
       updated_at = now()
 WHERE (authors.display_name, authors.email_hash, authors.email, authors.account_created_at, authors.site_approved_count)
       IS DISTINCT FROM
       (EXCLUDED.display_name, COALESCE(EXCLUDED.email_hash, authors.email_hash), COALESCE(EXCLUDED.email, authors.email),
        COALESCE(EXCLUDED.account_created_at, authors.account_created_at),
        COALESCE(EXCLUDED.site_approved_count, authors.site_approved_count))`);

/** How far up a new reply its ancestors are followed for a loop; a deeper loop is not refused, but still published. */
const LOOP_CHECK_DEPTH = 1000;

/**
 * Stores comments with distinct externalIds, their articles and authors already stored: finds
 * duplicates and parents, inserts new comments with their first revision, links replies that
 * arrived before their parent (earlier, or in this batch), and reports per item, in input order,
 * what happened. Items count as sent in input order: a parent later in the input is not there yet
 * for an earlier reply's article check, as it would not be had they come one at a time.
 *
 * A reply whose ancestors include a comment waiting for it as its parent would close a loop of
 * replies, none of which would reach the top of the thread: it is refused. A comment has one
 * parent, so refusing the last new comment sent of each loop is what sending one at a time would
 * do: `ancestors` walks up from each new reply that something waits for (every new comment of a
 * loop is one) through comments sent before it, and a walk back at its start is a loop. Walks keep no list of what they passed (copied at every step, it grows
 * with the square of the depth), so one caught in another loop (left in the data, or among a
 * batch's earlier comments) runs to LOOP_CHECK_DEPTH. Concurrent stores do not see each other's
 * comments: a loop they close together still shows, from its oldest comment, when published.
 *
 * Articles and authors are LEFT joined though every one exists: PostgreSQL estimates a new site's
 * rows from the whole table and, planning an inner join for a handful of rows, joined the CTEs
 * below with nested loops, a thousand squared rows for a batch of a thousand.
 */
const COMMENTS = new PreparedStatement<StoredOutcome>('ingest-comments', `
WITH RECURSIVE input AS (
  SELECT * FROM unnest($2::uuid[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[],
                       $10::text[], $11::text[])
    WITH ORDINALITY AS i(id, external_id, article_ext, parent_ext, author_ext, body, content_hash, ip_hash, ip, user_agent, ord)
),
existing AS (
  SELECT c.id, c.external_id, c.article_id, c.status, c.revision, c.content_hash FROM comments c
   WHERE c.site_id = $1
     -- One array, so the (site_id, external_id) index serves the lookup: an OR of two IN
     -- subqueries made PostgreSQL scan every comment of the site on every insert.
     AND c.external_id = ANY(ARRAY(SELECT external_id FROM input UNION SELECT parent_ext FROM input WHERE parent_ext IS NOT NULL))
),
resolved AS (
  SELECT i.*, ar.id AS article_id, au.id AS author_id,
         ex.id AS existing_id, ex.status AS existing_status, ex.revision AS existing_revision,
         ex.content_hash AS existing_hash, pe.id AS existing_parent_id, pb.id AS batch_parent_id,
         CASE WHEN pe.id IS NOT NULL THEN pe.article_id <> ar.id
              WHEN pb.ord < i.ord THEN pb.article_ext <> i.article_ext
              ELSE false END AS parent_elsewhere
    FROM input i
    LEFT JOIN articles ar ON ar.site_id = $1 AND ar.external_id = i.article_ext
    LEFT JOIN authors au ON au.site_id = $1 AND au.external_id = i.author_ext
    LEFT JOIN existing ex ON ex.external_id = i.external_id
    LEFT JOIN existing pe ON pe.external_id = i.parent_ext
    LEFT JOIN input pb ON pe.id IS NULL AND pb.external_id = i.parent_ext
),
candidates AS (
  -- A parent new in this batch is linked only if it is itself inserted, on the same article.
  SELECT r.*, COALESCE(r.existing_parent_id,
                       CASE WHEN p.existing_id IS NULL AND NOT p.parent_elsewhere AND p.article_ext = r.article_ext THEN p.id END) AS parent_id
    FROM resolved r LEFT JOIN resolved p ON p.id = r.batch_parent_id
   WHERE r.existing_id IS NULL AND NOT r.parent_elsewhere
),
ancestors (start, start_ord, node, depth) AS (
  -- Only a reply that something already waits for can close a loop: a stored reply that came
  -- before it (found through the index of orphans) or a reply to it sent earlier in this batch
  -- (a walk stops at comments sent after its start). The others, nearly every reply and every
  -- batch sent parents first, are not walked up their thread.
  SELECT c.id, c.ord, c.parent_id, 1 FROM candidates c
   WHERE c.parent_id IS NOT NULL
     AND (EXISTS (SELECT 1 FROM comments o
                   WHERE o.site_id = $1 AND o.parent_id IS NULL AND o.parent_external_id = c.external_id AND o.article_id = c.article_id)
          OR EXISTS (SELECT 1 FROM candidates k WHERE k.parent_id = c.id AND k.ord < c.ord))
  UNION ALL
  -- The parent of a node: a new comment's, a stored comment's, or the new comment a stored one
  -- waits for (linked below). Not past a new comment sent after the start, nor the start itself.
  SELECT a.start, a.start_ord, COALESCE(n.parent_id, s.parent_id, w.id), a.depth + 1
    FROM ancestors a
    LEFT JOIN candidates n ON n.id = a.node
    LEFT JOIN comments s ON n.id IS NULL AND s.id = a.node
    LEFT JOIN candidates w ON s.parent_id IS NULL AND w.external_id = s.parent_external_id AND w.article_id = s.article_id
   WHERE a.node <> a.start AND (n.ord IS NULL OR n.ord < a.start_ord) AND a.depth < ${LOOP_CHECK_DEPTH}
),
loops AS (
  SELECT start AS id FROM ancestors WHERE node = start
),
to_insert AS (
  SELECT * FROM candidates WHERE id NOT IN (SELECT id FROM loops)
),
inserted AS (
  -- In external-id order, so statements inserting the same new externalIds wait for each other in one order.
  INSERT INTO comments (id, site_id, article_id, author_id, external_id, parent_id, parent_external_id, body, status,
                        content_hash, author_ip_hash, author_ip, user_agent)
  SELECT id, $1, article_id, author_id, external_id, CASE WHEN parent_id IN (SELECT id FROM loops) THEN NULL ELSE parent_id END,
         parent_ext, body, 'pending', content_hash, ip_hash, ip, user_agent
    FROM to_insert ORDER BY external_id
  ON CONFLICT (site_id, external_id) DO NOTHING
  RETURNING id, external_id, article_id, body
),
first_revision AS (
  INSERT INTO comment_revisions (comment_id, revision, body)
  SELECT id, 1, body FROM inserted
),
linked AS (
  UPDATE comments c SET parent_id = ins.id
    FROM inserted ins
   WHERE c.site_id = $1 AND c.parent_external_id = ins.external_id AND c.parent_id IS NULL
     AND c.article_id = ins.article_id
)
SELECT r.ord::int AS ord,
       CASE WHEN ins.id IS NOT NULL THEN 'accepted'
            WHEN r.existing_id IS NOT NULL AND r.existing_hash = r.content_hash THEN 'duplicate'
            WHEN r.existing_id IS NOT NULL THEN 'conflict'
            WHEN r.parent_elsewhere THEN 'parent_elsewhere'
            WHEN r.id IN (SELECT id FROM loops) THEN 'parent_loop'
            ELSE 'raced' END AS outcome,
       COALESCE(ins.id, r.existing_id) AS id,
       CASE WHEN ins.id IS NOT NULL THEN 'pending' ELSE r.existing_status END AS status,
       CASE WHEN ins.id IS NOT NULL THEN 1 ELSE r.existing_revision END AS revision
  FROM resolved r LEFT JOIN inserted ins ON ins.id = r.id
 ORDER BY r.ord`);

/** Attempts of one statement killed as a deadlock victim (a safety net: the lock order above avoids them). */
const MAX_DEADLOCK_ATTEMPTS = 3;

/** Stores of up to this many comments (every coalesced group) run prepared statements. */
const PREPARED_UP_TO = MODERATION_GROUP_MAX;

/** How long, and for how many rows, a process remembers the articles and authors it stored. */
const RECENT_TTL_MS = 60_000;
const RECENT_MAX_ROWS = 100_000;
/** Values of a row remembered without knowing them all (a store that left some as they were). */
const SOME_VALUES = '?';

const CONFLICT_DETAIL: ErrorDetail = { field: 'externalId', problem: 'is already used by a comment with different content' };
/** Why a parent is refused, by the outcome that refuses it. */
const PARENT_DETAILS: Record<InvalidParent, ErrorDetail> = {
  parent_elsewhere: { field: 'parentId', problem: 'names a comment of another article' },
  parent_loop: { field: 'parentId', problem: 'names a comment that replies to this one, directly or further down' },
};

@Injectable()
export class IngestService {
  /**
   * Single comments of one site, coalesced: while a store of the site is in flight, the requests
   * arriving wait and go together into the next store (one round of statements, one bulk add) when
   * it ends. An externalId already waiting goes to a later group, so the first sent is stored
   * first and its repeats get the same answers they would get one after another.
   */
  private readonly singles = new GroupCommit<Submission, StoredOutcome>({
    maxItems: MODERATION_GROUP_MAX,
    distinctBy: (submission) => submission.dto.externalId,
    flush: (siteId, submissions) => this.store(siteId, submissions, 'single'),
  });

  private readonly recent = new RecentlyStored(RECENT_TTL_MS, RECENT_MAX_ROWS);

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly checks: ModerationQueueService,
    private readonly hasher: PersonalDataHasher,
    private readonly settings: SiteSettingsCache,
    private readonly metrics: Metrics,
  ) {}

  /** One comment: new, a retry of a stored one, or an error (409 for other content, 400 for a bad parent). */
  async submitOne(siteId: string, dto: CreateCommentDto, correlationId?: string): Promise<{ id: string; externalId: string; status: CommentStatus; created: boolean }> {
    const problem = await this.checkAgainstSite(siteId, dto);
    if (problem) throw new ApiError('validation_failed', `${problem.field} ${problem.problem}`, [problem]);
    const stored = await this.singles.submit(siteId, { dto, correlationId });
    switch (stored.outcome) {
      case 'accepted':
      case 'duplicate':
        return { id: stored.id!, externalId: dto.externalId, status: stored.status!, created: stored.outcome === 'accepted' };
      case 'parent_elsewhere':
      case 'parent_loop': {
        const { field, problem } = PARENT_DETAILS[stored.outcome];
        throw ApiError.invalid(field, problem);
      }
      default:
        throw new ApiError('conflict', `A different comment with externalId "${dto.externalId}" already exists`, [CONFLICT_DETAIL]);
    }
  }

  /** Many comments; each gets its own result in request order, and one bad item never rejects the others. */
  async submitBatch(siteId: string, items: unknown[], correlationId?: string): Promise<BatchResult> {
    const results: BatchItemResult[] = new Array(items.length);
    const dtos = await Promise.all(items.map((item, index) => this.validateItem(siteId, item, index)));
    // Within one batch the first occurrence of an externalId is stored; a later identical copy is
    // its duplicate, a later different one a conflict.
    const toStore: number[] = [];
    const copies: [index: number, of: number][] = [];
    const firstIndex = new Map<string, number>();
    dtos.forEach((dto, index) => {
      if (!(dto instanceof CreateCommentDto)) return void (results[index] = dto);
      const first = firstIndex.get(dto.externalId);
      if (first === undefined) {
        firstIndex.set(dto.externalId, index);
        toStore.push(index);
      } else if (contentHash(dtos[first] as CreateCommentDto) === contentHash(dto)) {
        copies.push([index, first]);
      } else {
        results[index] = { status: 'conflict', externalId: dto.externalId, errors: [CONFLICT_DETAIL] };
      }
    });
    if (toStore.length > 0) {
      const submissions = toStore.map((index) => ({ dto: dtos[index] as CreateCommentDto, correlationId }));
      const stored = await this.store(siteId, submissions, 'batch');
      stored.forEach((outcome, i) => (results[toStore[i]] = itemResult(outcome, submissions[i].dto.externalId)));
    }
    for (const [index, first] of copies) {
      const original = results[first];
      results[index] = 'id' in original ? { status: 'duplicate', id: original.id, externalId: original.externalId } : original;
    }
    return {
      accepted: results.filter((r) => r.status === 'accepted').length,
      duplicates: results.filter((r) => r.status === 'duplicate').length,
      rejected: results.filter((r) => r.status === 'invalid' || r.status === 'conflict').length,
      results,
    };
  }

  /** A batch item as a valid DTO, or its 'invalid' result naming each bad field. */
  private async validateItem(siteId: string, item: unknown, index: number): Promise<CreateCommentDto | BatchItemResult> {
    if (typeof item !== 'object' || item === null || Array.isArray(item)) {
      return { status: 'invalid', errors: [{ field: `comments.${index}`, problem: 'must be an object' }] };
    }
    const dto = plainToInstance(CreateCommentDto, item);
    const errors = validationDetails(await validate(dto, VALIDATION_OPTIONS));
    const siteProblem = errors.length === 0 ? await this.checkAgainstSite(siteId, dto) : null;
    if (errors.length === 0 && !siteProblem) return dto;
    const externalId = (item as { externalId?: unknown }).externalId;
    return {
      status: 'invalid',
      ...(typeof externalId === 'string' ? { externalId } : {}),
      errors: siteProblem ? [siteProblem] : errors,
    };
  }

  /** Rules of the site itself (its body limit), which the DTO cannot know. */
  private async checkAgainstSite(siteId: string, dto: CreateCommentDto): Promise<ErrorDetail | null> {
    if (dto.parentId !== undefined && dto.parentId === dto.externalId) {
      return { field: 'parentId', problem: 'must not name the comment itself' };
    }
    const { maxBodyLength } = await this.settings.get(siteId);
    if (dto.body.length > maxBodyLength) {
      return { field: 'body', problem: `must be at most ${maxBodyLength} characters long` };
    }
    return null;
  }

  /**
   * Stores valid comments with distinct externalIds (their articles, their authors, then the
   * comments: see ARTICLES) and queues the checks due, each with its own request's id.
   * Answers one outcome per submission, in order.
   */
  private async store(siteId: string, submissions: Submission[], endpoint: 'single' | 'batch'): Promise<StoredOutcome[]> {
    try {
      return await this.storeOnce(siteId, submissions, endpoint);
    } catch (error) {
      // An article or author skipped as recently stored was deleted since: store with every upsert.
      if (!isPgError(error, 'notNullViolation')) throw error;
      this.recent.forgetSite(siteId);
      return this.storeOnce(siteId, submissions, endpoint);
    }
  }

  private async storeOnce(siteId: string, submissions: Submission[], endpoint: 'single' | 'batch'): Promise<StoredOutcome[]> {
    const dtos = submissions.map((s) => s.dto);
    const { storeRawAuthorData } = await this.settings.get(siteId);
    await this.storeArticles(siteId, dtos);
    await this.storeAuthors(siteId, dtos, storeRawAuthorData);
    const rows = await this.query(COMMENTS, dtos.length, [
      siteId,
      // Time-ordered: a store's comments land on the same few pages of every index on the id.
      dtos.map(() => uuidv7()),
      column(dtos, (d) => d.externalId),
      column(dtos, (d) => d.articleId),
      column(dtos, (d) => d.parentId),
      column(dtos, (d) => d.author.id),
      column(dtos, (d) => d.body),
      dtos.map(contentHash),
      column(dtos, (d) => (d.author.ip ? this.hasher.ip(d.author.ip) : null)),
      column(dtos, (d) => (storeRawAuthorData ? d.author.ip : null)),
      column(dtos, (d) => d.author.userAgent),
    ]);
    const stored: StoredOutcome[] = [];
    for (const [index, row] of rows.entries()) {
      stored.push(row.outcome === 'raced' ? await this.recheck(siteId, dtos[index], row) : row);
    }
    for (const { outcome } of stored) {
      if (outcome === 'accepted' || outcome === 'duplicate') this.metrics.commentsIngested.inc({ endpoint, outcome });
    }
    // New comments, and stored ones still pending (their first enqueue may have failed), are queued.
    await this.checks.enqueue(
      stored.flatMap((o, index) =>
        (o.outcome === 'accepted' || o.outcome === 'duplicate') && o.status === 'pending'
          ? [{ commentId: o.id!, revision: o.revision!, correlationId: submissions[index].correlationId }]
          : [],
      ),
    );
    return stored;
  }

  /** Upserts the articles of a store, but those this process stored the same way within a minute. */
  private async storeArticles(siteId: string, dtos: CreateCommentDto[]): Promise<void> {
    const rows = dtos.map((dto) => {
      const { articleTitle: title, articleUrl: url } = dto;
      // Without a title and url a comment changes nothing of an article that exists (undefined:
      // any values will do); with only one of them, what the article ends up with is not known.
      const values = title == null && url == null ? undefined : title != null && url != null ? JSON.stringify([title, url]) : SOME_VALUES;
      return { dto, key: `${siteId}/article/${dto.articleId}`, values };
    });
    const due = rows.filter(({ key, values }) => values === SOME_VALUES || !this.recent.has(key, values));
    if (due.length === 0) return;
    const articles = due.map(({ dto }) => dto);
    await this.query(ARTICLES, due.length, [siteId, column(articles, (d) => d.articleId), column(articles, (d) => d.articleTitle), column(articles, (d) => d.articleUrl)]);
    for (const { key, values } of due) this.recent.remember(key, values ?? SOME_VALUES);
  }

  /** Upserts the authors of a store, but those this process stored with the same values within a minute. */
  private async storeAuthors(siteId: string, dtos: CreateCommentDto[], storeRawAuthorData: boolean): Promise<void> {
    const rows = dtos.map((dto) => {
      const emailHash = dto.author.email ? this.hasher.email(dto.author.email) : null;
      const email = storeRawAuthorData ? dto.author.email : null;
      const values = JSON.stringify([dto.author.name, emailHash, email, dto.author.accountCreatedAt, dto.author.approvedCount]);
      return { dto, emailHash, email, key: `${siteId}/author/${dto.author.id}`, values };
    });
    const due = rows.filter(({ key, values }) => !this.recent.has(key, values));
    if (due.length === 0) return;
    const authors = due.map(({ dto }) => dto);
    await this.query(AUTHORS, due.length, [
      siteId,
      column(authors, (d) => d.author.id),
      column(authors, (d) => d.author.name),
      due.map((r) => r.emailHash),
      due.map((r) => r.email ?? null),
      column(authors, (d) => d.author.accountCreatedAt),
      column(authors, (d) => d.author.approvedCount),
    ]);
    for (const { key, values } of due) this.recent.remember(key, values);
  }

  /**
   * One statement, run again if PostgreSQL kills it as a deadlock victim (it then changed
   * nothing). The lock order of a store leaves no cycle among stores; this covers others.
   */
  private async query<Row extends object>(statement: PreparedStatement<Row>, comments: number, parameters: unknown[]): Promise<Row[]> {
    for (let attempt = 1; ; attempt++) {
      try {
        // A generic plan assumes a few rows per array and joins the CTEs with nested loops: right
        // for a group, quadratic for a batch of a thousand, which is planned for its size instead.
        return comments <= PREPARED_UP_TO ? await statement.run(this.dataSource, parameters) : await this.dataSource.query(statement.text, parameters);
      } catch (error) {
        if (!isPgError(error, 'deadlockDetected') || attempt >= MAX_DEADLOCK_ATTEMPTS) throw error;
      }
    }
  }

  /** The statement's snapshot missed a concurrent insert of the same externalId: look again. */
  private async recheck(siteId: string, dto: CreateCommentDto, row: StoredOutcome): Promise<StoredOutcome> {
    const [existing] = await this.dataSource.query(
      `SELECT id, status, revision, content_hash FROM comments WHERE site_id = $1 AND external_id = $2`,
      [siteId, dto.externalId],
    );
    if (!existing) throw new Error(`comment ${dto.externalId} was neither inserted nor found`);
    return { ...row, id: existing.id, status: existing.status, revision: existing.revision, outcome: existing.content_hash === contentHash(dto) ? 'duplicate' : 'conflict' };
  }
}

function itemResult(outcome: StoredOutcome, externalId: string): BatchItemResult {
  switch (outcome.outcome) {
    case 'accepted':
    case 'duplicate':
      return { status: outcome.outcome, id: outcome.id!, externalId };
    case 'parent_elsewhere':
    case 'parent_loop':
      return { status: 'invalid', externalId, errors: [PARENT_DETAILS[outcome.outcome]] };
    default:
      return { status: 'conflict', externalId, errors: [CONFLICT_DETAIL] };
  }
}
