/**
 * IP addresses and CIDR blocks, IPv4 and IPv6, as integers so that containment is arithmetic.
 * Parsing returns undefined on bad input; callers turn that into an error naming the field.
 */

/** IpAddress is one address: its family and its value as an unsigned integer. */
export interface IpAddress {
  readonly family: 4 | 6;
  readonly value: bigint;
  readonly text: string;
}

/** Cidr is a block of addresses; `first` is the network address with host bits cleared. */
export interface Cidr {
  readonly family: 4 | 6;
  readonly first: bigint;
  readonly last: bigint;
  readonly prefix: number;
  /** text is the block as written, e.g. `192.168.1.10/4` (the API accepts host bits set). */
  readonly text: string;
}

const IPV4_PART = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)$/;
const IPV6_GROUP = /^[0-9a-fA-F]{1,4}$/;

function parseIpv4(text: string): bigint | undefined {
  const parts = text.split('.');
  if (parts.length !== 4) return undefined;
  let value = 0n;
  for (const part of parts) {
    if (!IPV4_PART.test(part)) return undefined;
    value = (value << 8n) | BigInt(Number(part));
  }
  return value;
}

function parseIpv6(text: string): bigint | undefined {
  let body = text;
  // An embedded IPv4 tail (::ffff:10.0.0.1) stands for the last two groups.
  let tail: bigint | undefined;
  const lastColon = body.lastIndexOf(':');
  if (body.includes('.')) {
    tail = parseIpv4(body.slice(lastColon + 1));
    if (tail === undefined) return undefined;
    body = `${body.slice(0, lastColon + 1)}0:0`;
  }
  const halves = body.split('::');
  if (halves.length > 2) return undefined;
  const split = (half: string | undefined): string[] => (half ? half.split(':') : []);
  const head = split(halves[0]);
  const rest = split(halves[1]);
  const groups =
    halves.length === 2 ? [...head, ...Array<string>(8 - head.length - rest.length).fill('0'), ...rest] : head;
  if (groups.length !== 8 || (halves.length === 2 && head.length + rest.length > 7)) return undefined;
  let value = 0n;
  for (const group of groups) {
    if (!IPV6_GROUP.test(group)) return undefined;
    value = (value << 16n) | BigInt(parseInt(group, 16));
  }
  return tail === undefined ? value : (value & ~0xffffffffn) | tail;
}

/** parseIp parses an IPv4 or IPv6 address, or returns undefined. */
export function parseIp(text: string): IpAddress | undefined {
  const v4 = parseIpv4(text);
  if (v4 !== undefined) return { family: 4, value: v4, text };
  const v6 = text.includes(':') ? parseIpv6(text) : undefined;
  if (v6 !== undefined) return { family: 6, value: v6, text };
  return undefined;
}

/** parseCidr parses `ADDRESS/PREFIX`, or returns undefined. Host bits may be set, as the API allows. */
export function parseCidr(text: string): Cidr | undefined {
  const slash = text.indexOf('/');
  if (slash < 0) return undefined;
  const address = parseIp(text.slice(0, slash));
  const prefixText = text.slice(slash + 1);
  if (address === undefined || !/^\d{1,3}$/.test(prefixText)) return undefined;
  const prefix = Number(prefixText);
  const bits = address.family === 4 ? 32 : 128;
  if (prefix > bits) return undefined;
  const hostBits = BigInt(bits - prefix);
  const first = (address.value >> hostBits) << hostBits;
  const last = first | ((1n << hostBits) - 1n);
  return { family: address.family, first, last, prefix, text };
}

/** cidrContains says whether an address lies in a block (of the same family). */
export function cidrContains(cidr: Cidr, ip: IpAddress): boolean {
  return cidr.family === ip.family && ip.value >= cidr.first && ip.value <= cidr.last;
}

/** cidrWithin says whether block `inner` lies wholly inside block `outer`. */
export function cidrWithin(inner: Cidr, outer: Cidr): boolean {
  return inner.family === outer.family && inner.first >= outer.first && inner.last <= outer.last;
}

/** cidrOfAddress is the block of one address: `10.0.0.1/32`, `fd00::1/128`. */
export function cidrOfAddress(address: IpAddress): Cidr {
  const prefix = address.family === 4 ? 32 : 128;
  return { family: address.family, first: address.value, last: address.value, prefix, text: `${address.text}/${prefix}` };
}
