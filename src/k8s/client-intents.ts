import { CLIENT_INTENTS_GROUP } from '../model/client-intents.js';
import type { ClientIntents, IgnoredTargetType, IntentsTarget } from '../model/client-intents.js';
import { cidrOfAddress, parseCidr, parseIp } from '../model/ip.js';
import type { Cidr } from '../model/ip.js';
import { DecodeError, Fields, decodeString, integerIn } from './decode.js';
import type { Path } from './decode.js';
import { decodeMetadata } from './metadata.js';
import { isNamespaceName, isObjectName, isServiceName } from './names.js';

/**
 * Reading ClientIntents (`k8s.otterize.com`, the resource of Otterize's intents-operator) into the
 * one model netfence reasons about. v2beta1 and v2alpha1 share a shape (`spec.workload`,
 * `spec.targets[]`, each target one of kubernetes, service, internet, kafka, sql, aws, gcp, azure);
 * the deprecated v1beta1 and v1alpha3 (`spec.service`, `spec.calls[]`) are converted on read. The
 * checks are the ones the intents-operator's own webhook makes, so netfence refuses what a cluster
 * with the operator would refuse.
 */

/** CLIENT_INTENTS_VERSIONS are the versions of ClientIntents netfence reads, newest first. */
export const CLIENT_INTENTS_VERSIONS = ['v2beta1', 'v2alpha1', 'v1beta1', 'v1alpha3'] as const;

/** ClientIntentsVersion is one of CLIENT_INTENTS_VERSIONS. */
export type ClientIntentsVersion = (typeof CLIENT_INTENTS_VERSIONS)[number];

/** clientIntentsVersion is the version of a ClientIntents apiVersion netfence reads, or undefined (another group, another version). */
export function clientIntentsVersion(apiVersion: string): ClientIntentsVersion | undefined {
  return CLIENT_INTENTS_VERSIONS.find((version) => apiVersion === `${CLIENT_INTENTS_GROUP}/${version}`);
}

/** The kinds of target a v2 target may set, in the order a message lists them. */
const TARGET_KINDS = ['kubernetes', 'service', 'internet', 'kafka', 'sql', 'aws', 'gcp', 'azure'] as const;

/** The v1 call types (the CRD's enum); no type is `http`. */
const CALL_TYPES = ['http', 'kafka', 'database', 'aws', 'gcp', 'azure', 'internet'] as const;

/** SERVICE_PREFIX marks a v1 call's name as a Service's (`svc:server.other-ns`). */
const SERVICE_PREFIX = 'svc:';

/**
 * decodeClientIntents reads a ClientIntents of any version netfence reads: the client (in the
 * object's namespace) and each target, with the name `NAME.NAMESPACE` split at its dot (no dot: the
 * object's namespace), `kind: Service` and v1's `svc:` as Service targets, internet addresses as
 * blocks (a plain address is a /32 or /128). HTTP paths and methods are checked and not kept:
 * NetworkPolicies cannot see HTTP.
 */
export function decodeClientIntents(value: unknown): ClientIntents {
  const object = Fields.of(value, '');
  const apiVersion = object.requiredString('apiVersion');
  const version = clientIntentsVersion(apiVersion);
  if (version === undefined) {
    const versions = CLIENT_INTENTS_VERSIONS.map((v) => `${CLIENT_INTENTS_GROUP}/${v}`);
    throw new DecodeError(object.child('apiVersion'), `must be ${versions.slice(0, -1).join(', ')} or ${versions.at(-1) ?? ''} for a ClientIntents (got "${apiVersion}")`);
  }
  const { name, namespace } = decodeMetadata(object, true);
  const spec = object.requiredObject('spec');
  const v2 = version === 'v2beta1' || version === 'v2alpha1';
  const client = decodeClient(spec.requiredObject(v2 ? 'workload' : 'service'));
  const targets = v2 ? requiredList(spec, 'targets', (target, path) => decodeTarget(target, path, namespace)) : requiredList(spec, 'calls', (call, path) => decodeCall(call, path, namespace));
  return { namespace, name, apiVersion, client, targets };
}

