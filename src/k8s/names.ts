import { DecodeError } from './decode.js';

/**
 * Name syntax the API server enforces, so that netfence refuses what a cluster would refuse and
 * never prints a fix that kubectl would reject.
 */

const LABEL_NAME = /^([A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?)$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const IANA_SVC_NAME = /^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/;
const DNS_LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;

/** isObjectName says whether a name is valid for most objects (Secrets, webhook configurations): a DNS subdomain of ≤ 253. */
export function isObjectName(name: string): boolean {
  return name.length <= 253 && DNS_SUBDOMAIN.test(name);
}

/** isServiceName says whether a name is valid for a Service: a DNS label (RFC 1035) of ≤ 63, starting with a letter. */
export function isServiceName(name: string): boolean {
  return name.length <= 63 && DNS_LABEL.test(name);
}

/** checkLabelKey checks a label key: an optional DNS-subdomain prefix and `/`, then a name of ≤ 63. */
export function checkLabelKey(key: string, path: string): void {
  const slash = key.lastIndexOf('/');
  const prefix = slash >= 0 ? key.slice(0, slash) : undefined;
  const name = slash >= 0 ? key.slice(slash + 1) : key;
  if (prefix !== undefined && (prefix.length === 0 || prefix.length > 253 || !DNS_SUBDOMAIN.test(prefix))) {
    throw new DecodeError(path, `label key "${key}": prefix must be a DNS subdomain (lowercase, ≤ 253 characters)`);
  }
  if (name.length === 0 || name.length > 63 || !LABEL_NAME.test(name)) {
    throw new DecodeError(path, `label key "${key}": name must be 1-63 characters, alphanumeric, '-', '_' or '.' inside`);
  }
}

/** checkLabelValue checks a label value: empty, or ≤ 63 characters, alphanumeric at both ends. */
export function checkLabelValue(value: string, path: string): void {
  if (value !== '' && (value.length > 63 || !LABEL_NAME.test(value))) {
    throw new DecodeError(path, `label value "${value}": must be ≤ 63 characters, alphanumeric, '-', '_' or '.' inside`);
  }
}

/** checkLabels checks every key and value of a label map. */
export function checkLabels(labels: ReadonlyMap<string, string>, path: string): void {
  for (const [key, value] of labels) {
    checkLabelKey(key, path);
    checkLabelValue(value, `${path}.${key}`);
  }
}

/** isPortName says whether a string is a valid named port (IANA_SVC_NAME: ≤ 15, a letter, no `--`). */
export function isPortName(name: string): boolean {
  return name.length <= 15 && IANA_SVC_NAME.test(name) && /[a-z]/.test(name) && !name.includes('--');
}
