import { randomFillSync } from 'node:crypto';

/** Random bytes drawn 256 ids at a time: one system call per 256 ids, not one per id. */
const pool = Buffer.alloc(16 * 256);
let offset = pool.length;

/**
 * A UUID version 7 (RFC 9562): the Unix time in milliseconds, then 74 random bits. Rows keyed
 * by it are inserted near the end of their primary-key index, and the rows written together
 * share index pages, where random (version 4) ids touch, dirty and log a random page of every
 * index on the id for each row.
 */
export function uuidv7(now = Date.now()): string {
  if (offset === pool.length) {
    randomFillSync(pool);
    offset = 0;
  }
  const bytes = pool.subarray(offset, offset + 16);
  offset += 16;
  bytes.writeUIntBE(now, 0, 6);
  bytes[6] = 0x70 | (bytes[6] & 0x0f);
  bytes[8] = 0x80 | (bytes[8] & 0x3f);
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