function requiredList<T>(fields: Fields, name: string, item: (value: unknown, path: Path) => T): T[] {
  const list = fields.array(name, item);
  if (list === undefined) throw new DecodeError(fields.child(name), 'is required (an empty list for none)');
  return list;
}

/** decodeClient reads the calling workload: `spec.workload` (v2) or `spec.service` (v1); it is in the object's namespace, so its name has no dot. */
function decodeClient(fields: Fields): ClientIntents['client'] {
  const name = fields.requiredString('name');
  if (name.includes('.')) throw new DecodeError(fields.child('name'), `"${name}" has a dot: the client is a workload in the ClientIntents' own namespace, named without one`);
  if (!isObjectName(name)) throw new DecodeError(fields.child('name'), `"${name}" is not a workload name (lowercase letters, digits and '-')`);
  return { name, kind: decodeKind(fields) };
}

/** decodeKind reads an optional Kubernetes kind, which the operator's webhook wants capitalised (`Deployment`). */
function decodeKind(fields: Fields): string | undefined {
  const kind = fields.string('kind');
  if (kind === undefined || kind === '') return undefined;
  if (!/^[A-Z][A-Za-z0-9]*$/.test(kind)) throw new DecodeError(fields.child('kind'), `"${kind}" is not a Kubernetes kind (one word, capitalised: Deployment, StatefulSet, Service)`);
  return kind;
}

function decodeTarget(value: unknown, path: Path, namespace: string): IntentsTarget {
  const target = Fields.of(value, path);
  const field = target.path;
  const set = TARGET_KINDS.filter((kind) => target.has(kind));
  const [kind, second] = set;
  if (kind === undefined) throw new DecodeError(field, `sets none of ${TARGET_KINDS.join(', ')}; a target names exactly one`);
  if (second !== undefined) {
    const named = set.length === 2 ? `both ${kind} and ${second}` : `${set.slice(0, -1).join(', ')} and ${set.at(-1) ?? ''}`;
    throw new DecodeError(field, `sets ${named}; a target names exactly one`);
  }
  const fields = target.requiredObject(kind);
  switch (kind) {
    case 'kubernetes': {
      const workloadKind = decodeKind(fields);
      decodeHttp(fields, 'http');
      if (workloadKind === 'Service') return serviceTarget(field, fields, fields.requiredString('name'), namespace);
      return workloadTarget(field, fields, fields.requiredString('name'), namespace, workloadKind);
    }
    case 'service':
      decodeHttp(fields, 'http');
      return serviceTarget(field, fields, fields.requiredString('name'), namespace);
    case 'internet':
      return internetTarget(field, fields);
    case 'kafka':
      return ignoredTarget(field, 'kafka', fields.requiredString('name'));
    case 'sql':
      return ignoredTarget(field, 'sql', fields.requiredString('name'));
    case 'aws':
      return ignoredTarget(field, 'aws', fields.requiredString('arn'));
    case 'gcp':
      return ignoredTarget(field, 'gcp', fields.requiredString('resource'));
    case 'azure':
      return ignoredTarget(field, 'azure', fields.requiredString('scope'));
  }
}

/**
 * decodeCall converts a v1 call: type `http` or none is a workload (`kind`), or a Service when its
 * name starts `svc:` or its kind is Service; `internet` reads its `internet`; the other types
 * (kafka, database, aws, gcp, azure) have nothing to do for the network.
 */
function decodeCall(value: unknown, path: Path, namespace: string): IntentsTarget {
  const call = Fields.of(value, path);
  const field = call.path;
  const type = call.oneOf('type', CALL_TYPES) ?? 'http';
  if (type === 'internet') return internetTarget(field, call.requiredObject('internet'));
  if (call.has('internet')) throw new DecodeError(call.child('internet'), `is read only with type internet (this call's type is ${type})`);
  const name = call.requiredString('name');
  if (type !== 'http') return ignoredTarget(field, type === 'database' ? 'sql' : type, name);
  decodeHttp(call, 'HTTPResources');
  const kind = decodeKind(call);
  if (name.startsWith(SERVICE_PREFIX)) {
    if (kind !== undefined && kind !== 'Service') throw new DecodeError(call.child('kind'), `is ${kind}, but the name "${name}" names a Service`);
    return serviceTarget(field, call, name.slice(SERVICE_PREFIX.length), namespace);
  }
  if (kind === 'Service') return serviceTarget(field, call, name, namespace);
  return workloadTarget(field, call, name, namespace, kind);
}

