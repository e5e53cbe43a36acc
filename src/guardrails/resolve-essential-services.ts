import type { ClusterState } from '../model/cluster-state.js';
import type { Config, EssentialPeerConfig, EssentialServiceConfig } from './config.js';
import type { EssentialService, ServiceRequirement } from './essential-service.js';
import { parseCidr } from '../model/ip.js';
import type { Cidr, IpAddress } from '../model/ip.js';
import { formatLabels } from '../model/labels.js';
import type { Labels } from '../model/labels.js';
import { METADATA_NAME_LABEL, withNameLabel } from '../model/namespace.js';
import type { Peer, PolicyRule } from '../model/network-policy.js';
import type { Pod } from '../model/pod.js';
import { formatPort } from '../model/protocol.js';
import type { Port, Protocol } from '../model/protocol.js';
import type { Service } from '../model/service.js';
import { dnsEgressRuleOf } from './dns-rule.js';

/** CLUSTER_DNS is the built-in essential service's name. */
export const CLUSTER_DNS = 'cluster-dns';

/** EssentialServices are the resolved services, plus cluster DNS over TCP for `dns-tcp-missing`. */
export interface EssentialServices {
  readonly services: readonly EssentialService[];
  readonly dnsOverTcp: EssentialService | undefined;
}

/** hostText prints a single-address block as the address alone (169.254.20.10, not 169.254.20.10/32). */
function hostText(cidr: Cidr): string {
  return cidr.text.replace(/\/(32|128)$/, '');
}

function firstAddress(cidr: Cidr): IpAddress {
  return { family: cidr.family, value: cidr.first, text: cidr.text.split('/')[0] ?? cidr.text };
}

function symbolicPod(namespace: string, labels: Labels, ports: readonly Port[]): Pod {
  return {
    namespace,
    name: `(pods ${formatLabels(labels)})`,
    labels,
    ips: [],
    containerPorts: ports.map((port) => ({ name: undefined, port: port.port, protocol: port.protocol })),
  };
}

/** targetPortOn translates a Service port to the port a backend pod listens on (named targetPorts too). */
function targetPortOn(pod: Pod, servicePort: Service['ports'][number]): Port | undefined {
  const { targetPort, protocol } = servicePort;
  if (typeof targetPort === 'number') return { port: targetPort, protocol };
  const container = pod.containerPorts.find((port) => port.name === targetPort && port.protocol === protocol);
  return container === undefined ? undefined : { port: container.port, protocol };
}

/**
 * dnsAlternatives finds where cluster DNS answers on `protocol`: every backend pod of the DNS
 * Service on the Service's port 53 after translation (or, if the state does not show them, any pod
 * with the configured labels on 53), and each NodeLocal DNSCache address on 53.
 */
function dnsAlternatives(state: ClusterState, config: Config, protocol: Protocol): ServiceRequirement[][] {
  const dns = config.clusterDns;
  const namespaceLabels = state.namespaceLabels(dns.namespace) ?? withNameLabel(dns.namespace, new Map());
  const service = state.services().find((s) => s.namespace === dns.namespace && s.name === dns.service);
  const servicePort = service?.ports.find((port) => port.port === 53 && port.protocol === protocol);
  const selector = service?.selector;
  const backends =
    selector === undefined || selector === null
      ? []
      : state.podsIn(dns.namespace).filter((pod) => [...selector].every(([key, value]) => pod.labels.get(key) === value));
  const podRequirements: ServiceRequirement[] = [];
  if (servicePort !== undefined) {
    for (const pod of backends) {
      const port = targetPortOn(pod, servicePort);
      if (port !== undefined) podRequirements.push({ peer: { kind: 'pod', pod }, peerNamespaceLabels: namespaceLabels, port });
    }
  }
  const podsAlternative: ServiceRequirement[] =
    podRequirements.length > 0
      ? podRequirements
      : [
          {
            peer: { kind: 'pod', pod: symbolicPod(dns.namespace, dns.podLabels, [{ port: 53, protocol }]) },
            peerNamespaceLabels: namespaceLabels,
            port: { port: 53, protocol },
          },
        ];
  const nodeLocal = nodeLocalPresent(state, config).map((cidr): ServiceRequirement[] => [
    { peer: { kind: 'ip', ip: firstAddress(cidr) }, peerNamespaceLabels: undefined, port: { port: 53, protocol } },
  ]);
  return [podsAlternative, ...nodeLocal];
}

/** NODE_LOCAL_DNS_LABELS mark NodeLocal DNSCache's pods (the upstream addon's DaemonSet). */
const NODE_LOCAL_DNS_LABELS: Labels = new Map([['k8s-app', 'node-local-dns']]);

/**
 * nodeLocalPresent is the NodeLocal DNSCache addresses that count as cluster DNS: all of them when
 * its pods run in the DNS namespace, none when that namespace's pods are known and none is
 * NodeLocal DNSCache's (allowing only its address would leave pods without DNS), and all of them
 * when the state does not show the DNS namespace's pods (nothing to decide by: trust the config).
 */
function nodeLocalPresent(state: ClusterState, config: Config): readonly Cidr[] {
  const pods = state.podsIn(config.clusterDns.namespace);
  if (pods.length === 0) return config.clusterDns.nodeLocalAddresses;
  const running = pods.some((pod) => [...NODE_LOCAL_DNS_LABELS].every(([key, value]) => pod.labels.get(key) === value));
  return running ? config.clusterDns.nodeLocalAddresses : [];
}

