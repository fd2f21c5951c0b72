import { Injectable, Logger, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { Environment } from '#app/config';
import { modelKey, ModelScoring } from '#app/site-policy';
import { adaptationUpdate, serializeAdaptation } from '#app/text-models';
import { PeriodicTask } from '../common/periodic-task.js';

const BATCH = 500;

interface Example {
  id: string;
  site_id: string;
  labels: Record<string, 0 | 1>;
  body: string;
}

/**
 * Applies moderators' decisions to their site's model adaptation, in the order they were made.
 * Examples are taken with SKIP LOCKED and the sites they are of are locked while their adaptations
 * are updated, so several workers never learn the same example twice or overwrite each other.
 */
@Injectable()
export class LearningService implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(LearningService.name);
  private readonly rounds: PeriodicTask;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly scoring: ModelScoring,
    env: Environment,
  ) {
    // The relay's interval: both pick up rows other transactions committed (examples, outbox rows),
    // and a round that finds nothing costs one short transaction.
    this.rounds = new PeriodicTask(() => this.learn(), env.OUTBOX_POLL_MS, (error) => this.logger.warn(`learning round failed, will retry: ${error.message}`));
  }

  onApplicationBootstrap(): void {
    this.rounds.start();
  }

  onModuleDestroy(): Promise<void> {
    return this.rounds.stop();
  }

  /** One round: answers how many examples it learned from. */
  async learn(): Promise<number> {
    return this.dataSource.transaction(async (tx) => {
      const examples: Example[] = await tx.query(
        `SELECT e.id, e.site_id, e.labels, r.body
           FROM learning_examples e JOIN comment_revisions r ON r.comment_id = e.comment_id AND r.revision = e.comment_revision
          ORDER BY e.id LIMIT ${BATCH} FOR UPDATE OF e SKIP LOCKED`,
      );
      if (examples.length === 0) return 0;
      const bySite = new Map<string, Example[]>();
      for (const example of examples) bySite.set(example.site_id, [...(bySite.get(example.site_id) ?? []), example]);
      // The site rows, not the adaptation rows: a site learning for the first time has none to
      // lock, and two rounds would both start from nothing. All at once and in id order, so two
      // rounds over the same sites never wait for each other in a cycle. NO KEY UPDATE, as the
      // update of the revision takes: comments stored for the site meanwhile are not held up.
      await tx.query(`SELECT id FROM sites WHERE id = ANY($1::uuid[]) ORDER BY id FOR NO KEY UPDATE`, [[...bySite.keys()]]);
      for (const [siteId, siteExamples] of bySite) {
        const stored: { model: string; state: string }[] = await tx.query(`SELECT model, state FROM site_model_adaptations WHERE site_id = $1`, [siteId]);
        for (const model of this.scoring.models) {
          const key = modelKey(model);
          const relevant = siteExamples
            .map((e) => ({ body: e.body, labels: Object.fromEntries(Object.entries(e.labels).filter(([label]) => model.labels.includes(label))) }))
            .filter((e) => Object.keys(e.labels).length > 0);
          if (relevant.length === 0) continue;
          const adaptation = this.scoring.adaptationOf(model, stored.find((s) => s.model === key)?.state);
          for (const { body, labels } of relevant) adaptationUpdate(adaptation, model, body, labels);
          await tx.query(
            `INSERT INTO site_model_adaptations (site_id, model, state, examples) VALUES ($1, $2, $3, $4)
             ON CONFLICT (site_id, model) DO UPDATE
               SET state = EXCLUDED.state, examples = site_model_adaptations.examples + EXCLUDED.examples, updated_at = now()`,
            [siteId, key, serializeAdaptation(adaptation), relevant.length],
          );
        }
        await tx.query(`UPDATE sites SET adaptation_revision = adaptation_revision + 1 WHERE id = $1`, [siteId]);
      }
      await tx.query(`DELETE FROM learning_examples WHERE id = ANY($1::bigint[])`, [examples.map((e) => e.id)]);
      return examples.length;
    });
  }
}
