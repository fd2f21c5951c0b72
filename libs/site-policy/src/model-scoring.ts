import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { Environment } from '#app/config';
import type { Scorer } from '#app/moderation-engine';
import { type Adaptation, createAdaptation, createModelScorer, deserializeAdaptation, type LinearModel, loadModel, type ModelScorer } from '#app/text-models';

/** A model's key in the adaptations table: task and version, e.g. `toxicity-v1`. */
export const modelKey = (model: LinearModel): string => `${model.task}-v${model.version}`;

function packageRoot(): string {
  let dir = import.meta.dirname;
  while (!existsSync(join(dir, 'package.json'))) {
    const parent = resolve(dir, '..');
    if (parent === dir) throw new Error('cannot find the package root to load the models from');
    dir = parent;
  }
  return dir;
}

/** The newest `<task>-v<N>.json` of each task in the folder. */
export function loadNewestModels(dir: string): LinearModel[] {
  const newest = new Map<string, { version: number; file: string }>();
  for (const file of readdirSync(dir)) {
    const match = /^([a-z_]+)-v(\d+)\.json$/.exec(file);
    if (!match) continue;
    const [, task, version] = match;
    if ((newest.get(task)?.version ?? -1) < Number(version)) newest.set(task, { version: Number(version), file });
  }
  return [...newest.values()].map(({ file }) => loadModel(readFileSync(join(dir, file), 'utf8'), join(dir, file)));
}

/**
 * The built-in models as an engine scorer, with each site's adaptation: a live list per site
 * that the site's engine reads on every comment, refreshed in place when the site's adaptation
 * revision moves (so no engine is rebuilt for it).
 */
@Injectable()
export class ModelScoring {
  private readonly logger = new Logger(ModelScoring.name);
  readonly models: LinearModel[];
  private readonly scorer: ModelScorer;
  private readonly sites = new Map<string, { revision: number; adaptations: Adaptation[] }>();

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    env: Environment,
  ) {
    const dir = env.MODELS_DIR ?? join(packageRoot(), 'models');
    this.models = loadNewestModels(dir);
    this.scorer = createModelScorer(this.models);
    this.logger.log(`models loaded from ${dir}: ${this.models.map(modelKey).join(', ') || 'none'}`);
  }

  /** The scorer for one site's engine: the base models plus that site's live adaptations. */
  scorerFor(siteId: string): Scorer {
    return this.scorer.withAdaptations(this.entry(siteId).adaptations);
  }

  /** Brings a site's adaptations up to `revision` (a no-op when they are there already). */
  async refresh(siteId: string, revision: number): Promise<void> {
    const entry = this.entry(siteId);
    if (entry.revision === revision) return;
    const rows: { model: string; state: string }[] = revision === 0
      ? []
      : await this.dataSource.query(`SELECT model, state FROM site_model_adaptations WHERE site_id = $1`, [siteId]);
    const loaded = rows.flatMap(({ model: key, state }) => {
      const model = this.models.find((m) => modelKey(m) === key);
      return model ? [deserializeAdaptation(state, model)] : []; // adaptations of retired models are left behind
    });
    entry.adaptations.splice(0, entry.adaptations.length, ...loaded);
    entry.revision = revision;
  }

  /** A site's adaptation of a model as stored, or a fresh one. */
  adaptationOf(model: LinearModel, state: string | undefined): Adaptation {
    return state ? deserializeAdaptation(state, model) : createAdaptation(model);
  }

  private entry(siteId: string) {
    let entry = this.sites.get(siteId);
    if (!entry) {
      entry = { revision: 0, adaptations: [] };
      this.sites.set(siteId, entry);
    }
    return entry;
  }
}
