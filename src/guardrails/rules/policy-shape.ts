import type { Finding } from '../finding.js';
import { DIRECTIONS, rulesFor } from '../../model/network-policy.js';
import type { NetworkPolicy, PolicyRule } from '../../model/network-policy.js';
import { PROTOCOLS } from '../../model/protocol.js';
import { formatSelector, isSelectAll } from '../../model/selector.js';
import type { PolicyChange } from './change.js';
import { summaryLine } from './summary.js';

/** admitsEveryPeer: no `from`/`to`, or an ipBlock of a whole address family (`0.0.0.0/0`, `::/0`) without exceptions. */
function admitsEveryPeer(rule: PolicyRule): boolean {
  if (rule.peers === null) return true;
  return rule.peers.some((peer) => peer.kind === 'ipBlock' && peer.block.cidr.prefix === 0 && peer.block.except.length === 0);
}

/** admitsEveryPort: no `ports`, or every protocol with no port given. */
function admitsEveryPort(rule: PolicyRule): boolean {
  if (rule.ports === null) return true;
  return PROTOCOLS.every((protocol) => rule.ports?.some((port) => port.protocol === protocol && port.range.kind === 'any'));
}

/** allowAllFindings reports `allow-all`: a rule allowing every peer on every port, undoing default-deny. */
export function allowAllFindings(change: PolicyChange): Finding[] {
  const policy = change.policy;
  if (policy === undefined) return [];
  const findings: Finding[] = [];
  for (const direction of DIRECTIONS) {
    if (!policy.policyTypes.has(direction)) continue;
    const index = rulesFor(policy, direction).findIndex((rule) => admitsEveryPeer(rule) && admitsEveryPort(rule));
    if (index < 0) continue;
    const object = `${change.namespace}/${change.name}`;
    const field = `${direction === 'Ingress' ? 'ingress' : 'egress'}[${index}]`;
    findings.push({
      rule: 'allow-all',
      severity: 'deny',
      object,
      summary: summaryLine('allow-all', `${object} ${field} allows all ${direction.toLowerCase()} to pods ${formatSelector(policy.podSelector)}`),
      message:
        `${object} ${field} allows every peer on every port for ${direction} of the pods it selects (${formatSelector(policy.podSelector)}), ` +
        `which undoes the namespace's default-deny for them. Name the peers (podSelector, namespaceSelector, ipBlock) and ports they need.`,
    });
  }
  return findings;
}

/** namespaceSelectorAllFindings reports `namespace-selector-all`: a peer `namespaceSelector: {}`. */
export function namespaceSelectorAllFindings(change: PolicyChange): Finding[] {
  const policy: NetworkPolicy | undefined = change.policy;
  if (policy === undefined) return [];
  const fields: string[] = [];
  for (const direction of DIRECTIONS) {
    const side = direction === 'Ingress' ? 'from' : 'to';
    const rules = rulesFor(policy, direction);
    for (let index = 0; index < rules.length; index++) {
      const peers = rules[index]?.peers ?? [];
      for (let peerIndex = 0; peerIndex < peers.length; peerIndex++) {
        const peer = peers[peerIndex];
        if (peer?.kind === 'pods' && peer.namespaceSelector !== null && isSelectAll(peer.namespaceSelector)) {
          fields.push(`${direction === 'Ingress' ? 'ingress' : 'egress'}[${index}].${side}[${peerIndex}]`);
        }
      }
    }
  }
  if (fields.length === 0) return [];
  const object = `${change.namespace}/${change.name}`;
  return [
    {
      rule: 'namespace-selector-all',
      severity: 'warn',
      object,
      summary: summaryLine('namespace-selector-all', `${object} ${fields[0] ?? ''}: namespaceSelector {} matches every namespace`),
      message:
        `${object} ${fields.join(', ')}: namespaceSelector {} matches every namespace, kube-system and other tenants included. ` +
        `Select namespaces by label, e.g. namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: NAME}}.`,
    },
  ];
}
