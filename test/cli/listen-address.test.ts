import type { NetworkInterfaceInfo } from 'node:os';
import { describe, expect, it } from 'vitest';
import { listenError, listeningUrls } from '../../src/cli/args/listen-address.js';

/** Where `serve` says it listens, and how it says it cannot. */

function nic(address: string, family: 'IPv4' | 'IPv6', internal = false): NetworkInterfaceInfo {
  const common = { address, netmask: '', mac: '00:00:00:00:00:00', internal, cidr: null };
  return family === 'IPv4' ? { ...common, family } : { ...common, family, scopeid: 0 };
}

// As os.networkInterfaces() lists them: a NIC before loopback, with an IPv6 link-local address.
const INTERFACES = {
  eth0: [nic('10.0.0.5', 'IPv4'), nic('fd00::5', 'IPv6'), nic('fe80::1:2', 'IPv6')],
  lo: [nic('127.0.0.1', 'IPv4', true), nic('::1', 'IPv6', true)],
};

describe('listeningUrls', () => {
  it.each([
    ['0.0.0.0: every IPv4 interface, loopback first', [{ address: '0.0.0.0', family: 'IPv4', port: 8443 }], 'https://0.0.0.0:8443', ['https://127.0.0.1:8443', 'https://10.0.0.5:8443']],
    [
      ':: (dual-stack): every interface of both families, without link-local ones',
      [{ address: '::', family: 'IPv6', port: 8443 }],
      'https://[::]:8443',
      ['https://127.0.0.1:8443', 'https://[::1]:8443', 'https://10.0.0.5:8443', 'https://[fd00::5]:8443'],
    ],
    ['one address: itself', [{ address: '127.0.0.1', family: 'IPv4', port: 9443 }], 'https://127.0.0.1:9443', ['https://127.0.0.1:9443']],
    [
      'localhost: both loopback addresses fastify binds',
      [
        { address: '127.0.0.1', family: 'IPv4', port: 9443 },
        { address: '::1', family: 'IPv6', port: 9443 },
      ],
      'https://127.0.0.1:9443',
      ['https://127.0.0.1:9443', 'https://[::1]:9443'],
    ],
  ])('%s', (_case, bound, address, reachableAt) => {
    expect(listeningUrls(bound, INTERFACES)).toEqual({ address, reachableAt });
  });
});

describe('listenError', () => {
  const errno = (code: string): Error => Object.assign(new Error(`listen ${code}: whatever 0.0.0.0:443`), { code, errno: -1, syscall: 'listen' });

  it.each([
    ['EADDRINUSE', '0.0.0.0', 8443, 'port 8443 on 0.0.0.0 is already in use (another netfence?): stop it, or choose another port with --port'],
    ['EACCES', '0.0.0.0', 443, 'port 443 on 0.0.0.0: permission denied (ports below 1024 need root or CAP_NET_BIND_SERVICE): choose another port with --port, e.g. 8443'],
    ['EADDRNOTAVAIL', '192.0.2.55', 8443, '--host "192.0.2.55": not an address of this machine: choose one of its addresses, or 0.0.0.0 (every IPv4 interface) or :: (every interface)'],
    ['EAFNOSUPPORT', '::', 8443, '--host "::": this machine has no IPv6 networking: choose 0.0.0.0'],
    ['ENOTFOUND', 'webhook.invalid', 8443, '--host "webhook.invalid": cannot resolve this name to an address of this machine: give an IP address, e.g. 0.0.0.0'],
  ])('%s', (code, host, port, message) => {
    expect(listenError(errno(code), host, port)?.message).toBe(message);
  });

  it('leaves any other failure to be reported as a bug', () => {
    expect(listenError(errno('EMFILE'), '0.0.0.0', 8443)).toBeUndefined();
    expect(listenError(new Error('no code'), '0.0.0.0', 8443)).toBeUndefined();
  });
});
