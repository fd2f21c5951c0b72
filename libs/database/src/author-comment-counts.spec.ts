import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { dataSourceOptions } from './data-source.js';

// Against the test database (npm test provides DATABASE_URL and migrates it): the triggers that
// keep authors.approved_comments / rejected_comments, whatever statement changes the comments.
describe('author comment counts', () => {
  const db = new DataSource(dataSourceOptions(process.env.DATABASE_URL!, 12));
  const slug = `counts-${randomUUID()}`;
  let siteId: string;
  let articleId: string;
  const authors: string[] = [];

  const counts = async () =>
    (await db.query(`SELECT approved_comments AS approved, rejected_comments AS rejected FROM authors WHERE id = ANY($1::uuid[]) ORDER BY external_id`, [authors])) as {
      approved: number;
      rejected: number;
    }[];
  /** What the counts must be: the comments counted afresh. */
  const recounted = async () =>
    (await db.query(
      `SELECT count(c.id) FILTER (WHERE c.status = 'approved')::int AS approved, count(c.id) FILTER (WHERE c.status = 'rejected')::int AS rejected
         FROM authors au LEFT JOIN comments c ON c.author_id = au.id WHERE au.id = ANY($1::uuid[]) GROUP BY au.id, au.external_id ORDER BY au.external_id`,
      [authors],
    )) as { approved: number; rejected: number }[];
  const insertComments = (author: string, statuses: string[]) =>
    db.query(
      `INSERT INTO comments (site_id, article_id, author_id, external_id, body, status, content_hash)
       SELECT $1, $2, $3, 'c-' || gen_random_uuid(), 'text', s, 'hash' FROM unnest($4::text[]) s`,
      [siteId, articleId, author, statuses],
    );

  beforeAll(async () => {
    await db.initialize();
    [{ id: siteId }] = await db.query(`INSERT INTO sites (name, slug) VALUES ('Counts', $1) RETURNING id`, [slug]);
    [{ id: articleId }] = await db.query(`INSERT INTO articles (site_id, external_id) VALUES ($1, 'a-1') RETURNING id`, [siteId]);
    for (const name of ['author-a', 'author-b']) {
      const [{ id }] = await db.query(`INSERT INTO authors (site_id, external_id, display_name) VALUES ($1, $2, $2) RETURNING id`, [siteId, name]);
      authors.push(id);
    }
  });
  afterAll(async () => {
    await db.query(`DELETE FROM sites WHERE slug = $1`, [slug]);
    await db.destroy();
  });

  it('counts comments inserted, changed in one statement both ways, and deleted', async () => {
    const [a, b] = authors;
    await insertComments(a, ['pending', 'approved', 'approved', 'rejected', 'held']);
    await insertComments(b, ['rejected', 'pending']);
    expect(await counts()).toEqual([
      { approved: 2, rejected: 1 },
      { approved: 0, rejected: 1 },
    ]);

    // One statement moving comments in and out of both counts, for both authors.
    await db.query(
      `UPDATE comments SET status = CASE status WHEN 'pending' THEN 'approved' WHEN 'approved' THEN 'held' WHEN 'rejected' THEN 'approved' ELSE 'rejected' END
        WHERE author_id = ANY($1::uuid[])`,
      [authors],
    );
    expect(await counts()).toEqual(await recounted());
    expect(await counts()).toEqual([
      { approved: 2, rejected: 1 },
      { approved: 2, rejected: 0 },
    ]);

    // Unchanged statuses (a report count, say) change no count and lock no author.
    await db.query(`UPDATE comments SET report_count = report_count + 1 WHERE author_id = $1`, [a]);
    await db.query(`DELETE FROM comments WHERE author_id = $1 AND status = 'approved'`, [b]);
    expect(await counts()).toEqual(await recounted());
    expect(await counts()).toEqual([
      { approved: 2, rejected: 1 },
      { approved: 0, rejected: 0 },
    ]);
  });

  it('loses no change when many transactions change comments of one author at once', async () => {
    const [a] = authors;
    await insertComments(a, Array.from({ length: 40 }, () => 'pending'));
    const pending: { id: string }[] = await db.query(`SELECT id FROM comments WHERE author_id = $1 AND status = 'pending'`, [a]);
    await Promise.all(
      pending.map(({ id }, i) =>
        db.transaction(async (tx) => {
          await tx.query(`UPDATE comments SET status = $2 WHERE id = $1`, [id, i % 3 === 0 ? 'rejected' : 'approved']);
          await tx.query(`SELECT pg_sleep(0.005)`);
        }),
      ),
    );
    expect(await counts()).toEqual(await recounted());
  });
});
