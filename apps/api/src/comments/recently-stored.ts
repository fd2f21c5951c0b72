/**
 * Rows this process upserted lately, each with the values it sent: a store skips the upsert of an
 * article or author it sent the same way within the TTL (most comments are on articles and by
 * authors seen a moment ago), saving two of a store's three statements and commits. Another
 * process's newer values for the same row are overwritten by none of this: a skipped upsert
 * writes nothing. A row deleted meanwhile is found missing by the comments statement, and the
 * store forgets the site and runs again with every upsert.
 */
export class RecentlyStored {
  private readonly entries = new Map<string, { values: string; expires: number }>();

  constructor(
    private readonly ttlMs: number,
    private readonly maxEntries: number,
  ) {}

  /** Whether this row was stored by this process within the TTL, with these values (any values when `values` is undefined). */
  has(key: string, values?: string, now = Date.now()): boolean {
    const entry = this.entries.get(key);
    return entry !== undefined && entry.expires > now && (values === undefined || entry.values === values);
  }

  remember(key: string, values: string, now = Date.now()): void {
    this.entries.delete(key);
    this.entries.set(key, { values, expires: now + this.ttlMs });
    // Oldest first in a Map: past the bound, the least recently stored goes.
    if (this.entries.size > this.maxEntries) this.entries.delete(this.entries.keys().next().value!);
  }

  /** Forgets every row of a site (keys start with the site id). */
  forgetSite(siteId: string): void {
    for (const key of this.entries.keys()) if (key.startsWith(siteId)) this.entries.delete(key);
  }
}
