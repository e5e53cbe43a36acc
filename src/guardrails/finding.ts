import type { Labels } from '../model/labels.js';
import type { JsonObject } from '../model/manifest.js';
import type { Direction } from '../model/network-policy.js';

/** RULE_IDS lists every guardrail rule by its stable id (DESIGN.md), in the order findings print. */
export const RULE_IDS = [
  'essential-egress',
  'essential-ingress',
  'default-deny-missing',
  'allow-all',
  'unrestricted-peers',
  'managed-policy-change',
  'baseline-opt-out',
  'dns-tcp-missing',
  'namespace-selector-all',
  'peer-split',
  'baseline-pending',
  'namespace-not-adopted',
] as const;

/** RuleId is a rule's stable id: used in messages, config, metrics and audit annotations. */
export type RuleId = (typeof RULE_IDS)[number];

/** isRuleId narrows a string to a RuleId. */
export function isRuleId(text: string): text is RuleId {
  return (RULE_IDS as readonly string[]).includes(text);
}

/** Severity is what a finding does in enforce mode: deny the change, or only warn. */
export type Severity = 'deny' | 'warn';

/** DEFAULT_SEVERITY is each rule's severity when the config does not override it. */
export const DEFAULT_SEVERITY: Readonly<Record<RuleId, Severity>> = {
  'essential-egress': 'deny',
  'essential-ingress': 'deny',
  'default-deny-missing': 'deny',
  'allow-all': 'deny',
  'unrestricted-peers': 'warn',
  'managed-policy-change': 'deny',
  'baseline-opt-out': 'deny',
  'dns-tcp-missing': 'warn',
  'namespace-selector-all': 'warn',
  'peer-split': 'warn',
  'baseline-pending': 'deny',
  'namespace-not-adopted': 'warn',
};

/** Counterexample is a pod (its namespace and labels) that a change would cut off. */
export interface Counterexample {
  readonly namespace: string;
  readonly labels: Labels;
}

/**
 * Finding is one broken guardrail. `summary` is one short line for kubectl warnings; `message` the
 * full explanation. `service`, `counterexample` and `fix` are set where they apply.
 */
export interface Finding {
  readonly rule: RuleId;
  readonly severity: Severity;
  /** object is the object the finding is about: `namespace/name` of a policy, or a namespace's name. */
  readonly object: string;
  readonly summary: string;
  readonly message: string;
  readonly service?: string;
  readonly counterexample?: Counterexample;
  /** fix is the NetworkPolicy to add or apply; it passes every rule by itself. */
  readonly fix?: JsonObject;
  /**
   * predates: the finding already held before the change, for the same pods or more; the change
   * does not make it worse. It denies only with the config's `preexisting: deny`, else it warns.
   */
  readonly predates?: true;
  /** adoption (namespace-not-adopted only): the profile adopting would apply, and the pods it would isolate. */
  readonly adoption?: AdoptionSummary;
}

/** AdoptionSummary says what adopting a namespace would do: its profile, and which pods it would newly isolate. */
export interface AdoptionSummary {
  readonly profile: string;
  /** isolated: `ns/pod` and the directions in which adopting would isolate it for the first time. */
  readonly isolated: ReadonlyArray<{ readonly pod: string; readonly directions: readonly Direction[] }>;
}
