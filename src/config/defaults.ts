import type { BaselineProfile, ClusterDnsConfig, Config } from '../guardrails/config.js';
import { DEFAULT_SEVERITY } from '../guardrails/finding.js';
import { parseCidr } from '../model/ip.js';
import type { Cidr } from '../model/ip.js';
import { dnsEgressRuleOf } from '../guardrails/dns-rule.js';
import type { NetworkPolicy } from '../model/network-policy.js';
import { SELECT_ALL } from '../model/selector.js';

/** NETFENCE_NAMESPACE is netfence's own namespace unless the config says otherwise. */
export const NETFENCE_NAMESPACE = 'netfence';

/** NODE_LOCAL_DNS is NodeLocal DNSCache's default link-local address. */
export const NODE_LOCAL_DNS = '169.254.20.10/32';

/** DEFAULT_PROFILE_POLICY is the name of the default profile's one policy. */
export const DEFAULT_PROFILE_POLICY = 'netfence-default-deny';

function cidr(text: string): Cidr {
  const parsed = parseCidr(text);
  if (parsed === undefined) throw new Error(`bad built-in CIDR ${text}`);
  return parsed;
}

/** DEFAULT_CLUSTER_DNS is CoreDNS/kube-dns as kubeadm, kind, EKS, GKE and AKS install it. */
export const DEFAULT_CLUSTER_DNS: ClusterDnsConfig = {
  enabled: true,
  namespace: 'kube-system',
  service: 'kube-dns',
  podLabels: new Map([['k8s-app', 'kube-dns']]),
  nodeLocalAddresses: [cidr(NODE_LOCAL_DNS)],
};

/** defaultProfile is default-deny for Ingress and Egress with cluster DNS allowed, as one policy. */
export function defaultProfile(dns: ClusterDnsConfig): BaselineProfile {
  const policy: NetworkPolicy = {
    namespace: '',
    name: DEFAULT_PROFILE_POLICY,
    labels: new Map(),
    podSelector: SELECT_ALL,
    policyTypes: new Set(['Ingress', 'Egress']),
    policyTypesDefaulted: false,
    ingress: [],
    egress: dns.enabled ? [dnsEgressRuleOf(dns)] : [],
  };
  return { name: 'default', policies: [policy] };
}

/** defaultConfig is the configuration netfence runs with when no file is given. */
export function defaultConfig(): Config {
  return {
    defaultMode: 'enforce',
    namespace: NETFENCE_NAMESPACE,
    exempt: { namespaces: ['kube-system', 'kube-public', 'kube-node-lease'], users: [], groups: [] },
    privileged: { users: [`system:serviceaccount:${NETFENCE_NAMESPACE}:netfence`], groups: ['system:masters'] },
    requiredDirections: new Set(['Ingress', 'Egress']),
    clusterDns: DEFAULT_CLUSTER_DNS,
    apiServer: { enabled: false, cidrs: [], ports: [] },
    essentialServices: [],
    profiles: new Map([['default', defaultProfile(DEFAULT_CLUSTER_DNS)]]),
    defaultProfile: 'default',
    severity: { ...DEFAULT_SEVERITY },
    onError: 'deny',
    remediateEssentialEgress: false,
    provisioningGate: false,
    adoptExisting: false,
    preexisting: 'warn',
    intentsController: true,
  };
}
