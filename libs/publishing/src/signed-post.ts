import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { LookupFunction } from 'node:net';
import { resolveWebhookTarget, UnsafeWebhookUrlError } from './address-safety.js';
import { webhookHeaders } from './signing.js';

export interface SendResult {
  ok: boolean;
  statusCode: number | null;
  latencyMs: number;
  error: string | null;
  /** The answer's body, up to `maxResponseBytes`. */
  body: string;
}

/**
 * POSTs one message signed the Standard Webhooks way (webhook deliveries, external scorers). The
 * URL is checked and resolved first, and the connection goes to exactly the checked address (so
 * a DNS answer cannot swap in an internal one in between).
 */
export async function postSigned(options: {
  url: string;
  secrets: string[];
  messageId: string;
  /** The request behind the change, sent as X-Request-Id so both sides can trace it. */
  correlationId: string | null;
  body: string;
  timeoutMs: number;
  allowPrivate: boolean;
  /** How much of the answer to keep (an error message, or a scorer's JSON). */
  maxResponseBytes?: number;
}): Promise<SendResult> {
  const maxBody = options.maxResponseBytes ?? 500;
  const started = performance.now();
  const elapsed = () => Math.round(performance.now() - started);
  let target;
  try {
    target = await resolveWebhookTarget(options.url, options.allowPrivate);
  } catch (error) {
    if (!(error instanceof UnsafeWebhookUrlError)) throw error;
    return { ok: false, statusCode: null, latencyMs: elapsed(), error: `URL ${error.message}`, body: '' };
  }
  const pinned: LookupFunction = (_host, lookupOptions, callback) => {
    if ((lookupOptions as { all?: boolean }).all) (callback as (e: null, a: { address: string; family: number }[]) => void)(null, [{ address: target.address, family: target.family }]);
    else callback(null, target.address, target.family);
  };
  const timestamp = Math.floor(Date.now() / 1000);
  const request = target.url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise<SendResult>((resolve) => {
    const req = request(
      target.url,
      {
        method: 'POST',
        lookup: pinned,
        timeout: options.timeoutMs,
        headers: {
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(options.body),
          'user-agent': 'Threadkeeper-Webhooks/1',
          ...(options.correlationId ? { 'x-request-id': options.correlationId } : {}),
          ...webhookHeaders(options.secrets, options.messageId, timestamp, options.body),
        },
      },
      (res) => {
        let answer = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          if (answer.length < maxBody) answer += chunk;
        });
        res.on('end', () => {
          const statusCode = res.statusCode ?? 0;
          const ok = statusCode >= 200 && statusCode < 300;
          const body = answer.slice(0, maxBody);
          resolve({ ok, statusCode, latencyMs: elapsed(), error: ok ? null : `HTTP ${statusCode}: ${body.slice(0, 500)}`, body });
        });
        res.on('error', (error) => resolve({ ok: false, statusCode: res.statusCode ?? null, latencyMs: elapsed(), error: error.message, body: '' }));
      },
    );
    req.on('timeout', () => req.destroy(new Error(`no answer within ${options.timeoutMs} ms`)));
    req.on('error', (error) => resolve({ ok: false, statusCode: null, latencyMs: elapsed(), error: error.message, body: '' }));
    req.end(options.body);
  });
}
