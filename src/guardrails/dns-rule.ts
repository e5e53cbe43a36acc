import type { ClusterDnsConfig } from './config.js';
import { METADATA_NAME_LABEL } from '../model/namespace.js';
import type { PolicyRule } from '../model/network-policy.js';

/**
 * dnsEgressRuleOf is the egress rule that allows cluster DNS on 53/UDP and 53/TCP: to the DNS pods
 * (by namespace name and pod labels) and to NodeLocal DNSCache's addresses.
 */
export function dnsEgressRuleOf(dns: ClusterDnsConfig): PolicyRule {
  return {
    peers: [
      {
        kind: 'pods',
        namespaceSelector: { matchLabels: new Map([[METADATA_NAME_LABEL, dns.namespace]]), matchExpressions: [] },
        podSelector: { matchLabels: dns.podLabels, matchExpressions: [] },
      },
      ...dns.nodeLocalAddresses.map((block) => ({ kind: 'ipBlock' as const, block: { cidr: block, except: [] } })),
    ],
    ports: [
      { protocol: 'UDP', range: { kind: 'numbers', from: 53, to: 53 } },
      { protocol: 'TCP', range: { kind: 'numbers', from: 53, to: 53 } },
    ],
  };
}
