import { labelsToRecord } from './labels.js';
import type { Labels } from './labels.js';
import type { NetworkPolicy, Peer, PolicyPort, PolicyRule } from './network-policy.js';
import type { LabelSelector } from './selector.js';

/**
 * Manifests: core values printed back as the Kubernetes API objects users apply, for suggested
 * fixes and baseline policies. The shape is what `kubectl get -o yaml` would show for them.
 */

/** JsonValue is any JSON value: what manifests are made of. */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

/** JsonObject is a JSON object. */
export type JsonObject = { [key: string]: JsonValue };

/** selectorManifest prints a selector with only the fields it uses (`{}` selects all). */
export function selectorManifest(selector: LabelSelector): JsonObject {
  const manifest: JsonObject = {};
  if (selector.matchLabels.size > 0) manifest['matchLabels'] = labelsToRecord(selector.matchLabels);
  if (selector.matchExpressions.length > 0) {
    manifest['matchExpressions'] = selector.matchExpressions.map(({ key, operator, values }): JsonObject =>
      values.length > 0 ? { key, operator, values: [...values] } : { key, operator },
    );
  }
  return manifest;
}

function peerManifest(peer: Peer): JsonObject {
  if (peer.kind === 'ipBlock') {
    const { cidr, except } = peer.block;
    return { ipBlock: except.length > 0 ? { cidr: cidr.text, except: except.map((block) => block.text) } : { cidr: cidr.text } };
  }
  const manifest: JsonObject = {};
  if (peer.namespaceSelector !== null) manifest['namespaceSelector'] = selectorManifest(peer.namespaceSelector);
  manifest['podSelector'] = selectorManifest(peer.podSelector);
  return manifest;
}

function portManifest(port: PolicyPort): JsonObject {
  const range = port.range;
  switch (range.kind) {
    case 'any':
      return { protocol: port.protocol };
    case 'named':
      return { protocol: port.protocol, port: range.name };
    case 'numbers':
      return range.to === range.from
        ? { protocol: port.protocol, port: range.from }
        : { protocol: port.protocol, port: range.from, endPort: range.to };
  }
}

/** ruleManifest prints one rule as the API object, with `from` or `to` as `side` says. */
export function ruleManifest(rule: PolicyRule, side: 'from' | 'to'): JsonObject {
  const manifest: JsonObject = {};
  if (rule.peers !== null) manifest[side] = rule.peers.map(peerManifest);
  if (rule.ports !== null) manifest['ports'] = rule.ports.map(portManifest);
  return manifest;
}

/** ManifestMetadata is what a rendered policy carries besides its spec. */
export interface ManifestMetadata {
  readonly labels?: Labels;
  readonly annotations?: Labels;
}

/**
 * networkPolicyManifest prints a policy as a `networking.k8s.io/v1` NetworkPolicy object, with
 * `policyTypes` always explicit (so that no reader depends on the defaulting rules).
 */
export function networkPolicyManifest(policy: NetworkPolicy, metadata: ManifestMetadata = {}): JsonObject {
  const meta: JsonObject = { name: policy.name, namespace: policy.namespace };
  if (metadata.labels !== undefined && metadata.labels.size > 0) meta['labels'] = labelsToRecord(metadata.labels);
  if (metadata.annotations !== undefined && metadata.annotations.size > 0) meta['annotations'] = labelsToRecord(metadata.annotations);
  const spec: JsonObject = {
    podSelector: selectorManifest(policy.podSelector),
    policyTypes: (['Ingress', 'Egress'] as const).filter((direction) => policy.policyTypes.has(direction)),
  };
  if (policy.ingress.length > 0) spec['ingress'] = policy.ingress.map((rule) => ruleManifest(rule, 'from'));
  if (policy.egress.length > 0) spec['egress'] = policy.egress.map((rule) => ruleManifest(rule, 'to'));
  return { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: meta, spec };
}
