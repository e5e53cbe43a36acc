import { isIP } from 'node:net';
import { access } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { certificatePaths, isSanDnsName, serviceDnsNames, writeCertificateFiles } from '../../certs/certificate-files.js';
import { generateCertificates } from '../../certs/generate-certificates.js';
import type { Command } from '../command.js';
import { UsageError } from '../usage-error.js';

/** MAX_DAYS bounds a certificate's life: a webhook certificate that outlives its operators is a risk. */
const MAX_DAYS = 3650;

function checkDnsName(name: string): string {
  if (!isSanDnsName(name)) {
    throw new UsageError(`--dns ${JSON.stringify(name)}: not a DNS name (lower-case letters, digits, '-' and '.', labels of 1-63 characters)`);
  }
  return name;
}

function checkIp(ip: string): string {
  if (isIP(ip) === 0) throw new UsageError(`--ip ${JSON.stringify(ip)}: not an IPv4 or IPv6 address`);
  return ip;
}

function checkDays(text: string): number {
  const days = /^\d+$/.test(text) ? Number(text) : NaN;
  if (!(days >= 1 && days <= MAX_DAYS)) throw new UsageError(`--days ${JSON.stringify(text)}: expected a whole number of days, 1-${MAX_DAYS}`);
  return days;
}

/** serviceNames are the names the API server uses for a Service: NAME.NAMESPACE.svc and the cluster-local form. */
function serviceNames(service: string): string[] {
  const [name, namespace, ...rest] = service.split('.');
  if (name === undefined || namespace === undefined || rest.length > 0) throw new UsageError(`--service ${JSON.stringify(service)}: expected NAME.NAMESPACE, e.g. netfence.netfence`);
  return serviceDnsNames(name, namespace).map(checkDnsName);
}

async function exists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}

/**
 * certsCommand writes a CA (`ca.crt`) and a serving certificate and key signed by it (`tls.crt`,
 * `tls.key`, mode 0600) for the given names and addresses. The CA's key is not kept: nothing
 * else can be signed with it. `ca.crt` base64-encoded is a webhook configuration's caBundle.
 */
export const certsCommand: Command = {
  name: 'certs',
  usage: 'netfence certs --out DIR (--dns NAME... | --service NAME.NAMESPACE) [--ip IP...] [--days 365] [--force]',
  async run(args, io) {
    const { values, positionals } = parseArgs({
      args: [...args],
      options: {
        out: { type: 'string' },
        dns: { type: 'string', multiple: true, default: [] },
        ip: { type: 'string', multiple: true, default: [] },
        service: { type: 'string' },
        days: { type: 'string', default: '365' },
        force: { type: 'boolean', default: false },
      },
      strict: true,
      allowPositionals: true,
    });
    if (positionals.length > 0) throw new UsageError(`unexpected argument ${JSON.stringify(positionals[0])}`);
    if (values.out === undefined || values.out === '') throw new UsageError('--out DIR is required');
    const dnsNames = [...(values.service === undefined ? [] : serviceNames(values.service)), ...values.dns.map(checkDnsName)];
    const ips = values.ip.map(checkIp);
    if (dnsNames.length === 0 && ips.length === 0) throw new UsageError('give the names the API server calls netfence by: --dns NAME, --service NAME.NAMESPACE or --ip IP');
    const days = checkDays(values.days);
    const paths = certificatePaths(values.out);
    if (!values.force) {
      for (const path of Object.values(paths)) if (await exists(path)) throw new UsageError(`${path} already exists (--force replaces it)`);
    }
    const generated = generateCertificates({ dnsNames: [...new Set(dnsNames)], ips: [...new Set(ips)], days });
    await writeCertificateFiles(values.out, generated);
    io.stdout(`Wrote ${paths.ca}, ${paths.cert} and ${paths.key} (valid ${days} days for ${[...dnsNames, ...ips].join(', ')}).`);
    io.stdout(`caBundle: ${Buffer.from(generated.caCert).toString('base64')}`);
    return 0;
  },
};
