import { DataSource, type DataSourceOptions } from 'typeorm';
import { ApiKey } from './entities/api-key.entity.js';
import { Article } from './entities/article.entity.js';
import { Author } from './entities/author.entity.js';
import { Comment } from './entities/comment.entity.js';
import { Decision } from './entities/decision.entity.js';
import { Moderator } from './entities/moderator.entity.js';
import { Report } from './entities/report.entity.js';
import { SitePolicyVersion } from './entities/site-policy.entity.js';
import { Site } from './entities/site.entity.js';
import { InitialSchema1764057600000 } from './migrations/1764057600000-initial-schema.js';
import { SitePoliciesAndAuthorStanding1764100000000 } from './migrations/1764100000000-site-policies-and-author-standing.js';
import { ModeratorReview1764200000000 } from './migrations/1764200000000-moderator-review.js';
import { Publication1764300000000 } from './migrations/1764300000000-publication.js';
import { CorrelationIds1764400000000 } from './migrations/1764400000000-correlation-ids.js';
import { ModelAdaptation1764500000000 } from './migrations/1764500000000-model-adaptation.js';
import { ExternalScorers1764600000000 } from './migrations/1764600000000-external-scorers.js';
import { ReportsReviewed1764700000000 } from './migrations/1764700000000-reports-reviewed.js';
import { PendingCommentsIndex1764800000000 } from './migrations/1764800000000-pending-comments-index.js';
import { AuthorCommentCounts1764900000000 } from './migrations/1764900000000-author-comment-counts.js';
import { ThreadDeliveryJobs1765000000000 } from './migrations/1765000000000-thread-delivery-jobs.js';
import { PendingDeliveriesIndex1765100000000 } from './migrations/1765100000000-pending-deliveries-index.js';

export const ENTITIES = [Site, ApiKey, Article, Author, Comment, Decision, Report, SitePolicyVersion, Moderator];
/** In order. Classes, not globs, so the same list works from sources (tests) and from dist. */
export const MIGRATIONS = [InitialSchema1764057600000, SitePoliciesAndAuthorStanding1764100000000, ModeratorReview1764200000000, Publication1764300000000, CorrelationIds1764400000000, ModelAdaptation1764500000000, ExternalScorers1764600000000, ReportsReviewed1764700000000, PendingCommentsIndex1764800000000, AuthorCommentCounts1764900000000, ThreadDeliveryJobs1765000000000, PendingDeliveriesIndex1765100000000];

export function dataSourceOptions(databaseUrl: string, poolSize = 10): DataSourceOptions {
  return {
    type: 'postgres',
    url: databaseUrl,
    entities: ENTITIES,
    migrations: MIGRATIONS,
    migrationsTableName: 'migrations',
    synchronize: false,
    extra: { max: poolSize },
  };
}

/** For the TypeORM CLI: `npx typeorm migration:show -d dist/libs/database/src/data-source.js`. */
export default new DataSource(dataSourceOptions(process.env.DATABASE_URL ?? 'postgres://localhost/threadkeeper'));
