import type { BaselineProfile, Config, EssentialPeerConfig, EssentialServiceConfig } from '../guardrails/config.js';
import { MODES } from '../guardrails/config.js';
import { RULE_IDS, isRuleId } from '../guardrails/finding.js';
import type { RuleId, Severity } from '../guardrails/finding.js';
import { parseCidr } from '../model/ip.js';
import type { Cidr } from '../model/ip.js';
import { DIRECTIONS } from '../model/network-policy.js';
import { PROTOCOLS } from '../model/protocol.js';
import type { Port } from '../model/protocol.js';
import { DecodeError, Fields, decodeString, integerIn, oneOf } from '../k8s/decode.js';
import type { Path } from '../k8s/decode.js';
import { decodeSelectorField } from '../k8s/label-selector.js';
import { LABEL_SYNTAX } from '../k8s/names.js';
import { decodeNetworkPolicy } from '../k8s/network-policy.js';
import { defaultConfig, defaultProfile } from './defaults.js';

const SEVERITIES: ReadonlyArray<Severity | 'off'> = ['deny', 'warn', 'off'];
const TOP_LEVEL = [
  'mode',
  'namespace',
  'exempt',
  'privileged',
  'requiredDirections',
  'clusterDns',
  'apiServer',
  'essentialServices',
  'profiles',
  'defaultProfile',
  'rules',
  'onError',
  'remediation',
  'provisioningGate',
  'adoptExisting',
  'preexisting',
  'intents',
];

/**
 * parseConfig validates a configuration document (already parsed from YAML) and fills in the
 * defaults. Unknown fields are errors, so a typo never silently does nothing.
 */
export function parseConfig(value: unknown): Config {
  const defaults = defaultConfig();
  if (value === null || value === undefined) return defaults;
  const root = Fields.of(value, '');
  rejectUnknown(root, TOP_LEVEL);
  const exempt = root.object('exempt');
  const privileged = root.object('privileged');
  const dnsFields = root.object('clusterDns');
  const clusterDns = dnsFields === undefined ? defaults.clusterDns : parseClusterDns(dnsFields, defaults.clusterDns);
  const profiles = new Map(defaults.profiles);
  profiles.set('default', defaultProfile(clusterDns));
  for (const profile of parseProfiles(root.object('profiles'))) profiles.set(profile.name, profile);
  const defaultProfileName = root.string('defaultProfile') ?? defaults.defaultProfile;
  if (!profiles.has(defaultProfileName)) {
    throw new DecodeError('defaultProfile', `no profile "${defaultProfileName}" (profiles: ${[...profiles.keys()].join(', ')})`);
  }
  const remediation = root.object('remediation');
  if (remediation !== undefined) rejectUnknown(remediation, ['essentialEgress']);
  const intents = root.object('intents');
  if (intents !== undefined) rejectUnknown(intents, ['controller']);
  return {
    defaultMode: oneOf(root.string('mode') ?? defaults.defaultMode, MODES, 'mode'),
    namespace: root.string('namespace') ?? defaults.namespace,
    exempt: {
      namespaces: stringList(exempt, 'namespaces') ?? defaults.exempt.namespaces,
      users: stringList(exempt, 'users') ?? defaults.exempt.users,
      groups: stringList(exempt, 'groups') ?? defaults.exempt.groups,
    },
    privileged: {
      users: stringList(privileged, 'users') ?? defaults.privileged.users,
      groups: stringList(privileged, 'groups') ?? defaults.privileged.groups,
    },
    requiredDirections: new Set(
      root.array('requiredDirections', (item, path) => oneOf(decodeString(item, path), DIRECTIONS, path)) ?? defaults.requiredDirections,
    ),
    clusterDns,
    apiServer: parseApiServer(root.object('apiServer'), defaults.apiServer),
    essentialServices: root.array('essentialServices', parseEssentialService) ?? [],
    profiles,
    defaultProfile: defaultProfileName,
    severity: parseSeverities(root.object('rules'), defaults.severity),
    onError: oneOf(root.string('onError') ?? defaults.onError, ['deny', 'allow'] as const, 'onError'),
    remediateEssentialEgress: remediation?.boolean('essentialEgress') ?? defaults.remediateEssentialEgress,
    provisioningGate: root.boolean('provisioningGate') ?? defaults.provisioningGate,
    adoptExisting: root.boolean('adoptExisting') ?? defaults.adoptExisting,
    preexisting: oneOf(root.string('preexisting') ?? defaults.preexisting, ['warn', 'deny'] as const, 'preexisting'),
    intentsController: intents?.boolean('controller') ?? defaults.intentsController,
  };
}

function rejectUnknown(fields: Fields, known: readonly string[]): void {
  for (const name of fields.names()) {
    if (!known.includes(name)) throw new DecodeError(fields.child(name), `unknown field (known: ${known.join(', ')})`);
  }
}

function stringList(fields: Fields | undefined, name: string): string[] | undefined {
  return fields?.array(name, decodeString);
}

function cidr(value: unknown, path: Path): Cidr {
  const text = decodeString(value, path);
  const parsed = parseCidr(text.includes('/') ? text : `${text}/${text.includes(':') ? 128 : 32}`);
  if (parsed === undefined) throw new DecodeError(path, `"${text}" is not an IP address or CIDR`);
  return parsed;
}