function clusterDns(state: ClusterState, config: Config, protocol: Protocol): EssentialService {
  const dns = config.clusterDns;
  const nodeLocal = nodeLocalPresent(state, config);
  const alternative = nodeLocal.length === 0 ? '' : ` or NodeLocal DNSCache ${nodeLocal.map(hostText).join(', ')}`;
  return {
    name: CLUSTER_DNS,
    direction: 'Egress',
    alternatives: dnsAlternatives(state, config, protocol),
    targets: undefined,
    fixRule: dnsEgressRuleOf(dns),
    describe: `${dns.namespace}/${dns.service}${alternative} on 53/${protocol}`,
  };
}

function peerRequirements(peer: EssentialPeerConfig, ports: readonly Port[], state: ClusterState): ServiceRequirement[][] {
  if (peer.kind === 'cidrs') {
    return peer.cidrs.map((cidr) => ports.map((port) => ({ peer: { kind: 'ip' as const, ip: firstAddress(cidr) }, peerNamespaceLabels: undefined, port })));
  }
  const namespace = peer.namespaceLabels.get(METADATA_NAME_LABEL) ?? '(any namespace)';
  const namespaceLabels = state.namespaceLabels(namespace) ?? peer.namespaceLabels;
  const pod = symbolicPod(namespace, peer.podLabels, ports);
  return [ports.map((port) => ({ peer: { kind: 'pod' as const, pod }, peerNamespaceLabels: namespaceLabels, port }))];
}

function fixRuleOf(service: EssentialServiceConfig): PolicyRule {
  return {
    peers: service.peers.flatMap((peer): Peer[] =>
      peer.kind === 'cidrs'
        ? peer.cidrs.map((cidr) => ({ kind: 'ipBlock' as const, block: { cidr, except: [] } }))
        : [
            {
              kind: 'pods' as const,
              namespaceSelector: { matchLabels: peer.namespaceLabels, matchExpressions: [] },
              podSelector: { matchLabels: peer.podLabels, matchExpressions: [] },
            },
          ],
    ),
    ports: service.ports.map((port) => ({ protocol: port.protocol, range: { kind: 'numbers' as const, from: port.port, to: port.port } })),
  };
}

function configured(service: EssentialServiceConfig, state: ClusterState): EssentialService {
  return {
    name: service.name,
    direction: service.direction,
    alternatives: service.peers.flatMap((peer) => peerRequirements(peer, service.ports, state)),
    targets: service.targets,
    fixRule: fixRuleOf(service),
    describe: `${service.peers.map(describePeer).join(' or ')} on ${service.ports.map(formatPort).join(', ')}`,
  };
}

function describePeer(peer: EssentialPeerConfig): string {
  if (peer.kind === 'cidrs') return peer.cidrs.map((cidr) => cidr.text).join(', ');
  return `pods ${formatLabels(peer.podLabels)} in namespaces ${formatLabels(peer.namespaceLabels)}`;
}

/** API_SERVER is the optional essential service's name. */
export const API_SERVER = 'api-server';

const DEFAULT_API_SERVER_PORTS: readonly Port[] = [
  { port: 443, protocol: 'TCP' },
  { port: 6443, protocol: 'TCP' },
];

/**
 * apiServer locates the API server: the configured CIDRs (each one serves), or else the ready
 * endpoints of the `default/kubernetes` EndpointSlices (a pod may be sent to any of them, so it
 * must reach them all), on the configured ports or else the slices' own. Undefined when neither
 * configured nor discovered: then there is nothing to check against.
 */
function apiServer(state: ClusterState, config: Config): EssentialService | undefined {
  const slices = state.endpointSlices().filter((slice) => slice.namespace === 'default' && slice.serviceName === 'kubernetes');
  const discoveredPorts = uniquePorts(slices.flatMap((slice) => slice.ports.map(({ port, protocol }) => ({ port, protocol }))));
  const ports = config.apiServer.ports.length > 0 ? config.apiServer.ports : discoveredPorts.length > 0 ? discoveredPorts : DEFAULT_API_SERVER_PORTS;
  const configuredCidrs = config.apiServer.cidrs;
  if (configuredCidrs.length > 0) {
    return configured({ name: API_SERVER, direction: 'Egress', peers: [{ kind: 'cidrs', cidrs: configuredCidrs }], ports, targets: undefined }, state);
  }
  const addresses = slices.flatMap((slice) => slice.addresses);
  if (addresses.length === 0) return undefined;
  const cidrs = addresses.flatMap((ip) => parseCidr(`${ip.text}/${ip.family === 4 ? 32 : 128}`) ?? []);
  const service = configured({ name: API_SERVER, direction: 'Egress', peers: [{ kind: 'cidrs', cidrs }], ports, targets: undefined }, state);
  const every = addresses.flatMap((ip) => ports.map((port): ServiceRequirement => ({ peer: { kind: 'ip', ip }, peerNamespaceLabels: undefined, port })));
  return { ...service, alternatives: [every], describe: `default/kubernetes endpoints ${cidrs.map(hostText).join(', ')} on ${ports.map(formatPort).join(', ')}` };
}

function uniquePorts(ports: readonly Port[]): Port[] {
  const seen = new Map(ports.map((port) => [`${port.port}/${port.protocol}`, port]));
  return [...seen.values()];
}

/**
 * resolveEssentialServices turns the configuration into the services the rules check, located in
 * the current state: cluster DNS (built in), the API server (optional) and the configured ones.
 */
export function resolveEssentialServices(state: ClusterState, config: Config): EssentialServices {
  const services: EssentialService[] = [];
  if (config.clusterDns.enabled) services.push(clusterDns(state, config, 'UDP'));
  const api = config.apiServer.enabled ? apiServer(state, config) : undefined;
  if (api !== undefined) services.push(api);
  services.push(...config.essentialServices.map((service) => configured(service, state)));
  return { services, dnsOverTcp: config.clusterDns.enabled ? clusterDns(state, config, 'TCP') : undefined };
}
