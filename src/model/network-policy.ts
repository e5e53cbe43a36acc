import type { Cidr } from './ip.js';
import type { Labels } from './labels.js';
import type { Protocol } from './protocol.js';
import type { LabelSelector } from './selector.js';

/** Direction is a policy type: which traffic of the selected pods a policy isolates. */
export type Direction = 'Ingress' | 'Egress';

/** DIRECTIONS lists both directions, Ingress first (the API's order in policyTypes). */
export const DIRECTIONS: readonly Direction[] = ['Ingress', 'Egress'];

/** PortRange is what a NetworkPolicyPort's `port` (and `endPort`) admit. */
export type PortRange =
  | { readonly kind: 'any' }
  | { readonly kind: 'numbers'; readonly from: number; readonly to: number }
  | { readonly kind: 'named'; readonly name: string };

/** PolicyPort is one entry of a rule's `ports`; the protocol is already defaulted to TCP. */
export interface PolicyPort {
  readonly protocol: Protocol;
  readonly range: PortRange;
}

/** IpBlock is an `ipBlock` peer: the addresses of `cidr` except those of any `except` block. */
export interface IpBlock {
  readonly cidr: Cidr;
  readonly except: readonly Cidr[];
}

/**
 * Peer is one entry of `from`/`to`. A pod peer's `namespaceSelector` is null when the manifest has
 * none: then it means the policy's own namespace. A manifest's `podSelector` left out means all pods.
 */
export type Peer =
  | {
      readonly kind: 'pods';
      readonly namespaceSelector: LabelSelector | null;
      readonly podSelector: LabelSelector;
    }
  | { readonly kind: 'ipBlock'; readonly block: IpBlock };

/**
 * PolicyRule is one ingress or egress rule. `peers` null means `from`/`to` was absent or empty (every
 * peer); `ports` null means `ports` was absent or empty (every port of every protocol).
 */
export interface PolicyRule {
  readonly peers: readonly Peer[] | null;
  readonly ports: readonly PolicyPort[] | null;
}

/**
 * NetworkPolicy is a parsed policy with its policy types resolved: when the manifest has no
 * `policyTypes`, Ingress always applies and Egress only if `egress` has a rule (the API's defaulting).
 */
export interface NetworkPolicy {
  readonly namespace: string;
  readonly name: string;
  /** labels are the policy's own labels (`app.kubernetes.io/managed-by` marks netfence's). */
  readonly labels: Labels;
  readonly podSelector: LabelSelector;
  readonly policyTypes: ReadonlySet<Direction>;
  /** policyTypesDefaulted is true when the manifest left out `policyTypes`, so explanations can say so. */
  readonly policyTypesDefaulted: boolean;
  readonly ingress: readonly PolicyRule[];
  readonly egress: readonly PolicyRule[];
}

/** policyId is how policies are named in output: `namespace/name`. */
export function policyId(policy: Pick<NetworkPolicy, 'namespace' | 'name'>): string {
  return `${policy.namespace}/${policy.name}`;
}

/** rulesFor returns a policy's rules in one direction. */
export function rulesFor(policy: NetworkPolicy, direction: Direction): readonly PolicyRule[] {
  return direction === 'Ingress' ? policy.ingress : policy.egress;
}

/**
 * defaultPolicyTypes is the API server's defaulting when `policyTypes` is absent: Ingress, plus Egress
 * when the policy has at least one egress rule (`egress: []` does not count).
 */
export function defaultPolicyTypes(egressRuleCount: number): ReadonlySet<Direction> {
  return new Set<Direction>(egressRuleCount > 0 ? ['Ingress', 'Egress'] : ['Ingress']);
}