/** port reads `53/UDP`, `443` or `{port: 53, protocol: UDP}`. */
function port(value: unknown, path: Path): Port {
  if (typeof value === 'number') return { port: integerIn(value, path, 1, 65535), protocol: 'TCP' };
  if (typeof value === 'string') {
    const [number = '', protocol = 'TCP', ...rest] = value.split('/');
    if (rest.length > 0 || !/^\d+$/.test(number)) throw new DecodeError(path, `"${value}" is not PORT[/PROTOCOL], e.g. 53/UDP`);
    return { port: integerIn(Number(number), path, 1, 65535), protocol: oneOf(protocol.toUpperCase(), PROTOCOLS, path) };
  }
  const fields = Fields.of(value, path);
  const number = fields.integer('port', 1, 65535);
  if (number === undefined) throw new DecodeError(fields.child('port'), 'is required');
  return { port: number, protocol: fields.oneOf('protocol', PROTOCOLS) ?? 'TCP' };
}

function parseClusterDns(fields: Fields, defaults: Config['clusterDns']): Config['clusterDns'] {
  rejectUnknown(fields, ['enabled', 'namespace', 'service', 'podLabels', 'nodeLocalAddresses']);
  const podLabels = fields.stringMap('podLabels', LABEL_SYNTAX) ?? defaults.podLabels;
  return {
    enabled: fields.boolean('enabled') ?? defaults.enabled,
    namespace: fields.string('namespace') ?? defaults.namespace,
    service: fields.string('service') ?? defaults.service,
    podLabels,
    nodeLocalAddresses: fields.array('nodeLocalAddresses', cidr) ?? defaults.nodeLocalAddresses,
  };
}

function parseApiServer(fields: Fields | undefined, defaults: Config['apiServer']): Config['apiServer'] {
  if (fields === undefined) return defaults;
  rejectUnknown(fields, ['enabled', 'cidrs', 'ports']);
  const cidrs = fields.array('cidrs', cidr) ?? defaults.cidrs;
  const enabled = fields.boolean('enabled') ?? true;
  return { enabled, cidrs, ports: fields.array('ports', port) ?? defaults.ports };
}

function parseEssentialService(value: unknown, path: Path): EssentialServiceConfig {
  const fields = Fields.of(value, path);
  rejectUnknown(fields, ['name', 'direction', 'namespaceLabels', 'podLabels', 'cidrs', 'ports', 'targets']);
  const direction = fields.requiredOneOf('direction', DIRECTIONS);
  const peers: EssentialPeerConfig[] = [];
  const podLabels = fields.stringMap('podLabels', LABEL_SYNTAX);
  const namespaceLabels = fields.stringMap('namespaceLabels', LABEL_SYNTAX);
  if (podLabels !== undefined || namespaceLabels !== undefined) {
    peers.push({ kind: 'pods', podLabels: podLabels ?? new Map(), namespaceLabels: namespaceLabels ?? new Map() });
  }
  const cidrs = fields.array('cidrs', cidr);
  if (cidrs !== undefined && cidrs.length > 0) peers.push({ kind: 'cidrs', cidrs });
  if (peers.length === 0) throw new DecodeError(path, 'an essential service needs podLabels/namespaceLabels or cidrs');
  const ports = fields.array('ports', port) ?? [];
  if (ports.length === 0) throw new DecodeError(fields.child('ports'), 'is required (e.g. [9100/TCP])');
  const targets = fields.has('targets') ? decodeSelectorField(fields, 'targets') : undefined;
  if (targets !== undefined && direction === 'Egress') throw new DecodeError(fields.child('targets'), 'applies to Ingress services only');
  return { name: fields.requiredString('name'), direction, peers, ports, targets };
}

function parseProfiles(fields: Fields | undefined): BaselineProfile[] {
  if (fields === undefined) return [];
  return fields.names().map((name) => {
    if (name === 'none') throw new DecodeError(fields.child(name), '"none" is reserved: it opts a namespace out');
    const policies =
      fields.array(name, (item, path) => {
        const entry = Fields.of(item, path);
        rejectUnknown(entry, ['name', 'spec']);
        const policyName = entry.requiredString('name');
        try {
          return decodeNetworkPolicy({
            apiVersion: 'networking.k8s.io/v1',
            kind: 'NetworkPolicy',
            metadata: { name: policyName, namespace: 'profile' },
            spec: entry.raw('spec') ?? {},
          });
        } catch (error) {
          if (error instanceof DecodeError) throw new DecodeError(`${path}.${error.path}`, error.reason);
          throw error;
        }
      }) ?? [];
    if (policies.length === 0) throw new DecodeError(fields.child(name), 'a profile needs at least one policy');
    return { name, policies: policies.map((policy) => ({ ...policy, namespace: '' })) };
  });
}

function parseSeverities(fields: Fields | undefined, defaults: Config['severity']): Config['severity'] {
  const severity: Record<RuleId, Severity | 'off'> = { ...defaults };
  if (fields === undefined) return severity;
  for (const name of fields.names()) {
    if (!isRuleId(name)) throw new DecodeError(fields.child(name), `unknown rule (rules: ${RULE_IDS.join(', ')})`);
    severity[name] = oneOf(fields.requiredString(name), SEVERITIES, fields.child(name));
  }
  return severity;
}

