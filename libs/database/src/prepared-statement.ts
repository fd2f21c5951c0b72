import type { Pool, PoolClient } from 'pg';
import { DataSource, type EntityManager } from 'typeorm';
import type { PostgresDriver } from 'typeorm/driver/postgres/PostgresDriver.js';

/**
 * A hot-path statement that PostgreSQL parses and plans once per connection instead of on every
 * call. The ingest and decision statements are a dozen CTEs each: planning one took about a
 * millisecond, as long as running it for a small group. pg prepares the statement by name the
 * first time a connection runs it and afterwards only binds values (PostgreSQL then settles on a
 * generic plan after five runs when it is no worse). Names are per text: one name, one statement.
 */
export class PreparedStatement<Row extends object> {
  constructor(
    readonly name: string,
    readonly text: string,
  ) {}

  /**
   * Runs on the pool (a transaction of its own) or, given a transaction's EntityManager, on that
   * transaction's connection. Answers the rows, for every kind of statement.
   */
  async run(on: DataSource | EntityManager, values: unknown[]): Promise<Row[]> {
    const connection = await connectionOf(on);
    const result = await connection.query({ name: this.name, text: this.text, values });
    return result.rows as Row[];
  }
}

async function connectionOf(on: DataSource | EntityManager): Promise<Pool | PoolClient> {
  if (on instanceof DataSource) return (on.driver as PostgresDriver).master as Pool;
  if (on.queryRunner) return (await on.queryRunner.connect()) as PoolClient;
  return connectionOf(on.dataSource);
}
