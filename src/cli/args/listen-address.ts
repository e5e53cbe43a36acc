import { isIP } from 'node:net';
import type { AddressInfo } from 'node:net';
import { networkInterfaces } from 'node:os';
import type { NetworkInterfaceInfo } from 'node:os';

/**
 * Where `serve` listens, said as the user will use it: the URLs of the addresses it is bound to
 * (a wildcard as itself, and the addresses it reaches on this machine), and a failure to listen
 * as one line naming the address and what to do.
 */

/** httpsUrl is the URL of a listening address: an IPv6 address in brackets. */
export function httpsUrl(address: string, port: number): string {
  return `https://${isIP(address) === 6 ? `[${address}]` : address}:${port}`;
}

/** isWildcard says whether an address means every interface: 0.0.0.0, or :: (IPv6 and, dual-stack, IPv4 too). */
export function isWildcard(address: string): boolean {
  return address === '0.0.0.0' || address === '::';
}

/** ListeningUrls are what serve logs: the bound address and, one per address, where it can be reached. */
export interface ListeningUrls {
  /** address is the first bound address as a URL, e.g. https://0.0.0.0:8443. */
  readonly address: string;
  /** reachableAt lists every URL it answers on: a wildcard's interface addresses, or the bound addresses themselves. */
  readonly reachableAt: readonly string[];
}

/**
 * listeningUrls turns the bound addresses into URLs. A wildcard is reached at each address of this
 * machine's interfaces (IPv4 for 0.0.0.0, both families for ::), loopback first; IPv6 link-local
 * addresses are left out (a URL needs their zone).
 */
export function listeningUrls(bound: readonly AddressInfo[], interfaces: NodeJS.Dict<NetworkInterfaceInfo[]> = networkInterfaces()): ListeningUrls {
  const first = bound[0];
  if (first === undefined) throw new Error('listeningUrls: no bound address');
  const local = Object.values(interfaces)
    .flatMap((infos) => infos ?? [])
    .filter((info) => !(info.family === 'IPv6' && info.address.toLowerCase().startsWith('fe80:')))
    .sort((a, b) => Number(b.internal) - Number(a.internal));
  const reachableAt = bound.flatMap(({ address, port }) => {
    if (!isWildcard(address)) return [httpsUrl(address, port)];
    const families = address === '::' ? ['IPv4', 'IPv6'] : ['IPv4'];
    return local.filter((info) => families.includes(info.family)).map((info) => httpsUrl(info.address, port));
  });
  return { address: httpsUrl(first.address, first.port), reachableAt: [...new Set(reachableAt)] };
}

/** ListenError is a failure to listen that the user can fix (another port or host): main prints its message alone. */
export class ListenError extends Error {
  override readonly name = 'ListenError';
}

/**
 * listenError explains why listening on host:port failed, for the errors a command line causes: the
 * port is taken, a port below 1024 without the privilege, a host that is not this machine's or does
 * not resolve. Anything else is undefined (a bug, reported as one).
 */
export function listenError(error: unknown, host: string, port: number): ListenError | undefined {
  const code = error instanceof Error && 'code' in error ? String(error.code) : undefined;
  switch (code) {
    case 'EADDRINUSE':
      return new ListenError(`port ${port} on ${host} is already in use (another netfence?): stop it, or choose another port with --port`);
    case 'EACCES':
      return new ListenError(`port ${port} on ${host}: permission denied (ports below 1024 need root or CAP_NET_BIND_SERVICE): choose another port with --port, e.g. 8443`);
    case 'EADDRNOTAVAIL':
      return new ListenError(`--host ${JSON.stringify(host)}: not an address of this machine: choose one of its addresses, or 0.0.0.0 (every IPv4 interface) or :: (every interface)`);
    case 'EAFNOSUPPORT':
      return new ListenError(`--host ${JSON.stringify(host)}: this machine has no ${isIP(host) === 6 ? 'IPv6' : 'IPv4'} networking: choose ${isIP(host) === 6 ? '0.0.0.0' : '::'}`);
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return new ListenError(`--host ${JSON.stringify(host)}: cannot resolve this name to an address of this machine: give an IP address, e.g. 0.0.0.0`);
    default:
      return undefined;
  }
}