function workloadTarget(field: string, fields: Fields, written: string, namespace: string, workloadKind: string | undefined): IntentsTarget {
  const { name, namespace: targetNamespace } = splitName(written, fields.child('name'), namespace, isObjectName, 'a workload name');
  return { kind: 'workload', field, name, namespace: targetNamespace, workloadKind };
}

function serviceTarget(field: string, fields: Fields, written: string, namespace: string): IntentsTarget {
  const { name, namespace: targetNamespace } = splitName(written, fields.child('name'), namespace, isServiceName, 'a Service name');
  return { kind: 'service', field, name, namespace: targetNamespace };
}

function ignoredTarget(field: string, type: IgnoredTargetType, name: string): IntentsTarget {
  return { kind: 'ignored', field, type, name };
}

/**
 * splitName reads `NAME` or `NAME.NAMESPACE` (split at the dot: neither a workload's nor a Service's
 * name netfence reads has one); without a namespace, the target is in the ClientIntents' own.
 */
function splitName(written: string, path: Path, namespace: string, isName: (name: string) => boolean, what: string): { name: string; namespace: string } {
  const dot = written.indexOf('.');
  const name = dot < 0 ? written : written.slice(0, dot);
  const targetNamespace = dot < 0 ? namespace : written.slice(dot + 1);
  if (dot >= 0 && !isNamespaceName(targetNamespace)) {
    throw new DecodeError(path, `"${written}" is not NAME or NAME.NAMESPACE: "${targetNamespace}" is not a namespace name (one dot at most)`);
  }
  if (!isName(name)) throw new DecodeError(path, `${dot < 0 ? '' : `"${written}": `}"${name}" is not ${what} (lowercase letters, digits and '-')`);
  return { name, namespace: targetNamespace };
}

/** internetTarget reads `internet {domains, ips, ports}`: ips or domains (or both), ports 1-65535. */
function internetTarget(field: string, fields: Fields): IntentsTarget {
  const ips = fields.array('ips', decodeAddressBlock) ?? [];
  const domains = fields.array('domains', decodeDomain) ?? [];
  const ports = fields.array('ports', (port, path) => integerIn(port, path, 1, 65535)) ?? [];
  if (ips.length === 0 && domains.length === 0) throw new DecodeError(fields.path, 'lists no ips and no domains; an internet target needs one or the other');
  return { kind: 'internet', field, ips, domains, ports };
}

/** decodeAddressBlock reads an address (as its /32 or /128) or a CIDR block. */
function decodeAddressBlock(value: unknown, path: Path): Cidr {
  const text = decodeString(value, path);
  const block = text.includes('/') ? parseCidr(text) : addressBlock(text);
  if (block === undefined) throw new DecodeError(path, `"${text}" is not an IP address or CIDR (e.g. 203.0.113.7 or 203.0.113.0/24)`);
  return block;
}

function addressBlock(text: string): Cidr | undefined {
  const address = parseIp(text);
  return address === undefined ? undefined : cidrOfAddress(address);
}

function decodeDomain(value: unknown, path: Path): string {
  const domain = decodeString(value, path);
  if (domain === '') throw new DecodeError(path, 'is empty (a domain name, e.g. api.example.com or *.example.com)');
  return domain;
}

/**
 * decodeHttp checks the shape of an optional list of HTTP resources (`{path, methods}`), which
 * netfence does not keep. The methods' spelling is not checked: nothing here depends on it, and
 * Otterize's own examples write them in lower case.
 */
function decodeHttp(fields: Fields, name: string): void {
  fields.array(name, (value, path) => {
    const resource = Fields.of(value, path);
    resource.requiredString('path');
    resource.array('methods', decodeString);
  });
}
