import type { Cidr } from '../model/ip.js';
import type { Labels } from '../model/labels.js';
import type { Direction, NetworkPolicy } from '../model/network-policy.js';
import type { RuleId, Severity } from './finding.js';
import type { Port } from '../model/protocol.js';
import type { LabelSelector } from '../model/selector.js';

/**
 * netfence's configuration, as the rules see it (already validated). The YAML file and its
 * defaults are read by src/config; DESIGN.md lists what it holds.
 */

/** Mode is what netfence does in a namespace: deny (enforce), only report (audit), or nothing (off). */
export type Mode = 'enforce' | 'audit' | 'off';

/** MODES lists the modes from strictest to most lenient, so "lowering" a mode is comparable. */
export const MODES: readonly Mode[] = ['enforce', 'audit', 'off'];

/** Subjects are users and groups, as the API server names them in `userInfo`. */
export interface Subjects {
  readonly users: readonly string[];
  readonly groups: readonly string[];
}

/** EssentialPeerConfig is where an essential service runs: pods by labels, or addresses. */
export type EssentialPeerConfig =
  | { readonly kind: 'pods'; readonly namespaceLabels: Labels; readonly podLabels: Labels }
  | { readonly kind: 'cidrs'; readonly cidrs: readonly Cidr[] };

/**
 * EssentialServiceConfig is a configured essential service. Every alternative in `peers` serves
 * on its own (e.g. CoreDNS pods, or NodeLocal DNSCache's address). For an Ingress service,
 * `targets` selects the tenant pods it must reach (all pods when absent).
 */
export interface EssentialServiceConfig {
  readonly name: string;
  readonly direction: Direction;
  readonly peers: readonly EssentialPeerConfig[];
  readonly ports: readonly Port[];
  readonly targets: LabelSelector | undefined;
}

/** ClusterDnsConfig is the built-in DNS service: where CoreDNS/kube-dns runs and NodeLocal DNSCache. */
export interface ClusterDnsConfig {
  readonly enabled: boolean;
  readonly namespace: string;
  readonly service: string;
  /** podLabels are used when the Service cannot be found in the state. */
  readonly podLabels: Labels;
  readonly nodeLocalAddresses: readonly Cidr[];
}

/**
 * ApiServerConfig is the optional API-server essential service. Empty `cidrs` and `ports` are
 * discovered from the `default/kubernetes` EndpointSlice: the addresses and port that pods'
 * connections reach once the Service's address is translated, which is what policies see.
 */
export interface ApiServerConfig {
  readonly enabled: boolean;
  readonly cidrs: readonly Cidr[];
  readonly ports: readonly Port[];
}

/** BaselineProfile is a named list of policies (namespace filled in when rendered), applied in order. */
export interface BaselineProfile {
  readonly name: string;
  /** policies are rendered with the namespace left empty; `renderProfile` fills it in. */
  readonly policies: readonly NetworkPolicy[];
}

/** Config is netfence's whole configuration. */
export interface Config {
  readonly defaultMode: Mode;
  /** namespace is netfence's own namespace: always exempt. */
  readonly namespace: string;
  readonly exempt: { readonly namespaces: readonly string[] } & Subjects;
  /** privileged may opt namespaces out, lower their mode and change managed policies. */
  readonly privileged: Subjects;
  readonly requiredDirections: ReadonlySet<Direction>;
  readonly clusterDns: ClusterDnsConfig;
  readonly apiServer: ApiServerConfig;
  readonly essentialServices: readonly EssentialServiceConfig[];
  /** profiles by name; `none` is reserved for opting out. */
  readonly profiles: ReadonlyMap<string, BaselineProfile>;
  readonly defaultProfile: string;
  /** severity per rule; `off` disables a rule. */
  readonly severity: Readonly<Record<RuleId, Severity | 'off'>>;
  /** onError: what /validate answers when netfence itself fails on a request. */
  readonly onError: 'deny' | 'allow';
  /** remediateEssentialEgress: patch a policy to add the missing essential egress instead of denying. */
  readonly remediateEssentialEgress: boolean;
  /** provisioningGate: refuse Pod CREATE in a namespace whose baseline is not in place yet. */
  readonly provisioningGate: boolean;
  /**
   * adoptExisting: provision every namespace that has no `netfence.io/baseline` label with the
   * default profile (green-field clusters). Off by default: a namespace that predates netfence is
   * provisioned only once an admin labels it, so installing netfence never cuts running traffic.
   */
  readonly adoptExisting: boolean;
  /**
   * preexisting: what a finding that already held before the change does. `warn` (the default): a
   * change is denied only for what it makes worse, and a finding it did not cause is a warning that
   * says so. `deny`: every deny finding denies, so every change waits until the namespace is whole.
   */
  readonly preexisting: 'warn' | 'deny';
  /**
   * intentsController: in cluster mode, where the ClientIntents CRD is served, the leader writes and
   * keeps the NetworkPolicies that ClientIntents call for. On by default; off where another intents
   * controller (Otterize's intents-operator) does it: one intents controller per cluster, never two.
   */
  readonly intentsController: boolean;
}

/** isLowerMode says whether `to` is more lenient than `from` (enforce → audit → off). */
export function isLowerMode(from: Mode, to: Mode): boolean {
  return MODES.indexOf(to) > MODES.indexOf(from);
}

/** isMember says whether a user (with its groups) is one of the subjects. */
export function isMember(subjects: Subjects, user: { readonly username: string; readonly groups: readonly string[] }): boolean {
  return subjects.users.includes(user.username) || user.groups.some((group) => subjects.groups.includes(group));
}
