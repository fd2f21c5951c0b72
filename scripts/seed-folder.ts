import { existsSync } from 'node:fs';
import { resolve } from 'node:path';

/**
 * The folder of the real comment threads some tests check against (read-only, outside the
 * repository, so possibly absent, as in CI clones): THREADKEEPER_SEEDS, else `shared/seeds` beside
 * the checkout, else /work/shared/seeds. One lookup, so every test agrees wherever the clone is.
 */
export function seedFolder(): string {
  if (process.env.THREADKEEPER_SEEDS) return process.env.THREADKEEPER_SEEDS;
  const besideCheckout = resolve(import.meta.dirname, '..', '..', 'shared', 'seeds');
  return existsSync(besideCheckout) ? besideCheckout : '/work/shared/seeds';
}
