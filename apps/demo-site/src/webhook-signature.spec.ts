import { createHmac } from 'node:crypto';
import { checkSignature, webhookKey } from './webhook-signature.js';

// The example of the Standard Webhooks specification's reference libraries.
const SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
const ID = 'msg_p5jXN8AQM9LWM0D4loKWxJek';
const BODY = Buffer.from('{"test": 2432232314}');
const KEY = webhookKey(SECRET);

function signatureAt(timestamp: number): string {
  return createHmac('sha256', KEY).update(`${ID}.${timestamp}.${BODY.toString()}`).digest('base64');
}

describe('webhook signatures', () => {
  const now = 1_614_265_330_000;
  const timestamp = String(now / 1000);

  it('accepts the specification example', () => {
    const signature = 'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=';
    expect(checkSignature(KEY, { id: ID, timestamp, signature, rawBody: BODY }, now)).toBeUndefined();
  });

  it('accepts any one matching v1 signature of several', () => {
    const signature = `v1,${Buffer.alloc(32).toString('base64')} v2,${signatureAt(now / 1000)} v1,${signatureAt(now / 1000)}`;
    expect(checkSignature(KEY, { id: ID, timestamp, signature, rawBody: BODY }, now)).toBeUndefined();
  });

  it('says why it refuses', () => {
    const signature = `v1,${signatureAt(now / 1000)}`;
    expect(checkSignature(KEY, { id: ID, timestamp, signature: undefined, rawBody: BODY }, now)).toBe('missing headers');
    expect(checkSignature(KEY, { id: ID, timestamp, signature, rawBody: Buffer.from('{"test": 1}') }, now)).toBe('no matching signature');
    expect(checkSignature(KEY, { id: 'msg_other', timestamp, signature, rawBody: BODY }, now)).toBe('no matching signature');
    expect(checkSignature(KEY, { id: ID, timestamp, signature: `v2,${signatureAt(now / 1000)}`, rawBody: BODY }, now)).toBe('no matching signature');
    for (const late of [now + 301_000, now - 301_000]) {
      expect(checkSignature(KEY, { id: ID, timestamp, signature, rawBody: BODY }, late)).toBe('timestamp out of tolerance');
    }
    expect(checkSignature(KEY, { id: ID, timestamp: '1e9', signature, rawBody: BODY }, now)).toBe('timestamp out of tolerance');
  });

  it('refuses secrets that are not whsec_ and base64', () => {
    expect(() => webhookKey('MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw')).toThrow('must start with whsec_');
    expect(() => webhookKey('whsec_not base64!')).toThrow('base64');
    expect(() => webhookKey('whsec_c2hvcnQ=')).toThrow('at least 16 bytes');
  });
});
