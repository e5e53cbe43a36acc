import type { MapSyntax } from './decode.js';

/**
 * Name syntax the API server enforces, so that netfence refuses what a cluster would refuse and
 * never prints a fix that kubectl would reject.
 */

const LABEL_NAME = /^([A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?)$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const IANA_SVC_NAME = /^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/;
const DNS_LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
const DNS_1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/** isObjectName says whether a name is valid for most objects (Secrets, webhook configurations): a DNS subdomain of ≤ 253. */
export function isObjectName(name: string): boolean {
  return name.length <= 253 && DNS_SUBDOMAIN.test(name);
}

/** isNamespaceName says whether a name is valid for a Namespace: a DNS label (RFC 1123) of ≤ 63. */
export function isNamespaceName(name: string): boolean {
  return name.length <= 63 && DNS_1123_LABEL.test(name);
}

/** isServiceName says whether a name is valid for a Service: a DNS label (RFC 1035) of ≤ 63, starting with a letter. */
export function isServiceName(name: string): boolean {
  return name.length <= 63 && DNS_LABEL.test(name);
}

/** labelKeyProblem says what is wrong with a label key, if anything: an optional DNS-subdomain prefix and `/`, then a name of ≤ 63. */
export function labelKeyProblem(key: string): string | undefined {
  const slash = key.lastIndexOf('/');
  if (slash >= 0) {
    const prefix = key.slice(0, slash);
    if (prefix.length === 0 || prefix.length > 253 || !DNS_SUBDOMAIN.test(prefix)) {
      return `label key "${key}": prefix must be a DNS subdomain (lowercase, ≤ 253 characters)`;
    }
  }
  const name = slash >= 0 ? key.slice(slash + 1) : key;
  if (name.length === 0 || name.length > 63 || !LABEL_NAME.test(name)) {
    return `label key "${key}": name must be 1-63 characters, alphanumeric, '-', '_' or '.' inside`;
  }
  return undefined;
}

/** labelValueProblem says what is wrong with a label value, if anything: empty, or ≤ 63 characters, alphanumeric at both ends. */
export function labelValueProblem(value: string): string | undefined {
  if (value === '' || (value.length <= 63 && LABEL_NAME.test(value))) return undefined;
  return `label value "${value}": must be ≤ 63 characters, alphanumeric, '-', '_' or '.' inside`;
}

/** LABEL_SYNTAX is label syntax for Fields.stringMap. */
export const LABEL_SYNTAX: MapSyntax = { key: labelKeyProblem, value: labelValueProblem };

/** isPortName says whether a string is a valid named port (IANA_SVC_NAME: ≤ 15, a letter, no `--`). */
export function isPortName(name: string): boolean {
  return name.length <= 15 && IANA_SVC_NAME.test(name) && /[a-z]/.test(name) && !name.includes('--');
}
