import { lookup } from 'node:dns/promises';
import { BlockList, isIP } from 'node:net';

/**
 * Addresses a site's webhook must not reach unless the operator allows it: loopback, private,
 * link-local (cloud metadata lives there), carrier-grade NAT, unique-local, multicast, reserved.
 */
const FORBIDDEN = new BlockList();
for (const [network, prefix] of [
  ['0.0.0.0', 8], ['10.0.0.0', 8], ['100.64.0.0', 10], ['127.0.0.0', 8], ['169.254.0.0', 16], ['172.16.0.0', 12],
  ['192.0.0.0', 24], ['192.168.0.0', 16], ['198.18.0.0', 15], ['224.0.0.0', 4], ['240.0.0.0', 4],
] as const) {
  FORBIDDEN.addSubnet(network, prefix, 'ipv4');
}
for (const [network, prefix] of [
  ['::', 128], ['::1', 128], ['fc00::', 7], ['fe80::', 10], ['ff00::', 8], ['::ffff:0:0', 96], ['64:ff9b::', 96], ['2001:db8::', 32],
] as const) {
  FORBIDDEN.addSubnet(network, prefix, 'ipv6');
}

export class UnsafeWebhookUrlError extends Error {}

export interface SafeTarget {
  url: URL;
  /** The address to connect to: the one checked, so a DNS answer cannot change in between. */
  address: string;
  family: 4 | 6;
}

/** Checks a webhook URL and resolves it to an address it may connect to. */
export async function resolveWebhookTarget(raw: string, allowPrivate: boolean): Promise<SafeTarget> {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new UnsafeWebhookUrlError('is not a URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new UnsafeWebhookUrlError('must be an http or https URL');
  if (url.username || url.password) throw new UnsafeWebhookUrlError('must not carry credentials');
  const host = url.hostname.replace(/^\[|\]$/g, '');
  let addresses: { address: string; family: number }[];
  try {
    addresses = isIP(host) ? [{ address: host, family: isIP(host) }] : await lookup(host, { all: true, verbatim: true });
  } catch {
    throw new UnsafeWebhookUrlError(`has a host name that does not resolve (${host})`);
  }
  if (addresses.length === 0) throw new UnsafeWebhookUrlError(`has a host name that does not resolve (${host})`);
  if (!allowPrivate) {
    const bad = addresses.find((a) => FORBIDDEN.check(a.address, a.family === 6 ? 'ipv6' : 'ipv4'));
    if (bad) throw new UnsafeWebhookUrlError(`resolves to ${bad.address}, a private, loopback or link-local address`);
  }
  const [first] = addresses;
  return { url, address: first.address, family: first.family === 6 ? 6 : 4 };
}
