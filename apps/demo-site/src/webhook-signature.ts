import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * The receiving side of Standard Webhooks (https://www.standardwebhooks.com), written the way a
 * site would write it, without Threadkeeper's code: the signature is
 * base64(HMAC-SHA256(key, `${id}.${timestamp}.${rawBody}`)), sent as `v1,<signature>`, several
 * of them space-separated while the sender rotates its secret.
 */
export const SECRET_PREFIX = 'whsec_';

/** Deliveries older or newer than this are refused, so a captured request cannot be replayed later. */
export const TIMESTAMP_TOLERANCE_SECONDS = 5 * 60;

/** A key shorter than this is a mistake (a truncated copy-paste), not a secret. */
const MIN_KEY_BYTES = 16;

const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

/** The HMAC key inside a `whsec_<base64>` secret; throws a message fit for an operator when it is not one. */
export function webhookKey(secret: string): Buffer {
  const encoded = secret.trim();
  if (!encoded.startsWith(SECRET_PREFIX)) throw new Error(`must start with ${SECRET_PREFIX}`);
  const base64 = encoded.slice(SECRET_PREFIX.length);
  if (!BASE64.test(base64)) throw new Error(`must be ${SECRET_PREFIX} followed by base64`);
  const key = Buffer.from(base64, 'base64');
  if (key.length < MIN_KEY_BYTES) throw new Error(`must hold a key of at least ${MIN_KEY_BYTES} bytes`);
  return key;
}

export interface SignedRequest {
  id: string | undefined;
  timestamp: string | undefined;
  signature: string | undefined;
  rawBody: Buffer;
}

/** Why a delivery was refused, said in the 401 so a misconfigured sender can tell what to fix. */
export type SignatureProblem = 'missing headers' | 'timestamp out of tolerance' | 'no matching signature';

export function checkSignature(key: Buffer, request: SignedRequest, nowMs = Date.now()): SignatureProblem | undefined {
  const { id, timestamp, signature, rawBody } = request;
  if (!id || !timestamp || !signature) return 'missing headers';
  const seconds = /^\d{1,12}$/.test(timestamp) ? Number(timestamp) : Number.NaN;
  if (!(Math.abs(nowMs / 1000 - seconds) <= TIMESTAMP_TOLERANCE_SECONDS)) return 'timestamp out of tolerance';
  // Bytes as received: re-serialising the parsed JSON could change them and break the HMAC.
  const expected = createHmac('sha256', key).update(`${id}.${timestamp}.`).update(rawBody).digest();
  const matches = signature.split(' ').some((entry) => {
    const [version, encoded] = entry.split(',', 2);
    if (version !== 'v1' || !encoded) return false;
    const given = Buffer.from(encoded, 'base64');
    return given.length === expected.length && timingSafeEqual(given, expected);
  });
  return matches ? undefined : 'no matching signature';
}
