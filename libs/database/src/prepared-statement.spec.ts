import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { dataSourceOptions } from './data-source.js';
import { PreparedStatement } from './prepared-statement.js';

// Against the test database (npm test provides DATABASE_URL and migrates it).
describe('PreparedStatement', () => {
  const db = new DataSource(dataSourceOptions(process.env.DATABASE_URL!, 2));
  const siteNamed = new PreparedStatement<{ id: string; name: string }>('test-site-named', 'SELECT id, name FROM sites WHERE slug = $1');
  const rename = new PreparedStatement<{ id: string }>('test-rename-site', 'UPDATE sites SET name = $2 WHERE slug = $1 RETURNING id');
  const slug = `prepared-${randomUUID()}`;

  beforeAll(() => db.initialize());
  afterAll(async () => {
    await db.query(`DELETE FROM sites WHERE slug = $1`, [slug]);
    await db.destroy();
  });

  it('runs again and again on the pool, prepared once per connection', async () => {
    await db.query(`INSERT INTO sites (name, slug) VALUES ('Prepared', $1)`, [slug]);
    const single = new DataSource(dataSourceOptions(process.env.DATABASE_URL!, 1));
    await single.initialize();
    try {
      for (let run = 0; run < 8; run++) expect(await siteNamed.run(single, [slug])).toEqual([{ id: expect.any(String), name: 'Prepared' }]);
      // The pool's one connection knows the statement by name: parsed once, not eight times.
      const prepared = await single.query(`SELECT statement FROM pg_prepared_statements WHERE name = 'test-site-named'`);
      expect(prepared).toEqual([{ statement: siteNamed.text }]);
    } finally {
      await single.destroy();
    }
  });

  it('answers the rows of an UPDATE … RETURNING', async () => {
    const [renamed] = await rename.run(db, [slug, 'Renamed']);
    expect(renamed.id).toEqual(expect.any(String));
    expect((await siteNamed.run(db, [slug]))[0].name).toBe('Renamed');
  });

  it("runs inside a transaction on that transaction's connection", async () => {
    await expect(
      db.transaction(async (tx) => {
        await rename.run(tx, [slug, 'Inside']);
        // Seen inside the transaction, not outside it until commit.
        expect((await siteNamed.run(tx, [slug]))[0].name).toBe('Inside');
        expect((await siteNamed.run(db, [slug]))[0].name).toBe('Renamed');
        throw new Error('roll back');
      }),
    ).rejects.toThrow('roll back');
    expect((await siteNamed.run(db, [slug]))[0].name).toBe('Renamed');
  });
});
