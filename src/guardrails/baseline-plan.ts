import { adoptionOf } from './adoption.js';
import { MANAGED_BY_LABEL, OPT_OUT_PROFILE, PROFILE_LABEL, isBaselinePolicy, renderProfile } from './baseline.js';
import type { Config } from './config.js';
import { networkPolicyManifest } from '../model/manifest.js';
import type { Namespace } from '../model/namespace.js';
import type { NetworkPolicy } from '../model/network-policy.js';

/**
 * Skip says why netfence writes nothing in a namespace: netfence's own or exempt, being deleted,
 * not adopted (no `netfence.io/baseline` label, and `adoptExisting` off), or labelled with a
 * profile the config does not have.
 */
export type Skip =
  | { readonly kind: 'skip'; readonly reason: 'exempt' | 'terminating' | 'not-adopted' }
  | { readonly kind: 'skip'; readonly reason: 'unknown-profile'; readonly profile: string };

/**
 * BaselinePlan is what the reconciler must do in one namespace so that its managed policies are
 * exactly its profile's, rendered: policies to create, to replace (drifted), to delete (left over
 * from another profile, or after an opt-out). `skip` says why nothing is to be done.
 */
export type BaselinePlan =
  | Skip
  | {
      readonly kind: 'apply';
      readonly profile: string;
      readonly create: readonly NetworkPolicy[];
      readonly replace: readonly NetworkPolicy[];
      readonly remove: readonly string[];
    };

/** sameManagedPolicy compares what netfence owns of a policy: its spec and its managed labels. */
export function sameManagedPolicy(desired: NetworkPolicy, actual: NetworkPolicy): boolean {
  const owned = (policy: NetworkPolicy): string =>
    JSON.stringify(
      networkPolicyManifest(policy, {
        labels: new Map([...policy.labels].filter(([key]) => key === MANAGED_BY_LABEL || key === PROFILE_LABEL)),
      }),
    );
  return owned(desired) === owned(actual);
}

/** DesiredBaseline is the policies a namespace's profile renders to, or why it has none to check. */
export type DesiredBaseline = Skip | { readonly kind: 'desired'; readonly profile: string; readonly policies: readonly NetworkPolicy[] };

/**
 * desiredBaseline renders an adopted namespace's profile (no policies after an opt-out), unless it
 * is exempt, terminating or not adopted.
 */
export function desiredBaseline(namespace: Namespace, config: Config): DesiredBaseline {
  const adoption = adoptionOf(namespace, config);
  if (adoption.kind === 'exempt') return { kind: 'skip', reason: 'exempt' };
  if (namespace.terminating === true) return { kind: 'skip', reason: 'terminating' };
  switch (adoption.kind) {
    case 'not-adopted':
      return { kind: 'skip', reason: 'not-adopted' };
    case 'opted-out':
      return { kind: 'desired', profile: OPT_OUT_PROFILE, policies: [] };
    case 'adopted': {
      const profile = config.profiles.get(adoption.profile);
      if (profile === undefined) return { kind: 'skip', reason: 'unknown-profile', profile: adoption.profile };
      return { kind: 'desired', profile: adoption.profile, policies: renderProfile(profile, namespace.name) };
    }
  }
}

/** planBaseline compares a namespace's managed policies with its profile. */
export function planBaseline(namespace: Namespace, policies: readonly NetworkPolicy[], config: Config): BaselinePlan {
  const wanted = desiredBaseline(namespace, config);
  if (wanted.kind === 'skip') return wanted;
  const { profile: profileName, policies: desired } = wanted;
  // Baseline policies only: those netfence keeps for ClientIntents are the intents reconciler's.
  const managed = policies.filter((policy) => isBaselinePolicy(policy.labels));
  const byName = new Map(policies.map((policy) => [policy.name, policy]));
  const create = desired.filter((policy) => !byName.has(policy.name));
  const replace = desired.filter((policy) => {
    const actual = byName.get(policy.name);
    return actual !== undefined && !sameManagedPolicy(policy, actual);
  });
  const desiredNames = new Set(desired.map((policy) => policy.name));
  const remove = managed.filter((policy) => !desiredNames.has(policy.name)).map((policy) => policy.name);
  return { kind: 'apply', profile: profileName, create, replace, remove };
}
