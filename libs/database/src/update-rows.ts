/**
 * Runs an UPDATE … RETURNING and gives its rows. (TypeORM answers UPDATE and DELETE queries with
 * `[rows, rowCount]` but other statements with the rows alone; this keeps callers from mixing
 * the two up.)
 */
export async function updateRows<T>(db: { query(sql: string, params?: unknown[]): Promise<unknown> }, sql: string, params: unknown[]): Promise<T[]> {
  const [rows] = (await db.query(sql, params)) as [T[], number];
  return rows;
}
