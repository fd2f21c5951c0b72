// Applies pending migrations: `node dist/libs/database/src/migrate.js` (npm start runs it).
import { DataSource } from 'typeorm';
import { dataSourceOptions } from './data-source.js';

const url = process.env.DATABASE_URL;
if (!url) {
  process.stderr.write('DATABASE_URL (missing): set it to the postgres:// URL of the database to migrate\n');
  process.exit(1);
}
const dataSource = new DataSource(dataSourceOptions(url, 1));
await dataSource.initialize();
const applied = await dataSource.runMigrations({ transaction: 'each' });
for (const migration of applied) process.stderr.write(`[threadkeeper] applied migration ${migration.name}\n`);
if (applied.length === 0) process.stderr.write('[threadkeeper] database schema is up to date\n');
await dataSource.destroy();
